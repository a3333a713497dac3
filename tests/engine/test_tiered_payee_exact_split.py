"""Regression: tiered(t, amount) on an attainment basis splits the amount exactly.

A payee-level marginal split on `attainment = booked / quota` used to divide by the
attainment ratio, which is rounded (45,654.16 / 39,183.82 = 1.16512...), so an amount
whose exact value ends in half a cent could come out a hair below it and round down:
39,183.82 x 1% + 6,470.34 x 2% = 391.8382 + 129.4068 = 521.2450 paid 521.24, while
the same tiers per credit paid 521.25. The split now happens in amount space, where
100% of the quota is exactly the quota.
"""
from __future__ import annotations

from decimal import Decimal

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: exact-split
name: Exact split
period: quarter
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  deals: {key: deal_id, payee: id, date: d, columns: {amount: money}}
  quotas: {payee: id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  attainment: booked / quotas.amount
rates:
  t:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers: [{to: 100%, rate: 1%}, {rate: 2%}]
earnings:
  payee_level:
    value: tiered(t, booked)
  per_credit:
    each: sales
    value: tiered(t)
scenarios:
  - name: half a cent rounds up on both paths
    period: 2026-Q1
    data:
      payees: [{id: a, name: A}]
      deals: [{deal_id: x, id: a, d: 2026-02-01, amount: 45654.16}]
      quotas: [{id: a, period: 2026-Q1, amount: 39183.82}]
    expect:
      a: {payee_level: 521.25, per_credit: 521.25}
"""


def test_payee_level_marginal_split_on_attainment_is_exact(tmp_path):
    path = tmp_path / "exact_split.yaml"
    path.write_text(PLAN, encoding="utf-8")
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.message for p in outcome.problems]
    [line] = [ln for ln in outcome.result.payee("a").lines if ln.component == "payee_level"]
    assert line.exact == Decimal("521.2450")
    assert [(t.tier, t.amount) for t in line.tiers] == [(1, Decimal("39183.82")),
                                                       (2, Decimal("6470.34"))]
