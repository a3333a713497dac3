"""Twice-monthly periods (issue 20 item 7): `period: half_month`, written 2026-03a (the
1st to the 15th) and 2026-03b (the 16th to the month's end)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan
from compplan.engine.data import load_inline
from compplan.engine.run import run_plan
from compplan.store.scenarios import run_scenarios  # several periods: saved, paid in turn
from compplan.periods import (parse_period, period_of, periods_between, periods_of,
                              previous)
from compplan.targets.propose import periods_in

D = dt.date


@pytest.mark.parametrize("label, start, end, days", [
    ("2026-03a", D(2026, 3, 1), D(2026, 3, 15), 15),
    ("2026-03b", D(2026, 3, 16), D(2026, 3, 31), 16),
    ("2026-02b", D(2026, 2, 16), D(2026, 2, 28), 13),  # February: 13 days
    ("2028-02b", D(2028, 2, 16), D(2028, 2, 29), 14),  # a leap year's: 14
    ("2026-04B", D(2026, 4, 16), D(2026, 4, 30), 15),  # either case; printed lower
])
def test_issue20_half_month_bounds(label, start, end, days):
    p = parse_period(label)
    assert (p.kind, p.start, p.end, p.days) == ("half_month", start, end, days)
    assert p.label == label.lower()


def test_issue20_the_15th_is_in_the_first_half_the_16th_in_the_second():
    assert period_of("half_month", D(2026, 2, 15)).label == "2026-02a"
    assert period_of("half_month", D(2026, 2, 16)).label == "2026-02b"
    assert period_of("half_month", D(2026, 2, 28)).label == "2026-02b"
    assert period_of("half_month", D(2026, 3, 1)).label == "2026-03a"


def test_issue20_half_months_in_order_across_a_year_end():
    assert previous(parse_period("2026-01a")).label == "2025-12b"
    assert previous(parse_period("2026-01b")).label == "2026-01a"
    # 2025-12b, 2026-01a, 2026-01b: two half months on
    assert periods_between(parse_period("2025-12b"), parse_period("2026-01b")) == 2
    assert [p.label for p in periods_of("half_month", D(2025, 12, 20), D(2026, 1, 3))] == \
        ["2025-12b", "2026-01a"]
    # as text the labels sort in time order: a month, its halves, the next month
    assert sorted(["2026-04", "2026-03b", "2026-03", "2026-03a"]) == \
        ["2026-03", "2026-03a", "2026-03b", "2026-04"]
    # the 4th half month of the year, the 2nd of its quarter
    assert parse_period("2026-02b").number_within(parse_period("2026")) == 4
    assert parse_period("2026-05a").number_within(parse_period("2026-Q2")) == 3


def test_issue20_targets_split_into_half_months_by_working_days():
    assert [p.label for p in periods_in(parse_period("2026-02"), "half_month")] == \
        ["2026-02a", "2026-02b"]


PLAN = """
plan: payroll
name: Paid on the 15th and at month end
period: half_month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
  goals: {payee: rep_id, period: period, columns: {amount: money}, weights: {1: 40%, 2: 60%}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  quota: quotas.amount
  goal: goals.amount
  attainment: booked / quota
earnings:
  commission: {value: booked * 10%}
scenarios:
  - name: February's halves
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-02-15, amount: 1000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-02-16, amount: 2000}
        - {deal_id: D3, rep_id: ann, close_date: 2026-02-28, amount: 4000}
      quotas:
        - {rep_id: ann, period: 2026-02, amount: 28000}
      goals:
        - {rep_id: ann, period: 2026-02, amount: 10000}
    periods:
      - period: 2026-02a
        # D1 on the 15th; the month's quota by days: 28,000 x 15 / 28 = 15,000;
        # the goal by the weights of the halves: 10,000 x 40% = 4,000
        expect: {ann: {booked: 1000, quota: 15000, goal: 4000, commission: 100.00}}
      - period: 2026-02b
        # D2 on the 16th and D3: 6,000; quota 28,000 x 13 / 28 = 13,000; goal 6,000
        expect: {ann: {booked: 6000, quota: 13000, goal: 6000, commission: 600.00}}
"""


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "payroll.yaml"
    path.write_text(PLAN)
    return load_plan(path)


def test_issue20_half_month_scenario_saved_and_paid_in_turn(plan):
    [outcome] = run_scenarios(plan)
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]


def _data(plan):
    problems: list = []
    tables = load_inline(plan.plan, {
        "payees": [{"rep_id": "ann", "name": "Ann"}, {"rep_id": "bob", "name": "Bob"}],
        "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-02-15", "amount": "1000"},
                  {"deal_id": "D2", "rep_id": "ann", "close_date": "2026-02-16", "amount": "2000"},
                  {"deal_id": "D4", "rep_id": "bob", "close_date": "2026-02-01", "amount": "3000"}],
        "quotas": [{"rep_id": "ann", "period": "2026-02", "amount": "28000"},
                   {"rep_id": "bob", "period": "2026-02a", "amount": "9000"},
                   {"rep_id": "bob", "period": "2026-02b", "amount": "9000"}],
        "goals": [{"rep_id": "ann", "period": "2026-02", "amount": "1000"},
                  {"rep_id": "bob", "period": "2026-Q1", "amount": "3000"}],
    }, "data", problems)
    assert problems == []
    return tables


def test_issue20_half_month_on_the_sql_engine_as_on_the_python_engine(plan, sql_engine):
    from engines import run_tables
    from tests.engine.test_sql_differential import assert_same
    for label in ("2026-02a", "2026-02b"):
        period = parse_period(label)
        ref = run_plan(plan, _data(plan), period)
        assert_same(ref, run_tables(sql_engine)(plan, _data(plan), period))
    ref = run_plan(plan, _data(plan), parse_period("2026-02a"))
    # bob's quota is set for the half itself: 3,000 / 9,000
    bob = next(p for p in ref.payees if p.payee == "bob")
    assert bob.measure_values["quota"] == Decimal("9000")
    assert bob.measure_values["attainment"] == Decimal("0.3333333333333333")


def test_issue20_run_names_a_half_month(tmp_path):
    (tmp_path / "payroll.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD2,ann,2026-03-16,2000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-03,31000\n")
    (data / "goals.csv").write_text("rep_id,period,amount\nann,2026-03,1000\n")
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(cli, ["run", str(tmp_path / "payroll.yaml"), "--data", str(data),
                            "--period", "2026-03B", "--out", str(out), "--table"])
    assert r.exit_code == 0, r.output
    assert "2026-03b" in r.output
    # D2 on the 16th only: 2,000 x 10% = 200.00
    assert "ann        200.00  200.00" in r.output
    assert (out / "payroll" / "2026-03b" / "lines.csv").is_file()
    r = runner.invoke(cli, ["run", str(tmp_path / "payroll.yaml"), "--data", str(data),
                            "--period", "2026-03", "--out", str(out)])
    assert r.exit_code == 2
    assert "'2026-03' is a month, but the plan pays by half month" in r.output
