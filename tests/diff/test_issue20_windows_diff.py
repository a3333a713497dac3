"""Plan diff by meaning for windows in time (issue 20 item 5): a window's length
written differently is no change; a different length or window is."""
from __future__ import annotations

import pytest

from compplan.diff.normal import normal
from compplan.diff.plans import diff_plans
from compplan.errors import Pos
from compplan.lang import check_source
from compplan.lang.parse import parse_expression

PLAN = """\
plan: partner
name: Partner tiers
period: month
currency: USD
inputs:
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  t12: trailing(sum(sales), 12 months)
earnings:
  commission: {value: t12 * 1%}
"""


def expr(text):
    return parse_expression(text, lambda offset: Pos("x", 1, offset + 1))


@pytest.mark.parametrize("a, b", [
    ("trailing(sum(s), 12 months)", "trailing(sum(s), 1 year)"),
    ("trailing(sum(s), 12 months)", "trailing(sum(s), 4 quarters)"),
    ("trailing(sum(s), 2 weeks)", "trailing(sum(s), 14 days)"),
    ("trailing(sum(s), 1 month)", "trailing(sum(s), 1 months)"),
])
def test_issue20_a_length_written_differently_is_the_same(a, b):
    assert normal(expr(a)) == normal(expr(b))


@pytest.mark.parametrize("a, b", [
    ("trailing(sum(s), 1 month)", "trailing(sum(s), 30 days)"),  # a month is no count of days
    ("trailing(sum(s), 3 periods)", "trailing(sum(s), 3 months)"),
    ("ytd(sum(s))", "qtd(sum(s))"),
    ("last_year(sum(s))", "sum(s)"),
])
def test_issue20_a_different_window_is_a_change(a, b):
    assert normal(expr(a)) != normal(expr(b))


def _changes(new: str) -> list[tuple]:
    d = diff_plans(check_source(PLAN, "old.yaml"), check_source(new, "new.yaml"))
    assert d.ok, d.problems
    return [(c.section, c.label, c.kind, c.old, c.new) for c in d.changes]


def test_issue20_the_diff_names_a_changed_window():
    assert _changes(PLAN.replace("12 months)", "1 year)")) == []
    [(section, label, kind, old, new)] = _changes(PLAN.replace("12 months)", "6 months)"))
    assert (section, label, kind) == ("measures", "t12", "changed")
    assert (old, new) == ("trailing(sum(sales), 12 months)", "trailing(sum(sales), 6 months)")
