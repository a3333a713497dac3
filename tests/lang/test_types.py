"""Units as a comp plan means them: the rules of compplan/lang/types.py, as tables.

Each rule is checked twice: on the functions of types.py, and through a real plan, so
a rule that holds in types.py but is lost on the way through the checker still fails.
"""
from __future__ import annotations

import textwrap

import pytest

from compplan.lang import check_source
from compplan.lang.types import (T_BOOLEAN, T_CONST, T_CONST_INT, T_DATE, T_INTEGER,
                                 T_MISSING, T_MONEY, T_NUMBER, T_RATIO, T_TEXT, Type,
                                 UnitError, arithmetic, comparable, parse_column_type, unify)

ERROR = UnitError

# (left, op, right, result type or ERROR)
ARITHMETIC = [
    # money and ratios: what commissions are made of
    (T_MONEY, "+", T_MONEY, T_MONEY),
    (T_MONEY, "-", T_MONEY, T_MONEY),
    (T_MONEY, "*", T_RATIO, T_MONEY),    # amount * 8%: a commission
    (T_RATIO, "*", T_MONEY, T_MONEY),
    (T_MONEY, "/", T_MONEY, T_RATIO),    # booked / quota: attainment
    (T_MONEY, "/", T_RATIO, T_MONEY),
    (T_MONEY, "/", T_NUMBER, T_MONEY),   # amount / headcount
    (T_RATIO, "*", T_RATIO, T_RATIO),
    (T_RATIO, "+", T_RATIO, T_RATIO),
    (T_NUMBER, "/", T_NUMBER, T_RATIO),  # csat / target csat
    (T_INTEGER, "*", T_INTEGER, T_INTEGER),
    (T_MONEY, "+", T_RATIO, ERROR),      # amount + 8%: a mistake
    (T_RATIO, "-", T_MONEY, ERROR),
    (T_MONEY, "+", T_NUMBER, ERROR),
    (T_MONEY, "*", T_MONEY, ERROR),
    (T_RATIO, "/", T_MONEY, ERROR),
    (T_NUMBER, "/", T_MONEY, ERROR),
    # dates and text
    (T_DATE, "*", T_CONST_INT, ERROR),   # date * 2
    (T_CONST_INT, "*", T_DATE, ERROR),
    (T_DATE, "/", T_INTEGER, ERROR),
    (T_DATE, "+", T_CONST_INT, T_DATE),  # close_date + 30
    (T_DATE, "+", T_INTEGER, T_DATE),
    (T_DATE, "+", T_CONST, ERROR),       # close_date + 1.5: whole days only
    (T_DATE, "-", T_CONST, ERROR),
    (T_CONST, "+", T_DATE, ERROR),
    (T_DATE, "+", T_NUMBER, ERROR),
    (T_INTEGER, "+", T_DATE, T_DATE),
    (T_DATE, "-", T_DATE, T_INTEGER),    # days between
    (T_DATE, "+", T_DATE, ERROR),
    (T_DATE, "+", T_MONEY, ERROR),
    (T_TEXT, "+", T_TEXT, ERROR),
    (T_TEXT, "*", T_CONST_INT, ERROR),
    (T_BOOLEAN, "+", T_CONST_INT, ERROR),
    # untyped literal constants adopt the other side's type
    (T_MONEY, "+", T_CONST_INT, T_MONEY),    # amount + 250
    (T_CONST_INT, "+", T_MONEY, T_MONEY),
    (T_MONEY, "*", T_CONST, T_MONEY),        # amount * 1.5
    (T_MONEY, "/", T_CONST_INT, T_MONEY),    # amount / 4
    (T_RATIO, "+", T_CONST, T_RATIO),
    (T_NUMBER, "/", T_CONST_INT, T_NUMBER),  # kpis.csat / 90 stays a number
    (T_INTEGER, "/", T_CONST_INT, T_NUMBER),
    (T_CONST_INT, "*", T_RATIO, T_NUMBER),   # 1000 * attainment: a plain number
    (T_RATIO, "*", T_CONST, T_NUMBER),       # attainment * 1.5
    (T_RATIO, "/", T_CONST_INT, T_NUMBER),   # attainment / 2
    (T_RATIO, "*", T_RATIO, T_RATIO),        # attainment * 150% stays a ratio
    (T_CONST_INT, "+", T_CONST_INT, T_CONST_INT),  # 1 + 2 is still untyped
    (T_CONST_INT, "*", T_CONST, T_CONST),
    # a missing value takes the other side's type
    (T_MISSING, "+", T_MONEY, T_MONEY),
    (T_MONEY, "*", T_MISSING, T_MONEY),
]


@pytest.mark.parametrize("left,op,right,expected", ARITHMETIC,
                         ids=[f"{a}{'~' if a.const else ''} {op} {b}{'~' if b.const else ''}"
                              for a, op, b, _ in ARITHMETIC])
def test_arithmetic_units(left, op, right, expected):
    if expected is ERROR:
        with pytest.raises(UnitError):
            arithmetic(op, left, right)
    else:
        got = arithmetic(op, left, right)
        assert (got.kind, got.const) == (expected.kind, expected.const)


