"""Issue 16: prorate(x, months) besides days. A rep starting on 1 March in a quarter
with a 20,000 target is active 1 of its 3 months (6,666.67), or 31 of its 90 days
(6,888.89)."""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios
from compplan.lang import check_source

PLAN = """
plan: prorate
name: Prorated by days and by months
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, start: hired, columns: {name: text, target: money, hired: date}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
measures:
  quota_by_months: prorate(quotas.amount, months)
  quota_by_days: prorate(quotas.amount, days)
earnings:
  by_months: {value: "prorate(payee.target, months)"}
  by_days: {value: prorate(payee.target)}
scenarios:
  - name: joiners on the first of a month and mid-month
    period: 2026-Q1
    data:
      payees:
        - {rep_id: mar, name: March 1, target: 20000, hired: 2026-03-01}
        - {rep_id: feb, name: Feb 15, target: 20000, hired: 2026-02-15}
        - {rep_id: old, name: Before, target: 20000, hired: 2025-06-01}
      quotas:
        - {rep_id: mar, period: 2026-Q1, amount: 90000}
        - {rep_id: feb, period: 2026-Q1, amount: 90000}
        - {rep_id: old, period: 2026-Q1, amount: 90000}
    expect:
      # mar: by months 20,000 x 1 / 3 = 6,666.666... -> 6,666.67;
      #      by days 20,000 x 31 / 90 = 6,888.888... -> 6,888.89;
      #      the quota 90,000 x 1 / 3 = 30,000 by months, x 31 / 90 = 31,000 by days
      mar: {by_months: 6666.67, by_days: 6888.89, quota_by_months: 30000,
            quota_by_days: 31000}
      # feb: February counts by its days: 14 of 28 = 1/2 month, and March: 1.5 of 3
      #      months = 1/2: 20,000 x 1/2 = 10,000; by days 45 of 90: also 10,000
      #      (the quota: 45,000 either way)
      feb: {by_months: 10000.00, by_days: 10000.00, quota_by_months: 45000}
      # old: active all quarter: nothing is scaled
      old: {by_months: 20000.00, by_days: 20000.00, quota_by_months: 90000}
"""


def test_issue16_prorate_by_months_and_by_days(tmp_path):
    path = tmp_path / "prorate.yaml"
    path.write_text(PLAN)
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    mar = outcome.result.payee("mar")
    [months] = [ln for ln in mar.lines if ln.component == "by_months"]
    assert months.formula == "20,000.00 x 1/3 months = 6,666.67"
    assert months.amount == D("6666.67")


def test_issue16_prorate_counts_by_days_or_months_only(tmp_path):
    bad = PLAN.replace("prorate(quotas.amount, months)", "prorate(quotas.amount, weeks)")
    checked = check_source(bad, "plan.yaml")
    [err] = [p for p in checked.problems.errors]
    assert err.message == "prorate() counts the active part by days or by months"
    assert (err.line, err.hint) == (10, "e.g. prorate(quotas.amount, months); "
                                        "prorate(x) counts days")
    text = PLAN.replace("prorate(quotas.amount, months)", "prorate(payee.hired, months)")
    [err] = check_source(text, "plan.yaml").problems.errors
    assert err.message == "prorate() scales an amount or a number, not a date"
