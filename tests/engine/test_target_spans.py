"""Targets set for another span than the plan's period (issue 4, measures and targets)."""

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


WEEKLY = """
plan: weekly
name: Weekly targets in a monthly plan
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  targets: {payee: rep_id, period: span, columns: {revenue: money}}
measures:
  revenue_target: targets.revenue
earnings:
  nothing: {value: 0}
scenarios:
  - name: weeks across the month's edges
    period: 2026-02
    data:
      payees: [{rep_id: ann, name: Ann}]
      targets:
        - {rep_id: ann, span: 2026-W05, revenue: 700}  # Jan 26 - Feb 1: 1 day in February
        - {rep_id: ann, span: 2026-W06, revenue: 700}  # Feb 2 - Feb 8: all 7
        - {rep_id: ann, span: 2026-W09, revenue: 700}  # Feb 23 - Mar 1: 6 days
        - {rep_id: ann, span: 2026-W10, revenue: 700}  # March: none
    expect:
      # 700 x 1/7 + 700 + 700 x 6/7 = 100 + 700 + 600 = 1,400
      ann: {revenue_target: 1400}
"""


def test_weekly_targets_across_a_months_edges_count_by_their_days(tmp_path):
    path = tmp_path / "weekly.yaml"
    path.write_text(WEEKLY)
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