# (left, op, right, ok?)
COMPARISONS = [
    (T_MONEY, ">=", T_MONEY, True),
    (T_MONEY, ">", T_CONST_INT, True),   # amount > 10_000
    (T_RATIO, ">=", T_RATIO, True),      # attainment >= 100%
    (T_NUMBER, ">=", T_CONST_INT, True),  # kpis.csat >= 85
    (T_DATE, "<", T_DATE, True),
    (T_TEXT, "==", T_TEXT, True),
    (T_TEXT, "!=", T_TEXT, True),
    (T_BOOLEAN, "==", T_BOOLEAN, True),
    (T_MISSING, "==", T_MONEY, True),
    (T_TEXT, ">", T_CONST_INT, False),   # text > 3
    (T_TEXT, "<", T_TEXT, False),        # text has no order
    (T_BOOLEAN, "<", T_BOOLEAN, False),
    (T_MONEY, ">", T_RATIO, False),      # amount > 50%
    (T_DATE, ">", T_TEXT, False),        # close_date > "2026-01-01": write the date bare
    (T_DATE, "==", T_CONST_INT, False),
]


@pytest.mark.parametrize("left,op,right,ok", COMPARISONS,
                         ids=[f"{a} {op} {b}" for a, op, b, _ in COMPARISONS])
def test_comparison_units(left, op, right, ok):
    if ok:
        comparable(op, left, right)
    else:
        with pytest.raises(UnitError):
            comparable(op, left, right)


# values that must agree: the branches of 'if ... else', min(), max()
# (a, b, common type or ERROR)
AGREEMENT = [
    (T_MONEY, T_MONEY, T_MONEY),
    (T_MONEY, T_CONST_INT, T_MONEY),     # amount if x else 0
    (T_CONST_INT, T_MONEY, T_MONEY),
    (T_RATIO, T_RATIO, T_RATIO),
    (T_RATIO, T_NUMBER, ERROR),          # kpis.csat + 5%: a number and a ratio
    (T_RATIO, T_INTEGER, ERROR),
    (T_RATIO, T_CONST, T_RATIO),         # attainment + 0.1: the constant adopts
    (T_NUMBER, T_CONST_INT, T_NUMBER),   # kpis.csat >= 85
    (T_INTEGER, T_NUMBER, T_NUMBER),     # integers and numbers still mix
    (T_MISSING, T_RATIO, T_RATIO),
    (T_TEXT, T_TEXT, T_TEXT),
    (T_MONEY, T_RATIO, ERROR),           # amount if x else 5%
    (T_MONEY, T_NUMBER, ERROR),
    (T_MONEY, T_TEXT, ERROR),
    (T_DATE, T_MONEY, ERROR),
    (T_BOOLEAN, T_CONST_INT, ERROR),
]


@pytest.mark.parametrize("a,b,expected", AGREEMENT, ids=[f"{a} | {b}" for a, b, _ in AGREEMENT])
def test_values_that_must_agree(a, b, expected):
    if expected is ERROR:
        with pytest.raises(UnitError):
            unify(a, b, "branches")
    else:
        assert unify(a, b, "branches").kind == expected.kind
        assert unify(b, a, "branches").kind == expected.kind


def test_money_and_ratio_mismatch_explains_how_to_take_a_percentage():
    with pytest.raises(UnitError) as e:
        arithmetic("+", T_MONEY, T_RATIO)
    assert "money and a ratio do not mix" in str(e.value)
    assert e.value.hint == "to take a percentage of an amount, multiply: amount * 8%"


@pytest.mark.parametrize("word,kind", [("money", "money"), ("percent", "ratio"),
                                       ("Ratio", "ratio"), ("int", "integer"),
                                       ("bool", "boolean"), (" text ", "text")])
def test_column_type_words(word, kind):
    assert parse_column_type(word) == Type(kind)


def test_unknown_column_type_word_is_none():
    assert parse_column_type("dollars") is None


# ---------------------------------------------------------------- through a plan

