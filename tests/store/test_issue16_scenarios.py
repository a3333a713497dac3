"""Issue 16, scenarios that test everything a plan does: `expect:` names single lines by
source id (`lines: {D1: 3000.00}`) and the carried components, and a scenario of several
periods runs as saved, approved and paid runs in a throwaway store, so a draw's
recovery, a clawback of a paid line, a hold's release and a year's total can be
asserted in the plan file."""
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios as without_store
from compplan.lang import check_source
from compplan.store.scenarios import run_scenarios

PLAN = """
plan: monthly
name: Monthly commission
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, status: text, invoice_paid: boolean}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission:
    each: sales
    value: amount * 10%
    hold: {share: 30%, until: invoice_paid}
payout:
  draw: {amount: 5000, recoverable: true}
clawbacks:
  cancelled: {from: deals, when: status == "cancelled"}
scenarios:
  - name: one line by its source
    period: 2026-01
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals: [{deal_id: D1, rep_id: ann, close_date: 2026-01-10, amount: 60000,
               status: open, invoice_paid: false}]
    expect:
      # 60,000 x 10% = 6,000 earned on D1; 30% of it held: 1,800; paid 4,200, under the
      # 5,000 draw: topped up by 800
      ann: {lines: {D1: {commission: 6000.00, held: -1800.00}}, draw: 800.00,
            total: 5000.00}
  - name: a draw recovered, a hold released, a paid line clawed back
    data:
      payees: [{rep_id: ann, name: Ann}]
    periods:
      - period: 2026-01
        data:
          deals: [{deal_id: D1, rep_id: ann, close_date: 2026-01-10, amount: 30000,
                   status: open, invoice_paid: false}]
        expect:
          # 3,000 earned, 900 held: 2,100 paid, topped up by 2,900 to 5,000: balance 2,900
          ann: {commission: 3000.00, held: -900.00, draw: 2900.00, total: 5000.00}
      - period: 2026-02
        data:
          deals:
            # D1's invoice is paid: its 900 is released; D2 earns 8,000, 2,400 held
            - {deal_id: D1, rep_id: ann, close_date: 2026-01-10, amount: 30000,
               status: open, invoice_paid: true}
            - {deal_id: D2, rep_id: ann, close_date: 2026-02-10, amount: 80000,
               status: open, invoice_paid: true}
        expect:
          # due 8,000 - 2,400 + 900 = 6,500; 1,500 above the draw recovers 1,500 of the
          # 2,900 balance (1,400 left): 5,000 paid
          ann: {lines: {D1: 900.00, D2: 5600.00}, released: 900.00, draw: -1500.00,
                total: 5000.00}
      - period: 2026-03
        data:
          deals:
            - {deal_id: D2, rep_id: ann, close_date: 2026-02-10, amount: 80000,
               status: cancelled, invoice_paid: true}
    expect:
      # March: D2, paid in February (8,000 commission less 2,400 held), is cancelled:
      # its 8,000 commission line is clawed back in full and its 2,400 held is released
      # (its invoice was paid): -8,000 + 2,400 = -5,600, what she was paid on D2; the
      # draw tops -5,600 up to 5,000 (10,600), carried: balance 1,400 + 10,600
      ann: {lines: {D2: -5600.00}, clawback: -8000.00, released: 2400.00,
            draw: 10600.00, total: 5000.00}
"""


def _plan(tmp_path, text=PLAN):
    (tmp_path / "plan.yaml").write_text(text)
    return load_plan(tmp_path / "plan.yaml")


def test_issue16_scenarios_expect_lines_by_source_and_carried_lines(tmp_path):
    outcomes = run_scenarios(_plan(tmp_path))
    assert [(o.name, o.passed, o.differences, o.problems) for o in outcomes] == [
        ("one line by its source", True, [], []),
        ("a draw recovered, a hold released, a paid line clawed back", True, [], [])]


def test_issue16_scenarios_a_wrong_expectation_names_the_period_and_line(tmp_path):
    text = PLAN.replace("lines: {D1: 900.00, D2: 5600.00}", "lines: {D1: 900.00, D2: 5700}")
    [_, outcome] = run_scenarios(_plan(tmp_path, text))
    assert outcome.differences == ["2026-02: payee ann line D2: expected 5700, got 5,600.00"]
    r = CliRunner().invoke(cli, ["test", str(tmp_path / "plan.yaml")])
    assert r.exit_code == 1
    assert "2026-02: payee ann line D2: expected 5700, got 5,600.00" in r.output
    assert "1 passed, 1 failed" in r.output


def test_issue16_scenarios_of_several_periods_need_the_store(tmp_path):
    [_, outcome] = without_store(_plan(tmp_path))
    assert not outcome.passed and outcome.problems[0].code == "needs-store"


YTD = """
plan: annual
name: Annual quota, paid quarterly
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
  attainment: booked / quotas.amount
rates:
  tiers: {basis: attainment, mode: marginal, at_boundary: upper,
          tiers: [{to: 100%, rate: 5%}, {rate: 10%}]}
earnings:
  commission: {value: "tiered(tiers, booked)"}
payout:
  basis: year_to_date
scenarios:
  - name: the year so far, less what the first quarter paid
    periods: [2026-Q1, 2026-Q2]
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-02-10, amount: 80000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-05-10, amount: 150000}
      quotas:
        - {rep_id: ann, period: 2026-Q1, amount: 100000}
        - {rep_id: ann, period: 2026-Q2, amount: 100000}
    expect:
      # Q1 paid 80,000 x 5% = 4,000. Q2, the year so far: 230,000 of 200,000:
      # 200,000 x 5% + 30,000 x 10% = 13,000, less the 4,000 paid: 9,000
      ann: {commission: 13000.00, paid_earlier: -4000.00, total: 9000.00}
"""


def test_issue16_scenarios_a_years_total_over_two_quarters(tmp_path):
    [outcome] = run_scenarios(_plan(tmp_path, YTD))
    assert (outcome.passed, outcome.differences, outcome.problems) == (True, [], [])


def test_issue16_scenarios_are_checked_period_by_period():
    text = YTD.replace("periods: [2026-Q1, 2026-Q2]", "periods: [2026-Q2, 2026-03]") \
              .replace("paid_earlier: -4000.00", "paid_erlier: -4000.00")
    checked = check_source(text, "plan.yaml")
    got = [(p.line, p.message) for p in checked.problems.errors]
    assert got == [
        (24, "'2026-03' is a month, but the plan pays by quarter"),
        (36, "'paid_erlier' is not an earning, a measure or 'total'")]
    text = YTD.replace("periods: [2026-Q1, 2026-Q2]", "periods: [2026-Q2, 2026-Q1]")
    [problem] = check_source(text, "plan.yaml").problems.errors
    assert problem.message == "'2026-Q1' is not after '2026-Q2': a scenario's periods are " \
        "run in order"
