"""Issue 16, checker items: mistakes that used to check clean, each found at its place."""
from __future__ import annotations

import textwrap

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
