"""Issue 16 item 13: `compplan test` compared an expected measure with its shown,
rounded value, so `attainment: 100%` passed at 99.99999%, which pays the tier below.
A measure now matches exactly, or to the decimals the expectation is written with."""
from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: precision
name: Expectations as precise as written
period: quarter
currency: USD
inputs:
  payees: {{key: rep_id, columns: {{name: text}}}}
  deals: {{key: deal_id, payee: rep_id, date: close_date, columns: {{amount: money}}}}
  quotas: {{payee: rep_id, period: period, columns: {{amount: money}}}}
credits:
  sales: {{from: deals, value: amount}}
measures:
  booked: sum(sales)
  attainment: booked / quotas.amount
earnings:
  commission: {{value: booked * 10%}}
scenarios:
  - name: just below the quota
    period: 2026-Q1
    data:
      payees: [{{rep_id: ann, name: Ann}}, {{rep_id: bo, name: Bo}}]
      deals:
        - {{deal_id: D1, rep_id: ann, close_date: 2026-02-01, amount: 99999.99}}
        - {{deal_id: D2, rep_id: bo, close_date: 2026-02-01, amount: 100000}}
      quotas:
        - {{rep_id: ann, period: 2026-Q1, amount: 100000}}
        - {{rep_id: bo, period: 2026-Q1, amount: 300000}}
    expect:
      # ann: 99,999.99 / 100,000 = 99.99999%, shown as 100%
      # bo: 100,000 / 300,000 = 33.333...%
      ann: {{attainment: {ann}}}
      bo: {{attainment: {bo}}}
"""


def _differences(tmp_path, ann, bo="33.33%"):
    path = tmp_path / "precision.yaml"
    path.write_text(PLAN.format(ann=ann, bo=bo))
    [outcome] = run_scenarios(load_plan(path))
    return outcome.differences


def test_issue16_item13_a_whole_expectation_is_compared_exactly(tmp_path):
    # 100% is exactly 1; 0.9999999 is not, though it is shown as 100%
    assert _differences(tmp_path, "100%") == [
        "payee ann attainment: expected 100%, got 99.99999% (shown as 100%)"]


def test_issue16_item13_an_expectation_with_decimals_is_compared_to_them(tmp_path):
    # written exactly: passes; 33.33% is to the hundredth of a percent: 33.333...% -> 33.33%
    assert _differences(tmp_path, "99.99999%") == []
    assert _differences(tmp_path, "0.9999999") == []
    # 99.99999% to two decimals is 100.00%, not 99.99%; 33.333...% to one decimal is
    # 33.3%, so only ann differs
    assert _differences(tmp_path, "99.99%", "33.3%") == [
        "payee ann attainment: expected 99.99%, got 99.99999% (shown as 100%)"]
    assert _differences(tmp_path, "99.99999%", "33.34%") == [
        "payee bo attainment: expected 33.34%, got 33.3333333333...% "
        "(shown as 33.3333%)"]
