"""Targets set for another span than the plan's period (issue 4, measures and targets)."""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: spans
name: Targets of every span
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  targets: {payee: rep_id, period: span, missing: null, columns: {visits: integer, revenue: money}}
  weighted: {payee: rep_id, period: span, missing: null, weights: {"1": 20%, "2": 30%, "3": 50%},
             columns: {revenue: money}}
measures:
  visit_target: targets.visits
  revenue_target: targets.revenue
  weighted_target: weighted.revenue
earnings:
  nothing: {value: 0}
scenarios:
  - name: every span
    period: 2026-02
    data:
      payees: [{rep_id: daily, name: D}, {rep_id: yearly, name: Y}, {rep_id: both, name: B}]
      targets:
        # daily targets inside February are added up: 10 + 12 + 8 = 30 visits
        - {rep_id: daily, span: 2026-02-02, visits: 10, revenue: 1000}
        - {rep_id: daily, span: 2026-02-03, visits: 12, revenue: 1500}
        - {rep_id: daily, span: 2026-02-04, visits: 8, revenue: 500}
        - {rep_id: daily, span: 2026-03-01, visits: 99, revenue: 9999}
        # a yearly target is split by days: 36,500 x 28 / 365 = 2,800
        - {rep_id: yearly, span: "2026", visits: 365, revenue: 36500}
        # a row for exactly the month wins over the year's share
        - {rep_id: both, span: "2026", visits: 365, revenue: 36500}
        - {rep_id: both, span: 2026-02, visits: 40, revenue: 4000}
      weighted:
        # a quarterly target split by the plan's weights: February is month 2, 30%
        - {rep_id: daily, span: 2026-Q1, revenue: 10000}
    expect:
      daily: {visit_target: 30, revenue_target: 3000, weighted_target: 3000}
      yearly: {visit_target: 28, revenue_target: 2800}
      both: {visit_target: 40, revenue_target: 4000}
"""


def test_targets_of_shorter_longer_and_exact_spans(tmp_path):
    path = tmp_path / "spans.yaml"
    path.write_text(PLAN)
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.message for p in outcome.problems]
    assert outcome.result.payee("yearly").measures["revenue_target"] == "2,800.00"
