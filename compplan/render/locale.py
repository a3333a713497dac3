"""Numbers, money, dates and labels in the payee's language (Babel).

A statement is read by one person, in their language: the locale is per payee (the
payees table's `locale` column), with the plan's `locale:` as the default, then English.

Money is formatted from Decimal, never float, and never rounded for display: the page
shows as many decimals as the amounts have (at least the currency's), so the lines on
the page add up to the totals on the page to the last digit.

Labels are gettext catalogs (`locales/<language>.po`, read with Babel at run time, so a
translator edits a .po file with the usual tools and nothing needs compiling). English
is the message ids themselves. A message missing from a catalog falls back to English.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.messages.pofile import read_po
from babel.numbers import (get_currency_precision, get_decimal_symbol, get_group_symbol,
                           parse_decimal, parse_pattern)

CATALOGS = Path(__file__).resolve().parent / "locales"
SHIPPED = ("en", "vi", "pl", "ms")
DEFAULT = "en"
MAX_PLACES = 10  # beyond this an amount is shown rounded (never happens with real money)


def resolve(code: str | None, fallback: str = DEFAULT) -> tuple[str, str | None]:
    """A locale code Babel knows (vi, vi_VN, pl-PL), or the fallback and why."""
    if not code or not str(code).strip():
        return fallback, None
    text = str(code).strip().replace("-", "_")
    try:
        Locale.parse(text)
    except (UnknownLocaleError, ValueError):
        return fallback, f"unknown locale '{code}'; using {fallback}"
    return text, None


@lru_cache(maxsize=None)
def _catalog(language: str) -> dict[str, str]:
    path = CATALOGS / f"{language}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=language)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def messages(language: str) -> dict[str, str]:
    """The catalog of one shipped language (empty for English)."""
    return dict(_catalog(language))


@lru_cache(maxsize=None)
def _pattern(pattern: str, low: int, high: int):
    """A Babel number pattern with its decimals set, parsed once (apply() leaves it as
    it is)."""
    pat = parse_pattern(pattern)
    pat.frac_prec = (low, high)
    return pat


def shown_to(value: Decimal, places: int) -> Decimal:
    """`value` cut to `places` decimals for showing, rounded half up as the engine rounds
    (docs/language.md): a tier's part 8,608.865 reads 8,608.87 in its split as in the
    line's formula. Python's and Babel's default (half to even) gave 8,608.86 there."""
    quantum = _QUANTA[places] if 0 <= places <= MAX_PLACES else Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


_QUANTA = [Decimal(1).scaleb(-p) for p in range(MAX_PLACES + 1)]  # shown_to's, made once


def plain_amount(value: Decimal, places: int) -> str:
    """`value` with `places` decimals and thousands grouped, in Python's symbols
    (1,234.50): exact, from the Decimal's own digits (rounded half up where it has
    more places than shown)."""
    return format(shown_to(value, places), f",.{places}f")


@lru_cache(maxsize=None)
def _locale_parts(code: str, currency: str) -> tuple:
    """Babel's facts for Fmt (locale, currency's places, money pattern, symbols), once a
    locale and currency: building them per statement was a measurable share of its CPU."""
    locale = Locale.parse(code)
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    # an amount cell (#,##0.00, never rounded) is written by Python's own Decimal
    # format with the locale's symbols: Babel's apply() was a third of a statement's
    # time; tests/render/test_locale.py holds the two to the same text
    # (Babel writes this pattern's minus as a plain '-' in every locale)
    plain = str.maketrans({",": group, ".": decimal})
    # what follows the digits of #,##0% in this locale (Babel's percent sign)
    percent_sign = _pattern("#,##0%", 0, 0).apply(Decimal(0), locale)[1:]
    # a formula's figures: every ',' the group symbol and every '.' the decimal one
    formula_table = str.maketrans({",": group, ".": decimal})
    return (locale, get_currency_precision(currency), pattern, plain, percent_sign,
            group, decimal, formula_table)


@lru_cache(maxsize=4096)
def _date_text(value: dt.date, code: str) -> str:
    """Babel's medium date, once a date and locale: a statement's lines share few dates
    and format_date was about a tenth of a statement's CPU."""
    return _format_date(value, "medium", locale=Locale.parse(code))


