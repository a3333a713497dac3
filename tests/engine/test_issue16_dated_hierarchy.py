"""Issue 16: a hierarchy with dates. Ann moves from Mia's team to Max's on 15 March:
rollups and team() credit Mia with what Ann did before that day and Max with what she
did from it. The dates come from an input of reporting lines; on days no line covers,
the payees table's `manager` column holds (Max: the manager now)."""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios
from compplan.lang import check_source

PLAN = """
plan: moves
name: A rep who changes manager
period: month
currency: USD
inputs:
  payees: {key: rep_id, manager: manager_id, columns: {name: text}}
  reporting:
    payee: rep_id
    manager: manager_id
    start: from_date
    end: to_date
    columns: {from_date: date, to_date: date}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, missing: null, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
  team_sales: {from: deals, value: amount, rollup: {levels: 1}}
measures:
  booked: sum(sales)
  quota: quotas.amount
  team_booked: team(booked)
  team_quota: team(quota)
earnings:
  commission: {each: sales, value: value * 10%}
  override: {each: team_sales, value: value * 2%}
  team_bonus: {value: team(commission) * 10%}
scenarios:
  - name: Ann moves from Mia to Max on 15 March
    period: 2026-03
    data:
      payees:
        - {rep_id: mia, name: Mia, manager_id: ""}
        - {rep_id: max, name: Max, manager_id: ""}
        - {rep_id: ann, name: Ann, manager_id: max}
      reporting:
        - {rep_id: ann, manager_id: mia, from_date: 2025-01-01, to_date: 2026-03-14}
        - {rep_id: ann, manager_id: max, from_date: 2026-03-15, to_date: ""}
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-03-05, amount: 10000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-03-14, amount: 5000}
        - {deal_id: D3, rep_id: ann, close_date: 2026-03-15, amount: 30000}
      quotas:
        - {rep_id: ann, period: 2026-03, amount: 31000}
    expect:
      # ann: 45,000 x 10% = 4,500.00, whatever her manager
      ann: {booked: 45000, commission: 4500.00}
      # mia: D1 and D2 (before the 15th): team_booked 15,000; override 15,000 x 2% =
      # 300.00; team(commission) 1,500 x 10% = 150.00; Ann's quota for 14 of March's
      # 31 days: 31,000 x 14 / 31 = 14,000
      mia: {team_booked: 15000, team_quota: 14000, override: 300.00, team_bonus: 150.00}
      # max: D3 (from the 15th): 30,000; 600.00; 3,000 x 10% = 300.00; 17 days: 17,000
      max: {team_booked: 30000, team_quota: 17000, override: 600.00, team_bonus: 300.00}
"""


def _plan(tmp_path, text=PLAN):
    path = tmp_path / "moves.yaml"
    path.write_text(text)
    return load_plan(path)


def test_issue16_a_rep_who_changes_manager_on_the_15th(tmp_path):
    [outcome] = run_scenarios(_plan(tmp_path))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    mia = outcome.result.payee("mia")
    assert [(ln.sources, ln.amount) for ln in mia.lines if ln.component == "override"] == [
        (["deals:D1"], D("200.00")), (["deals:D2"], D("100.00"))]
    assert all(ln.note == "credited through ann" for ln in mia.lines
               if ln.component == "override")


def test_issue16_without_reporting_lines_the_payees_manager_takes_it_all(tmp_path):
    # the same data with no dated lines: Max, Ann's manager in payees, gets everything
    text = PLAN.replace("""      reporting:
        - {rep_id: ann, manager_id: mia, from_date: 2025-01-01, to_date: 2026-03-14}
        - {rep_id: ann, manager_id: max, from_date: 2026-03-15, to_date: ""}
""", "      reporting: []\n")
    text = text[:text.index("    expect:")] + """    expect:
      # 45,000 x 2% = 900.00; 4,500 x 10% = 450.00; the whole quota
      max: {team_booked: 45000, team_quota: 31000, override: 900.00, team_bonus: 450.00}
"""
    [outcome] = run_scenarios(_plan(tmp_path, text))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    assert outcome.result.payee("mia").total == 0


def test_issue16_overlapping_reporting_lines_are_a_data_error(tmp_path):
    text = PLAN.replace("manager_id: max, from_date: 2026-03-15", "manager_id: max, "
                        "from_date: 2026-03-10")
    [outcome] = run_scenarios(_plan(tmp_path, text))
    assert not outcome.passed
    [problem] = outcome.problems
    # (a scenario's rows are numbered from 1; in a file the header is row 1)
    assert problem.message == ("payee 'ann' has two managers on the same days: this line "
                               "and row 1")
    assert problem.code == "overlap"


def test_issue16_reporting_lines_need_dates_and_cannot_be_read_by_rules():
    text = PLAN.replace("    start: from_date\n    end: to_date\n", "")
    errors = check_source(text, "plan.yaml").problems.errors
    assert [e.message for e in errors] == [
        "the reporting lines 'reporting' need the dates each line holds from and to"]
    text = PLAN.replace("  quota: quotas.amount", "  quota: reporting.from_date")
    errors = check_source(text, "plan.yaml").problems.errors
    assert [e.message for e in errors][0] == ("'reporting' holds reporting lines; the "
                                              "engine applies them")
