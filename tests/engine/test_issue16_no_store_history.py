"""Issue 16 items 3 and 14: a run without a store (`compplan run` without `--save`, a
one-period scenario) pays a draw and a year-to-date plan as the store's first saved
period would, and says which history it lacks."""
import datetime as dt
from decimal import Decimal as D

from click.testing import CliRunner

from compplan.cli.main import cli as main
from compplan.engine import load_plan, parse_period
from compplan.engine.data import load_inline

DRAW_PLAN = """
plan: draws
name: New hires' draw
period: month
currency: USD
inputs:
  payees: {key: rep_id, start: hired, columns: {name: text, hired: date}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
payout:
  draw: {amount: 1000, recoverable: true, periods: 3}
"""


def _run(plan_text, tmp_path, data, period):
    from compplan.engine.standalone import run_standalone
    (tmp_path / "plan.yaml").write_text(plan_text)
    compiled = load_plan(tmp_path / "plan.yaml")
    problems = []
    tables = load_inline(compiled.plan, data, "test", problems, lambda *a: None)
    assert problems == []
    return run_standalone(compiled, tables, parse_period(period))


DATA = {"payees": [{"rep_id": "new", "name": "New", "hired": dt.date(2026, 3, 2)},
                   {"rep_id": "old", "name": "Old", "hired": None}],
        "deals": [{"deal_id": "D1", "rep_id": "new", "close_date": dt.date(2026, 3, 20),
                   "amount": 1500},
                  {"deal_id": "D2", "rep_id": "old", "close_date": dt.date(2026, 3, 20),
                   "amount": 20000}]}


def test_issue16_item3_a_new_hire_is_paid_the_draw_without_a_store(tmp_path):
    result = _run(DRAW_PLAN, tmp_path, DATA, "2026-03")
    new = result.payee("new")
    # March, the new hire's first month: 1,500 x 10% = 150 earned, topped up to the
    # 1,000 draw by 1,000 - 150 = 850 (as the saved run pays)
    assert new.components == {"commission": D("150.00"), "draw": D("850.00")}
    assert new.total == D("1000.00")
    draw_line = new.lines[-1]
    assert draw_line.formula == "draw 1,000.00 - due 150.00 = 850.00"
    assert draw_line.rule.endswith("plan.yaml:14:3")  # the plan's payout.draw
    # old earns 2,000, above the draw: no top-up; no start date, so its balance from
    # earlier months is not known, and the run says so
    assert result.payee("old").total == D("2000.00")
    assert not [w for w in result.warnings if w.code == "no-history"]


def test_issue16_item3_draw_periods_count_from_the_payees_start(tmp_path):
    # hired 2026-03-02: no draw in February (not started), the 3 draw months are March,
    # April and May; June pays no draw
    data = {**DATA, "deals": []}
    totals = {m: _run(DRAW_PLAN, tmp_path, data, m).payee("new").total
              for m in ("2026-02", "2026-03", "2026-05", "2026-06")}
    assert totals == {"2026-02": D("0.00"), "2026-03": D("1000.00"),
                      "2026-05": D("1000.00"), "2026-06": D("0.00")}
    # in May the balance of March and April is not known without the store: said so
    may = _run(DRAW_PLAN, tmp_path, data, "2026-05")
    [w] = [w for w in may.warnings if w.code == "no-history"]
    assert "payees new" in w.message and "taken as 0.00" in w.message