PLAN = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD
    inputs:
      payees: {key: rep_id, columns: {region: text, start: date}}
      deals: {key: deal_id, payee: rep_id, date: close_date,
              columns: {amount: money, product: text, units: integer}}
      quotas: {payee: rep_id, columns: {amount: money}}
      kpis: {payee: rep_id, columns: {csat: number}}
    params:
      spiff: 250
    measures:
      m: EXPR
    earnings:
      e: {value: 0}
    """)


def _typed(expr: str):
    """The type the checker gives `expr` as a measure, or the messages it reports."""
    checked = check_source(PLAN.replace("EXPR", expr), "p")
    if not checked.ok:
        return [p.message for p in checked.problems.errors]
    t = checked.type_of(checked.expr("measures", "m"))
    return t.kind


@pytest.mark.parametrize("expr,kind", [
    ("sum(deals.amount) + sum(deals.amount)", "money"),
    ("sum(deals.amount) * 8%", "money"),
    ("sum(deals.amount) / quotas.amount", "ratio"),
    ("sum(deals.amount) + 250", "money"),
    ("sum(deals.amount) + spiff", "money"),        # a param that is a bare number
    ("kpis.csat / 90", "number"),
    ("min(kpis.csat / 90, 1.2)", "number"),
    ("count(deals) * 2", "integer"),
    ("sum(deals.units) / 4", "number"),
    ("sum(deals.amount) if kpis.csat >= 85 else 0", "money"),
    ("max(deals.close_date) + 30", "date"),
    ("max(deals.close_date) - payee.start", "integer"),
    ('payee.region == "EMEA"', "boolean"),
    ("2026-03-31 > payee.start", "boolean"),
])
def test_plan_expression_type(expr, kind):
    assert _typed(expr) == kind


@pytest.mark.parametrize("expr,message", [
    ("sum(deals.amount) + 8%", "'+': money and a ratio do not mix"),
    ("max(deals.close_date) * 2", "cannot multiply a date"),
    ('payee.region > 3', "cannot compare a text with an integer"),
    ("sum(deals.amount) * quotas.amount", "cannot multiply money by money"),
    ("sum(deals.amount) if kpis.csat >= 85 else 5%",
     "the two branches of 'if ... else' must agree: money and ratio"),
    ('sum(deals.amount) if payee.region else 0',
     "the condition after 'if' must be true or false, not a text"),
    ("min(sum(deals.amount), 10%)", "the values given to min(): money and a ratio do not mix"),
    ('payee.region < "M"', "text values can only be compared with ==, != or in [...]"),
    ("-payee.region", "cannot negate a text"),
])
def test_plan_expression_unit_mismatch(expr, message):
    assert _typed(expr) == [message]


def test_unit_mismatch_is_reported_once_not_again_by_every_enclosing_operator():
    assert _typed("(sum(deals.amount) + 8%) * 2 + 1") == ["'+': money and a ratio do not mix"]


# ---------------------------------------------------------------- regressions

@pytest.mark.parametrize("expr", [
    'payee.region in ["west", "east"]',
    'payee.region not in ["west"]',
    "payee.start in [2026-01-01, 2026-04-01]",
    "(kpis.csat > 80) in [true]",
])
def test_in_list_works_for_text_dates_and_booleans(expr):
    """Regression: `product in ["hw", "sw"]` said text compares only with == or !=."""
    assert _typed(expr) == "boolean"


def test_in_list_still_rejects_a_text_among_numbers():
    assert _typed('kpis.csat in ["high"]') == ["cannot compare a number with a text"]


def _earning(value: str):
    text = PLAN.replace("e: {value: 0}", f"e: {{value: '{value}'}}").replace("EXPR", "0")
    text = text.replace("measures:\n  m: 0", "measures:\n  m: 0\n"
                        "  attainment: sum(deals.amount) / quotas.amount")
    return [p.message for p in check_source(text, "p").problems.errors]


@pytest.mark.parametrize("value", ["1000 * attainment", "attainment * 300",
                                   "1000 * min(attainment, 120%)"])
def test_plain_number_times_ratio_is_a_number_an_earning_may_pay(value):
    """Regression: `1000 * attainment` typed as a ratio, so it could not be an earning."""
    assert _earning(value) == []
    assert _typed("2 * (sum(deals.amount) / quotas.amount)") == "number"


def test_percentage_times_ratio_is_still_a_ratio_and_no_earning():
    (msg,) = _earning("150% * attainment")
    assert msg == "an earning's value must be money, not a ratio"


def test_money_and_number_hint_names_a_real_fix():
    """Regression: the hint said to use 'a param of type money', which does not exist."""
    with pytest.raises(UnitError) as e:
        arithmetic("+", T_MONEY, T_NUMBER)
    assert "param" not in e.value.hint
    assert "amount * 8%" in e.value.hint and "plain number" in e.value.hint


@pytest.mark.parametrize("expr,ok", [
    ("kpis.csat + 5%", False),
    ("kpis.csat >= 85%", False),
    ("max(kpis.csat, sum(deals.amount) / quotas.amount)", False),
    ("sum(deals.amount) / quotas.amount + 0.1", True),
    ("kpis.csat >= 85", True),
    ("kpis.csat + count(deals)", True),
    ("kpis.csat / kpis.csat", True),
])
def test_a_ratio_and_a_number_column_do_not_mix(expr, ok):
    """Regression: `kpis.csat + 5%` was silently a number."""
    got = _typed(expr)
    if ok:
        assert isinstance(got, str)
    else:
        assert len(got) == 1 and "a number and a ratio do not mix" in got[0]


@pytest.mark.parametrize("expr", ["max(deals.close_date) + 1.5", "period.end + 1.5",
                                  "period.end - 0.5", "period.end + kpis.csat"])
def test_a_date_takes_whole_days_only(expr):
    """Regression: `close_date + 1.5` was accepted."""
    (msg,) = _typed(expr)
    assert msg.startswith("cannot ") and "date" in msg


def test_dates_still_take_whole_days():
    assert _typed("period.end + 30") == "date"
    assert _typed("period.end - count(deals)") == "date"
