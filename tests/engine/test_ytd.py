"""Year-to-date measures (issue 4, measures): ytd() over credits and targets, on every
engine installed here (issue 13, one truth: the `engine` fixture, tests/engines.py)."""
from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios
from engines import run_tables

PLAN = """
plan: ytd
name: Year to date
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  booked_ytd: ytd(sum(sales))
  deals_ytd: ytd(count(sales))
  quota_ytd: ytd(quotas.amount)
  attainment_ytd: booked_ytd / quota_ytd
earnings:
  commission: {value: booked * 10%}
scenarios:
  - name: the second quarter, with the first quarter's deals and quota behind it
    period: 2026-Q2
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2025-12-30, amount: 99000}  # last year
        - {deal_id: D2, rep_id: ann, close_date: 2026-02-10, amount: 30000}  # Q1
        - {deal_id: D3, rep_id: ann, close_date: 2026-05-10, amount: 50000}  # Q2
        - {deal_id: D4, rep_id: ann, close_date: 2026-07-01, amount: 70000}  # Q3: later
      quotas:
        - {rep_id: ann, period: 2026-Q1, amount: 40000}
        - {rep_id: ann, period: 2026-Q2, amount: 60000}
        - {rep_id: ann, period: 2026-Q3, amount: 60000}
    expect:
      # the quarter: 50,000; the year to date: 30,000 + 50,000 = 80,000 on two deals
      # quota to date: 40,000 + 60,000 = 100,000; attainment 80,000 / 100,000 = 80%
      ann: {booked: 50000, booked_ytd: 80000, deals_ytd: 2, quota_ytd: 100000,
            attainment_ytd: 80%, commission: 5000.00}
"""


def test_year_to_date_measures(tmp_path, engine):
    path = tmp_path / "ytd.yaml"
    path.write_text(PLAN)
    # the SQL engines read ytd() too (issue 12, issue 13)
    run = None if engine == "python" else run_tables(engine)
    [outcome] = run_scenarios(load_plan(path), run=run)
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