def test_issue16_item3_run_without_save_pays_the_draw(tmp_path):
    (tmp_path / "plan.yaml").write_text(DRAW_PLAN)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "payees.csv").write_text("rep_id,name,hired\nnew,New,2026-03-02\n")
    (tmp_path / "data" / "deals.csv").write_text(
        "deal_id,rep_id,close_date,amount\nD1,new,2026-03-20,1500\n")
    r = CliRunner().invoke(main, ["run", str(tmp_path / "plan.yaml"), "--data",
                                  str(tmp_path / "data"), "--period", "2026-03", "--out",
                                  str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    lines = (tmp_path / "out" / "draws" / "2026-03" / "lines.csv").read_text()
    # 150.00 earned, the draw line tops it up by 850.00: 1,000.00 in all
    assert "new,2,draw,draw,850.00" in lines
    assert "1,000.00" in r.output


YTD_PLAN = """
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
  tiers:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 5%}
      - {rate: 10%}
earnings:
  commission: {value: "tiered(tiers, booked)"}
payout:
  basis: year_to_date
"""

YTD_DATA = {"payees": [{"rep_id": "ann", "name": "Ann"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": dt.date(2026, 2, 10),
                       "amount": 200000},
                      {"deal_id": "D2", "rep_id": "ann", "close_date": dt.date(2026, 5, 10),
                       "amount": 330000}],
            "quotas": [{"rep_id": "ann", "period": "2026-Q1", "amount": 300000},
                       {"rep_id": "ann", "period": "2026-Q2", "amount": 300000}]}


def test_issue16_item14_a_year_to_date_plan_without_a_store_pays_the_year_less_before(
        tmp_path):
    result = _run(YTD_PLAN, tmp_path, YTD_DATA, "2026-Q2")
    ann = result.payee("ann")
    # Q2 alone (the old answer) pays 330,000 of 300,000: 300,000 x 5% + 30,000 x 10%
    # = 18,000. The year so far: 530,000 of a 600,000 quota, all at 5% = 26,500; Q1 on the
    # same data: 200,000 of 300,000 at 5% = 10,000; 26,500 - 10,000 = 16,500
    assert ann.components == {"commission": D("26500.00"), "paid_earlier": D("-10000.00")}
    assert ann.total == D("16500.00")
    [w] = [w for w in result.warnings if w.code == "no-history"]
    assert "what 2026-Q1 paid is not known without the store" in w.message


def test_issue16_item14_a_one_period_scenario_of_a_year_to_date_plan(tmp_path):
    from compplan.engine.scenarios import run_scenarios
    scenario = """
scenarios:
  - name: Q2, with Q1's deal and quota behind it
    period: 2026-Q2
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-02-10, amount: 200000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-05-10, amount: 330000}
      quotas:
        - {rep_id: ann, period: 2026-Q1, amount: 300000}
        - {rep_id: ann, period: 2026-Q2, amount: 300000}
    expect:
      # the year so far 26,500 less Q1's 10,000 (worked above): not Q2 alone, 18,000
      ann: {commission: 26500.00, paid_earlier: -10000.00, total: 16500.00}
"""
    (tmp_path / "plan.yaml").write_text(YTD_PLAN + scenario)
    [outcome] = run_scenarios(load_plan(tmp_path / "plan.yaml"))
    assert (outcome.passed, outcome.differences, outcome.problems) == (True, [], [])


def test_issue16_item3_no_draw_after_the_payee_left_in_a_year_to_date_run(tmp_path):
    plan = YTD_PLAN.replace("payees: {key: rep_id, columns: {name: text}}",
                            "payees: {key: rep_id, end: left_on, columns: {name: text, "
                            "left_on: date}}") + "  draw: {amount: 20000}\n"
    data = {**YTD_DATA, "payees": [{"rep_id": "ann", "name": "Ann",
                                    "left_on": dt.date(2026, 3, 31)}]}
    # Q1: 200,000 of 300,000 at 5% = 10,000, topped up to the 20,000 draw: 10,000
    q1 = _run(plan, tmp_path, data, "2026-Q1").payee("ann")
    assert (q1.components.get("draw"), q1.total) == (D("10000.00"), D("20000.00"))
    # Q2: she left on 31 March; the year-to-date run spans January to June, but Q2 pays
    # no draw. The year so far 26,500 (D2 is still credited: the plan says so), less
    # what Q1 paid as the store would have paid it, draw included: 26,500 - 20,000
    # = 6,500 (a scenario of both quarters in the store gives the same)
    q2 = _run(plan, tmp_path, data, "2026-Q2").payee("ann")
    assert ("draw" not in q2.components, q2.components["paid_earlier"], q2.total) == \
        (True, D("-20000.00"), D("6500.00"))