class Fmt:
    """Formatting for one statement: its locale and currency."""

    def __init__(self, code: str, currency: str, places: int | None = None):
        self.code = code
        self.currency = currency
        # what Babel says of a locale and currency is looked up once a process, not once
        # a statement (several Fmt are made for each statement)
        (self.locale, default_places, self._money_pattern, self._plain, self._percent_sign,
         self._group, self._decimal, self._formula_table) = _locale_parts(code, currency)
        self.places = default_places if places is None else places
        self._messages = _catalog(self.locale.language)
        self._plain_same = self._group == "," and self._decimal == "."  # Python's own
        self._rates: dict = {}  # rate(): a tier's rate as written

    # labels
    def _(self, msgid: str, **params) -> str:
        text = self._messages.get(msgid, msgid)
        return text.format(**params) if params else text

    # numbers
    def _places_for(self, value: Decimal, at_least: int) -> int:
        """The decimals `value` needs (its own, trailing zeros dropped), at least
        `at_least`. Read from the Decimal's text where it is plain (12791.180 needs 2):
        as_tuple() was a twentieth of a statement's CPU (issue 14). Exponent notation,
        NaN and more digits than the context's precision (where normalize() rounds)
        are left to Decimal, as before."""
        text = str(value)
        if "E" in text or len(text) > 28 or not value.is_finite():
            exp = value.normalize().as_tuple().exponent
            need = -exp if isinstance(exp, int) and exp < 0 else 0
        else:
            need = len(text.partition(".")[2].rstrip("0"))
        return min(max(at_least, need), MAX_PLACES)

    def money(self, value: Decimal | None, symbol: bool = True,
              max_places: int | None = None) -> str:
        """An amount with the currency, in the locale's pattern: 1.234.567,89 ₫ (vi).

        Never rounded unless `max_places` says so (a tier's part before the line is
        rounded, say): pay on a page is shown to its last digit."""
        if value is None:
            return self._("missing")
        if not symbol and type(value) is Decimal:
            quick = self._cell(value, max_places)
            if quick is not None:
                return quick
        value = Decimal(value)
        places = self._places_for(value, self.places)
        if max_places is not None:
            places = min(places, max(max_places, self.places))
        if not symbol and value.is_finite():
            return plain_amount(value, places).translate(self._plain)
        pat = _pattern(self._money_pattern if symbol else "#,##0.00", places, places)
        if value.is_finite():
            value = shown_to(value, places)  # half up, as the engine rounds
        return pat.apply(value, self.locale, currency=self.currency, currency_digits=False)

    def _cell(self, value: Decimal, max_places: int | None) -> str | None:
        """An amount cell written from the Decimal's own text where nothing rounds (the
        places shown are at least those it needs): its digits grouped, its decimals cut
        of trailing zeros or padded to the places shown. The same text as money()'s
        longer way (quantize, then Python's format), which was most of a line's amount
        cell (issue 14); None where that way is needed (rounding, exponents, NaN)."""
        text = str(value)
        if "E" in text or len(text) > 28 or not value.is_finite():
            return None
        whole, _, frac = text.partition(".")
        need = len(frac.rstrip("0"))
        places = min(max(self.places, need), MAX_PLACES)
        if max_places is not None:
            places = min(places, max(max_places, self.places))
        if places < need:
            return None  # rounded half up: money()'s way
        negative = whole[:1] == "-"
        out = format(int(whole[1:] if negative else whole), ",")
        if places:
            out += "." + frac[:places].ljust(places, "0")
        if negative:
            out = "-" + out
        return out if self._plain_same else out.translate(self._plain)

    def amount(self, value: Decimal | None, max_places: int | None = None) -> str:
        """An amount without the currency symbol (table cells under a currency heading)."""
        return self.money(value, symbol=False, max_places=max_places)

    def number(self, value, max_places: int = 6) -> str:
        if value is None:
            return self._("missing")
        value = Decimal(value)
        if self._plain_enough(value, max_places):
            return self._grouped(value, max_places)
        places = self._places_for(value, 0)
        return self._grouped(value, min(places, max_places))

    def percent(self, value, max_places: int = 2) -> str:
        """A ratio as a percentage in the locale: 1.125 -> 112.5% (en), 112,5% (vi)."""
        if value is None:
            return self._("missing")
        value = Decimal(value)
        if self._plain_enough(value, max_places + 2):
            return self._grouped(value.scaleb(2), max_places) + self._percent_sign
        places = self._places_for(value * 100, 0)
        if not value.is_finite():
            return _pattern("#,##0%", 0, min(places, max_places)).apply(value, self.locale)
        return self._grouped(value.scaleb(2), min(places, max_places)) + self._percent_sign

    @staticmethod
    def _plain_enough(value: Decimal, most: int) -> bool:
        """Whether `value` may go to _grouped with `most` decimals straight, without
        working out the decimals it needs first: _grouped drops the zeros a larger
        `most` pads, so the text is the same, provided nothing rounds in between (a
        finite value of at most 24 characters, i.e. fewer digits than the context's
        precision even with `most` more) and `most` is within MAX_PLACES, where
        _places_for stops. Half of number() and percent()'s time went on that work."""
        return (most <= MAX_PLACES and value.is_finite() and len(str(value)) <= 24
                and value.adjusted() + most < 26)

    def _grouped(self, value: Decimal, most: int) -> str:
        """`value` as Babel's #,##0.### writes it with up to `most` decimals (rounded half
        up as the engine rounds, trailing zeros dropped, thousands grouped, a plain '-'), by Python's own
        formatting with the locale's symbols: Babel's apply() was a fifth of a statement's
        time without a curve (tier parts, rates, measures); tests/render/test_locale.py
        holds the two to the same text."""
        if not value.is_finite():
            return _pattern("#,##0.###", 0, most).apply(value, self.locale)
        negative = value.is_signed()
        whole, _, frac = f"{shown_to(abs(value).normalize(), most):f}".partition(".")
        frac = frac.rstrip("0")
        text = format(int(whole), ",") + ("." + frac if frac else "")
        return ("-" if negative else "") + text.translate(self._plain)

    def date(self, value) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        if type(value) is dt.date:
            return _date_text(value, self.code)
        return _format_date(value, "medium", locale=self.locale)

    def parse(self, text: str) -> Decimal:
        """A number as this locale writes it, back to Decimal (for tests and checks)."""
        return parse_decimal(text, locale=self.locale, strict=False)

    def value(self, value, kind: str | None) -> str:
        """A measure or input value by its kind: money, ratio, number, text, date."""
        if value is None:
            return self._("missing")
        if isinstance(value, bool):
            return self._("yes") if value else self._("no")
        if isinstance(value, dt.date):
            return self.date(value)
        if kind == "money":
            return self.amount(value)
        if kind == "ratio":
            return self.percent(value)
        if isinstance(value, (Decimal, int)):
            return self.number(value)
        return str(value)

    # formulas: the engine writes numbers as 1,234.50 and 12.5%; show them in the locale
    _NUMBER = re.compile(r"(?<![\w.\-])(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(%?)"
                         r"(?![\w.])")

    def formula(self, text: str) -> str:
        """An engine formula with its numbers in the locale: 60.000,00 × 4% (vi).

        Only the separators change, digit for digit: a formula's figures are exact and
        stay so, however many decimals they have."""
        decimal, table = self._decimal, self._formula_table
        if decimal == "." and self._group == ",":
            # the engine's own symbols (English): each figure is written as it is, so
            # only the sign changes (the figures' pattern was a tenth of a page's CPU)
            return text.replace(" x ", " × ")

        def one(m: re.Match) -> str:
            return m.group(1).translate(table) + m.group(2)
        out = self._NUMBER.sub(one, text).replace(" x ", " × ")
        if decimal == ",":
            out = _semicolon_arguments(out)  # min(99 / 90; 1,2): the comma is a decimal
        return out

    def rate(self, value, ratio: bool) -> str:
        """A tier's rate: a percentage with up to 4 decimals, or a number. Written once
        a rate and Fmt, not once a line: a tier table has a few rates and a statement
        a line per deal (issue 14)."""
        if not (isinstance(value, Decimal) and value.is_finite()):
            return self.percent(value, 4) if ratio else self.number(value)
        # -0 equals 0 (and hashes alike) but is written with its sign
        key = (ratio, value, value.is_signed())
        text = self._rates.get(key)
        if text is None:
            text = self.percent(value, 4) if ratio else self.number(value)
            if len(self._rates) < 4096:  # a long-lived Fmt (the portal's) stays small
                self._rates[key] = text
        return text


