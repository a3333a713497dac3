"""Money, numbers and dates as each shipped locale writes them (Babel), from Decimal and
never rounded; and label catalogs that translate every label."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from compplan.render.locale import SHIPPED, Fmt, message_ids, messages, resolve, shared, shown_to

NBSP = "\u00a0"


@pytest.mark.parametrize("code, vnd, usd, pct, date", [
    ("en", "₫1,234,567.89", "-$1,500.50", "112.5%", "Mar 31, 2026"),
    ("vi", f"1.234.567,89{NBSP}₫", f"-1.500,50{NBSP}US$", "112,5%", "31 thg 3, 2026"),
    ("pl", f"1{NBSP}234{NBSP}567,89{NBSP}VND", f"-1{NBSP}500,50{NBSP}USD", "112,5%",
     "31 mar 2026"),
    ("ms", "₫1,234,567.89", "-USD1,500.50", "112.5%", "31 Mac 2026"),
])
def test_money_numbers_and_dates_per_locale(code, vnd, usd, pct, date):
    assert Fmt(code, "VND").money(D("1234567.89")) == vnd
    assert Fmt(code, "USD").money(D("-1500.5")) == usd
    assert Fmt(code, "USD").percent(D("1.125")) == pct
    assert Fmt(code, "USD").date(dt.date(2026, 3, 31)) == date


def test_money_is_never_rounded_for_display():
    """VND has no minor unit, but an amount with cents is shown with them: the page must
    add up to the last digit. A whole amount keeps the currency's own decimals."""
    f = Fmt("vi", "VND")
    assert f.money(D("1234567")) == f"1.234.567{NBSP}₫"
    assert f.amount(D("0.005")) == "0,005"
    assert Fmt("en", "USD").amount(D("370.3701")) == "370.3701"
    assert Fmt("en", "USD").amount(D("12")) == "12.00"
    assert Fmt("en", "USD").amount(D("1099.9998"), max_places=2) == "1,100.00"


def test_parse_reads_back_what_each_locale_writes():
    for code in SHIPPED:
        f = Fmt(code, "USD")
        for v in (D("1234567.89"), D("-0.01"), D("1000")):
            assert f.parse(f.amount(v)) == v


def test_formulas_take_the_locales_numbers_and_semicolons_between_arguments():
    text = "40,000.00 x 4% + 30,000.00 x 12.5% = 4,000.00; 2026-01 now 1000 x min(99 / 90, 1.2)"
    assert Fmt("vi", "USD").formula(text) == (
        "40.000,00 × 4% + 30.000,00 × 12,5% = 4.000,00; 2026-01 now 1000 × "
        "min(99 / 90; 1,2)")
    assert Fmt("en", "USD").formula(text) == text.replace(" x ", " × ")


def test_issue14_words_in_brackets_keep_their_commas_in_a_comma_decimal_locale():
    """A call's arguments take '; ' where the comma is a decimal; words in brackets do
    not: the manager sample's label and a pool's sharers read with commas in vi and
    pl (they read 'của bạn; hoặc' and 'dee; ed' on dee's page)."""
    vi = Fmt("vi", "USD")
    text = ("pool of team south: 2% x 190,000.00 = 3,800.00; 3,800.00 x Doanh số (của "
            "bạn, hoặc của cả nhóm) 130,000.00 / 190,000.00 (shared by dee, ed: 2 of 3 "
            "members) = 2,600.00; max(min(1.5, 2), 0)")
    assert vi.formula(text) == (
        "pool of team south: 2% × 190.000,00 = 3.800,00; 3.800,00 × Doanh số (của bạn, "
        "hoặc của cả nhóm) 130.000,00 / 190.000,00 (shared by dee, ed: 2 of 3 members) "
        "= 2.600,00; max(min(1,5; 2); 0)")


def test_an_unknown_locale_falls_back_and_says_why():
    assert resolve("vi_VN") == ("vi_VN", None)
    assert resolve("pl-PL") == ("pl_PL", None)
    assert resolve("") == ("en", None)
    code, why = resolve("xx_YY", "pl")
    assert code == "pl" and "unknown locale 'xx_YY'" in why


@pytest.mark.parametrize("language", [x for x in SHIPPED if x != "en"])
def test_every_label_is_translated_with_the_same_placeholders(language):
    catalog = messages(language)
    ids = message_ids()
    assert len(ids) > 60
    missing = [m for m in ids if m not in catalog]
    assert not missing, f"{language}.po lacks {missing}"
    for m in ids:
        assert sorted(re.findall(r"{\w+}", m)) == sorted(re.findall(r"{\w+}", catalog[m])), m


def test_labels_come_out_in_the_language():
    assert Fmt("vi", "USD")._("Pay statement") == "Bảng kê thu nhập"
    assert Fmt("pl", "USD")._("tier {n}", n=2) == "próg 2"
    assert Fmt("ms", "USD")._("Year to date") == "Tahun hingga kini"
    assert Fmt("en", "USD")._("Year to date") == "Year to date"


@pytest.mark.parametrize("code", ["en", "vi", "pl", "ms", "de", "fr", "sv", "ar", "fa",
                                  "en_IN", "pl_PL"])
