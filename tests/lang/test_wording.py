"""Regressions found in review: messages and hints in a comp admin's words.

Each test names what it fixes; each failed before its fix.
"""
from __future__ import annotations

import textwrap

import pytest

from compplan.lang import check_source

PLAN = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD
    inputs:
      payees: {key: rep_id, columns: {region: text}}
      deals: {key: deal_id, payee: rep_id, columns: {amount: money}}
    params:
      spiff: 500
    credits:
      bookings: {from: deals, value: amount}
    measures:
      booked: sum(bookings)
      m: EXPR
    earnings:
      commission:
        value: booked * 8%
    """)


def found(expr: str, plan: str = PLAN):
    return [(p.message, p.hint) for p in check_source(plan.replace("EXPR", expr),
                                                        "p").problems.sorted()]


@pytest.mark.parametrize("expr,message", [
    ("payee.region + booked", "cannot add money to a text"),
    ("payee.region == booked", "cannot compare a text with money"),
    ("booked - payee.region", "cannot subtract a text from money"),
])
def test_money_is_never_a_money(expr, message):
    """Regression: messages said 'a money'."""
    ((msg, hint),) = found(expr)
    assert msg == message
    assert "a money" not in msg


def test_text_and_money_errors_do_not_talk_about_dates():
    """Regression: the hint for text + money was about dates taking whole days."""
    for expr in ("payee.region + booked", "payee.region == booked"):
        ((msg, hint),) = found(expr)
        assert hint is None or "date" not in hint


def test_dividing_a_literal_by_money_reads_naturally():
    """Regression: `100 / booked` said 'cannot divide an integer by money'."""
    ((msg, hint),) = found("100 / booked")
    assert msg == "cannot divide a plain number by money"


@pytest.mark.parametrize("expr,message", [
    ("prorate(payee.region)", "prorate() scales an amount or a number, not a text"),
    ("abs(payee.region)", "abs() needs a number or an amount, not a text"),
    ("month(booked)", "month() needs a date, not money"),
])
def test_not_a_type_always_has_its_article(expr, message):
    """Regression: messages said 'not text', 'not ratio'."""
    assert found(expr) == [(message, None)]


def test_a_credit_value_that_is_a_ratio_says_not_a_ratio():
    plan = PLAN.replace("value: amount}", "value: amount / amount}")
    assert [m for m, _ in found("1", plan)] == [
        "a credit's value must be money or a number, not a ratio"]


def test_plan_id_hint_describes_plan_ids():
    """Regression: the hint described names (letters, digits and '_'), not plan ids."""
    ((msg, hint),) = found("1", PLAN.replace("plan: demo", "plan: ae plan 2026"))
    assert msg == "'ae plan 2026' is not a valid plan id"
    assert "'.', '-' and '_'" in hint


def test_a_bare_word_in_a_param_hints_to_quote_it_twice():
    ((msg, hint),) = found("1", PLAN.replace("spiff: 500", "spiff: 500\n  home: west"))
    assert msg == "unknown name 'west'"
    assert hint == """to write the text west, quote it twice: '"west"'"""


def test_a_misspelt_param_in_a_param_still_gets_did_you_mean():
    ((msg, hint),) = found("1", PLAN.replace("spiff: 500", "spiff: 500\n  big: spif * 2"))
    assert hint == "did you mean 'spiff'?"


def test_a_bare_word_as_a_lookup_value_hints_to_quote_it_twice():
    plan = PLAN.replace("earnings:", "rates:\n  level:\n    keys: [region]\n"
                        "    rows:\n      - [west, high]\nearnings:")
    ((msg, hint),) = found("1", plan)
    assert msg == "unknown name 'high': only literal values are allowed here"
    assert hint == """to write the text high, quote it twice: '"high"'"""


def test_a_value_that_starts_with_a_quoted_text_hints_to_quote_the_whole_value():
    """Regression: `t: "west" == payee.region` said the indentation was off."""
    plan = PLAN.replace("    value: booked * 8%", '    when: "west" == payee.region\n'
                        "    value: booked * 8%")
    ((msg, hint),) = found("1", plan)
    assert msg == "YAML syntax error: this value starts with a quoted text and goes on after it"
    assert hint.endswith("""when: '"west" == payee.region'""")
