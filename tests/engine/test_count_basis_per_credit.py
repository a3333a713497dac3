"""Regression: per-credit marginal tiers on a count basis split by the running count.

`each: S` with `tiered(t)` where t's basis is `count(S)` (pay per meeting: 1-2 at 50,
from the 3rd at 75) used to pay every credit at the rate of the tier the final count
reached, as if the table were `mode: whole`: three meetings paid 75 + 75 + 75 instead
of 50 + 50 + 75. Only `sum(S)` bases were followed credit by credit; count(S) is now
followed the same way, each credit moving the basis by one.
"""
from __future__ import annotations

from decimal import Decimal

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: count-basis
name: Count basis
period: month
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  deals: {key: deal_id, payee: id, date: d, columns: {amount: money, ok: boolean}}
credits:
  meetings: {from: deals, when: ok, value: 1}
  sales: {from: deals, value: amount}
measures:
  held: count(meetings)
  deal_count: count(sales)
rates:
  per_meeting: {basis: held, mode: marginal, at_boundary: upper,
                tiers: [{to: 2, rate: 50}, {rate: 75}]}
  per_deal_pct: {basis: deal_count, mode: marginal, at_boundary: upper,
                 tiers: [{to: 2, rate: 5%}, {rate: 10%}]}
  per_deal_amount: {basis: deal_count, mode: marginal, at_boundary: upper,
                    tiers: [{to: 2, rate: 100}, {rate: 150}]}
earnings:
  meeting_pay: {each: meetings, value: tiered(per_meeting)}
  deal_commission: {each: sales, value: tiered(per_deal_pct)}
  deal_bounty: {each: sales, value: tiered(per_deal_amount)}
scenarios:
  - name: three deals
    period: 2026-03
    data:
      payees: [{id: a, name: A}]
      deals:
        - {deal_id: D3, id: a, d: 2026-03-03, amount: 30000, ok: true}
        - {deal_id: D1, id: a, d: 2026-03-01, amount: 10000, ok: true}
        - {deal_id: D2, id: a, d: 2026-03-02, amount: 20000, ok: true}
    expect:
      # 50 + 50 + 75 (not 3 x 75 = 225)
      # 10,000 x 5% + 20,000 x 5% + 30,000 x 10% = 500 + 1,000 + 3,000 (not 6,000)
      # 100 + 100 + 150 (one unit per deal, not the deal's amount x 100)
      a: {meeting_pay: 175.00, deal_commission: 4500.00, deal_bounty: 350.00}
"""


def test_per_credit_marginal_tiers_on_a_count_basis_follow_the_running_count(tmp_path):
    path = tmp_path / "count_basis.yaml"
    path.write_text(PLAN, encoding="utf-8")
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.message for p in outcome.problems]
    pr = outcome.result.payee("a")
    by = {}
    for ln in pr.lines:
        by.setdefault(ln.component, []).append((ln.sources, ln.amount))
    assert by["meeting_pay"] == [(["deals:D1"], Decimal("50.00")),
                                 (["deals:D2"], Decimal("50.00")),
                                 (["deals:D3"], Decimal("75.00"))]
    assert [a for _, a in by["deal_commission"]] == [Decimal("500.00"), Decimal("1000.00"),
                                                     Decimal("3000.00")]
    assert [a for _, a in by["deal_bounty"]] == [Decimal("100.00"), Decimal("100.00"),
                                                 Decimal("150.00")]