def test_an_amount_cell_reads_as_babel_writes_it(code):
    """Fmt.amount formats with Python's Decimal format and the locale's symbols (Babel's
    apply() took a third of a statement's time): the same text as Babel's, to the digit,
    for amounts of every size and sign, with as many decimals as they have."""
    import random

    from babel.numbers import parse_pattern
    rnd = random.Random(14)
    values = [D("0"), D("-0.00"), D("1234.5"), D("-1234567.891"), D("0.001"),
              D("999999.99"), D("-7500.00"), D("12.3456789"), D("1E+3")]
    values += [D(rnd.randint(-10**12, 10**12)) / D(10 ** rnd.randint(0, 7))
               for _ in range(500)]
    f = Fmt(code, "USD")
    for v in values:
        places = f._places_for(v, f.places)
        pat = parse_pattern("#,##0.00")
        pat.frac_prec = (places, places)
        assert f.amount(v) == pat.apply(v, f.locale, currency="USD",
                                        currency_digits=False), v
        # a tier's part before its line is rounded: at most 4 decimals, rounded half up
        # as the engine rounds (Babel alone would round half to even)
        cut = min(places, max(4, f.places))
        pat.frac_prec = (cut, cut)
        assert f.amount(v, max_places=4) == pat.apply(shown_to(v, cut), f.locale,
                                                      currency="USD",
                                                      currency_digits=False), v


@pytest.mark.parametrize("code", ["en", "vi", "pl", "ms", "de", "fr", "sv", "ar", "fa",
                                  "en_IN", "pl_PL"])
def test_numbers_and_percentages_read_as_babel_writes_them(code):
    """Fmt.number and Fmt.percent format with Python's Decimal format and the locale's
    symbols (Babel's apply() was a fifth of a statement's time): the same text as
    Babel's #,##0.### and #,##0%, to the digit, for values of every size and sign;
    where a value has more decimals than shown, rounded half up as the engine rounds
    (Babel's own rounding is half to even)."""
    import random

    from babel.numbers import parse_pattern
    rnd = random.Random(1414)
    values = [D("0"), D("-0.00"), D("1234.5"), D("-1234567.891"), D("0.001"), D("0.0000004"),
              D("-0.0000004"), D("2.5E-7"), D("999999.9999995"), D("1.125"), D("0.0125"),
              D("12.3456789"), D("1E+3"), D("-7500.00"), D("0.30000000000000004")]
    values += [D(rnd.randint(-10**12, 10**12)) / D(10 ** rnd.randint(0, 9))
               for _ in range(400)]
    f = Fmt(code, "USD")
    for v in values:
        for most in (0, 2, 4, 6):
            pat = parse_pattern("#,##0.###")
            cut = min(f._places_for(v, 0), most)
            pat.frac_prec = (0, cut)
            assert f.number(v, most) == pat.apply(shown_to(v, cut), f.locale), (v, most)
            pct = parse_pattern("#,##0%")
            cut = min(f._places_for(v * 100, 0), most)
            pct.frac_prec = (0, cut)
            assert f.percent(v, most) == pct.apply(shown_to(v * 100, cut) / 100, f.locale), \
                (v, most)


def test_issue14_a_tier_part_shown_rounds_half_up_as_its_formula_does():
    """A credit of 8,608.865 split in tier 1 at 4%: the line's formula (the engine's
    text) reads 8,608.87 x 4%, and the statement's tier split read 8,608.86 (Python's
    and Babel's half to even). Both round half up now; a part's pay keeps 4 places."""
    from types import SimpleNamespace

    from compplan.render.html import tier_text
    f = Fmt("en", "USD")
    part = SimpleNamespace(tier=1, amount=D("8608.865"), rate=D("0.04"), pays=D("344.3546"))
    assert tier_text(part, SimpleNamespace(rate_kind="ratio"), f) == \
        "tier 1: 8,608.87 × 4% = 344.3546"
    assert f.number(D("2.5"), 0) == "3" and f.number(D("-2.5"), 0) == "-3"
    assert f.number(D("0.125"), 2) == "0.13" and f.percent(D("0.001235"), 2) == "0.12%"
    assert f.amount(D("1.00005"), max_places=4) == "1.0001"
    assert f.money(D("1.00005"), max_places=4) == "$1.0001"
    vi = Fmt("vi", "VND")  # no minor unit: whole dong, half up
    assert vi.amount(D("12500.5"), max_places=0) == "12.501"


def test_issue14_numbers_written_without_working_out_their_places_read_the_same():
    """The quicker paths (places read from a Decimal's text; number() and percent() handed
    their most decimals straight; a tier's rate written once) give the text the long way
    gave, worked by hand here."""
    f = Fmt("en", "USD")
    # 12,791.180 has 3 places, 2 of them needed (the trailing 0 is dropped)
    assert f._places_for(D("12791.180"), 0) == 2
    assert f._places_for(D("12.50"), 2) == 2           # no more places than the currency's
    assert f._places_for(D("1E+3"), 0) == 0            # exponent notation: Decimal's way
    assert f.number(D("12791.180"), 2) == "12,791.18"
    assert f.number(D("2.5499999"), 2) == "2.55"        # rounded half up at 2 places
    # 0.0060998844672102 = 0.60998844672102%, shown to 2 places half up: 0.61%
    assert f.percent(D("0.0060998844672102")) == "0.61%"
    assert f.percent(D("0.125"), 4) == "12.5%"          # trailing zeros dropped
    assert Fmt("vi", "VND").percent(D("1.125")) == "112,5%"
    # a rate twice gives the same text; -0 equals 0 but keeps its sign when written
    assert f.rate(D("0.04"), True) == f.rate(D("0.04"), True) == "4%"
    assert (f.rate(D("0"), False), f.rate(D("-0"), False)) == ("0", "-0")
    assert f.rate(D("1.5"), False) == "1.5"


def test_issue14_one_fmt_per_locale_currency_and_places():
    assert shared("vi", "VND", 2) is shared("vi", "VND", 2)
    assert shared("vi", "VND", 2) is not shared("vi", "VND", 3)
    assert shared("pl", "PLN").amount(D("1234.5")) == Fmt("pl", "PLN").amount(D("1234.5"))
