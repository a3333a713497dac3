"""Issue 16, checker items: mistakes that used to check clean, each found at its place."""
from __future__ import annotations

import textwrap

import pytest

from compplan.lang import check_source

BASE = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: quarter
    currency: USD
    inputs:
      deals: {key: deal_id, payee: rep_id, date: d, columns: {amount: money, type: text, paid: boolean}}
      quotas: {payee: rep_id, period: period, columns: {amount: money}}
    credits:
      bookings: {from: deals, value: amount}
    measures:
      booked: sum(bookings)
      attainment: booked / quotas.amount
    """)


def problems(extra: str):
    checked = check_source(BASE + textwrap.dedent(extra), "plan.yaml")
    return [(p.severity, p.line, p.col, p.code, p.message) for p in checked.problems.sorted()]


# ---------------------------------------------------------------- item 2
def test_issue16_item2_a_share_without_percent_above_one_is_an_error():
    found = problems("""\
        earnings:
          commission:
            each: bookings
            value: value * 8%
            hold: {share: 30, until: paid}
        """)
    assert found == [("error", 17, 19, "bare-number", "a hold takes a share of each line, "
                      "and 30 (a number without %) is 3,000% of it")]


def test_issue16_item2_numbers_up_to_one_and_percentages_are_quiet():
    assert problems("""\
          ahead: attainment > 1
          excess: max(attainment - 1, 0)
        earnings:
          commission:
            each: bookings
            value: value * 0.5 if attainment >= 100% else value * 4%
        """) == []


def test_issue16_item2_a_multiple_between_one_and_ten_compared_is_a_warning():
    [(severity, line, col, code, message)] = problems("""\
        earnings:
          kicker:
            when: attainment >= 1.2
            value: 500
        """)
    assert (severity, line, col, code) == ("warning", 15, 25, "bare-number")
    assert "it means 120%" in message


def test_issue16_item2_lookup_values_without_percent_that_multiply_an_amount_warn():
    found = problems("""\
        rates:
          pr:
            keys: [type]
            rows:
              - [new, 10]
              - [renewal, 4]
        earnings:
          commission:
            each: bookings
            value: value * lookup(pr, type)
        """)
    assert [(s, line, col, code) for s, line, col, code, _ in found] == [
        ("warning", 22, 20, "bare-number")]
    assert "multiplies an amount by 10 (1,000%)" in found[0][4]


def test_issue16_item2_tiered_with_an_amount_and_rates_without_percent_is_an_error():
    """The amount would be ignored: rates without % are amounts per unit of the basis."""
    found = problems("""\
        rates:
          t:
            basis: attainment
            mode: marginal
            at_boundary: upper
            tiers: [{to: 100%, rate: 5}, {rate: 8}]
        earnings:
          commission:
            value: tiered(t, booked)
        """)
    assert [(s, line, col, code) for s, line, col, code, _ in found] == [
        ("error", 21, 22, "bare-number")]


# ---------------------------------------------------------------- cascades
CASCADE_PLAN = BASE + textwrap.dedent("""\
    earnings:
      commission:
        each: bookings
        value: value * 8%
    scenarios:
      - name: q1
        period: 2026-Q1
        data:
          deals: [{deal_id: D1, rep_id: a, d: 2026-01-10, amount: 100, type: new, paid: true}]
          quotas: [{rep_id: a, period: 2026-Q1, amount: 1000}]
        expect:
          a: {commission: 8.00, attainment: 10%}
      - name: q2
        period: 2026-Q2
        expect:
          a: {commission: 0}
    """)


@pytest.mark.parametrize("old, new", [
    ("period: quarter", "period: quaterly"),  # one false error per scenario before
    ("columns: {amount: money}}", "columns: {amount: moneyy}}"),  # 'unknown input quotas'
    ("bookings: {from: deals, value: amount}",
     "bookings: {from: deals, value: amount, colour: red}"),  # 'unknown name value'
    ("    each: bookings\n", "    each: bookings\n    colour: red\n"),  # 'not an earning'
    ("attainment: booked / quotas.amount", "attainment: [booked]"),  # 'not a measure'
])
def test_issue16_one_key_that_failed_is_one_error(old, new):
    assert CASCADE_PLAN.count(old) == 1
    checked = check_source(CASCADE_PLAN.replace(old, new), "plan.yaml")
    assert check_source(CASCADE_PLAN, "plan.yaml").problems.sorted() == []
    assert len(checked.problems.sorted()) == 1, [p.message for p in checked.problems.sorted()]