@lru_cache(maxsize=256)
def shared(code: str, currency: str, places: int | None = None) -> Fmt:
    """One Fmt per locale, currency and places a process: a statement's page, curve and
    PDF footer share it (and its written rates) with the statements before it. A Fmt
    is never changed once made, so sharing it is safe."""
    return Fmt(code, currency, places)


def _semicolon_arguments(text: str) -> str:
    """', ' between a function's arguments -> '; ': only inside a call's brackets
    (`min(`, a name right before them). Words in brackets keep their commas: a label
    ("Doanh số (của bạn, hoặc của cả nhóm ...)") or a pool's sharers ("chia cho dee,
    ed: 2 trên 3 thành viên") read as written, not with a semicolon."""
    out, calls = [], []  # per open bracket: whether it is a call's
    for i, ch in enumerate(text):
        if ch == "(":
            calls.append(i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"))
        elif ch == ")":
            if calls:
                calls.pop()
        elif ch == "," and calls and calls[-1] and text[i + 1:i + 2] == " ":
            ch = ";"
        out.append(ch)
    return "".join(out)


def message_ids() -> list[str]:
    """Every label a statement can show: what each shipped catalog must translate.

    Read from the templates and modules themselves (calls of _ and Note with a literal
    text) and from the tables of words kept as data (component labels, line words,
    verdicts, statuses), so a new label cannot slip past the catalog test."""
    from . import publish, statement
    here = Path(__file__).resolve().parent
    ids: dict[str, None] = {}
    call = re.compile(r"""(?:\b_|\._|Note)\(\s*(["'])((?:(?!\1).)+)\1\s*[,)]""")
    for path in sorted(here.glob("templates/statement.html")) + sorted(here.glob("*.py")):
        for m in call.finditer(path.read_text(encoding="utf-8")):
            ids.setdefault(m.group(2), None)
    for text in (*statement.CARRIED_LABELS.values(), *statement.LINE_WORDS.values(),
                 *statement.LIMIT_WORDS.values(), *statement.VERDICTS,
                 *statement.STATUSES, *statement.CONDITION_WORDS, publish.CURVE_NOTE,
                 *(msgid for _p, msgid, _n in statement.FORMULA_WORDS)):
        ids.setdefault(text, None)
    return list(ids)
