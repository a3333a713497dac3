"""Issue 16 items 6 and 8: a target scaled to the run's period keeps its exact bound.

A yearly target split into quarters by days was multiplied by a share rounded first
(90 / 365 = 0.2465...), so 365,000 a year gave a Q1 quota of 90,000.000...01 and 90,000
booked paid the tier below 100% while the statement showed 100%. Every path that scales
a target (days, months of a quarter, weights, the year to date) now multiplies before it
divides. And ytd() of a yearly target with `weights:` adds up the weights of the
periods so far (item 6), where it split by days.
"""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

# Whole-amount tiers on attainment: below 100% pays 5% of bookings, from 100% 10%.
PLAN = """
plan: exact
name: Exact bounds
period: {period}
currency: USD
inputs:
  payees: {{key: rep_id, columns: {{name: text}}}}
  deals: {{key: deal_id, payee: rep_id, date: close_date, columns: {{amount: money}}}}
  quotas: {{payee: rep_id, period: span, {weights}columns: {{amount: money}}}}
credits:
  sales: {{from: deals, value: amount}}
measures:
  booked: {booked}
  quota: {quota}
  attainment: booked / quota
rates:
  quota_tiers:
    basis: attainment
    mode: whole
    at_boundary: upper
    tiers:
      - {{to: 100%, rate: 5%}}
      - {{rate: 10%}}
earnings:
  commission: {{value: booked * rate(quota_tiers)}}
scenarios:
  - name: on the bound
    period: {run}
    data:
      payees: [{{rep_id: ann, name: Ann}}]
      deals: {deals}
      quotas: [{{rep_id: ann, span: "{span}", amount: {target}}}]
    expect:
      ann: {{quota: {expected_quota}, attainment: 100%, commission: {pay}}}
"""


def _run(tmp_path, **kw):
    kw.setdefault("weights", "")
    kw.setdefault("booked", "sum(sales)")
    kw.setdefault("quota", "quotas.amount")
    path = tmp_path / "exact.yaml"
    path.write_text(PLAN.format(**kw))
    from compplan.engine.sql import run_sql
    for run in (None, run_sql):  # both engines (issue 12: the SQL engine reads ytd())
        [outcome] = run_scenarios(load_plan(path), run=run)
        assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    return outcome.result.payee("ann")


def _deal(date, amount):
    return f"[{{deal_id: D1, rep_id: ann, close_date: {date}, amount: {amount}}}]"


def test_issue16_item8_a_year_split_into_quarters_by_days_keeps_the_bound(tmp_path):
    # 365,000 x 90 / 365 = 90,000 exactly (Q1 has 90 days); 90,000 booked is 100%,
    # which pays 10%: 90,000 x 10% = 9,000.00 (the old code paid 5%: 4,500.00)
    pr = _run(tmp_path, period="quarter", run="2026-Q1", span="2026", target=365000,
              deals=_deal("2026-02-10", 90000), expected_quota=90000, pay="9000.00")
    assert pr.total == D("9000.00")


def test_issue16_item8_a_quarter_split_into_months_by_days_keeps_the_bound(tmp_path):
    # 182,000 x 30 / 91 = 60,000 for April (30 of Q2's 91 days); 60,000 booked is
    # 100%: 60,000 x 10% = 6,000.00 (the old share 30/91 = 0.3296...7 gave a quota of
    # 60,000.00...01 and paid 5%: 3,000.00)
    pr = _run(tmp_path, period="month", run="2026-04", span="2026-Q2", target=182000,
              deals=_deal("2026-04-20", 60000), expected_quota=60000, pay="6000.00")
    assert pr.total == D("6000.00")


def test_issue16_item8_a_year_split_by_weights_keeps_the_bound(tmp_path):
    # weights 30/20/20/30%: Q2 is 20% of 450,000 = 90,000; 90,000 x 10% = 9,000.00
    pr = _run(tmp_path, period="quarter", run="2026-Q2", span="2026", target=450000,
              weights='weights: {"1": 30%, "2": 20%, "3": 20%, "4": 30%}, ',
              deals=_deal("2026-05-10", 90000), expected_quota=90000, pay="9000.00")
    assert pr.total == D("9000.00")


def test_issue16_item8_the_year_to_date_by_days_keeps_the_bound(tmp_path):
    # a monthly plan, the year to the end of March: 90 days of 365:
    # 365,000 x 90 / 365 = 90,000 exactly (the old share 90/365 gave 90,000.00...01);
    # 90,000 booked is 100%: 90,000 x 10% = 9,000.00 (the old code paid 4,500.00)
    pr = _run(tmp_path, period="month", run="2026-03", span="2026", target=365000,
              booked="ytd(sum(sales))", quota="ytd(quotas.amount)",
              deals=_deal("2026-02-10", 90000), expected_quota=90000, pay="9000.00")
    assert pr.total == D("9000.00")


def test_issue16_item6_ytd_of_a_weighted_yearly_target_adds_up_the_weights(tmp_path):
    # weights 10/20/30/40%: to the end of Q3, 10% + 20% + 30% = 60% of 100,000 = 60,000
    # (by days it was 273 / 365 = 74,794.52); 60,000 booked is 100%: 6,000.00
    pr = _run(tmp_path, period="quarter", run="2026-Q3", span="2026", target=100000,
              weights='weights: {"1": 10%, "2": 20%, "3": 30%, "4": 40%}, ',
              booked="ytd(sum(sales))", quota="ytd(quotas.amount)",
              deals=_deal("2026-08-10", 60000), expected_quota=60000, pay="6000.00")
    assert pr.total == D("6000.00")


def test_issue16_item6_ytd_of_a_weighted_quarter_in_a_monthly_plan(tmp_path):
    # a Q3 target of 90,000 with monthly weights 20/30/50%; to the end of August the
    # year to date holds July and August of it: 50% = 45,000 (Q3's weights, not its
    # days: 62 / 92 would be 60,652.17); 45,000 booked is 100%: 4,500.00
    pr = _run(tmp_path, period="month", run="2026-08", span="2026-Q3", target=90000,
              weights='weights: {"1": 20%, "2": 30%, "3": 50%}, ',
              booked="ytd(sum(sales))", quota="ytd(quotas.amount)",
              deals=_deal("2026-08-10", 45000), expected_quota=45000, pay="4500.00")
    assert pr.total == D("4500.00")
