"""Issue 16 item 4: what validate and run say about empty files, a quota of 0 and
negative amounts.

- a deals file with a header only validated with 0 warnings and paid everyone 0.00;
- a quota of 0 was silent in validate, and run paid tier 1 on a running basis of
  8E-26 (the quota replaced by 10^30): the docs say a division by zero gives
  `missing`, so the tiered line is not paid, with a warning at the basis;
- a negative amount was warned of by validate but not by run.
"""
from decimal import Decimal as D
from pathlib import Path

from compplan.engine import load_plan, run_files
from compplan.engine.periods import parse_period
from compplan.engine.validate import validate_data

PLAN = """
plan: warn
name: Data warnings
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
  marginal:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 5%}
      - {rate: 10%}
  whole:
    basis: attainment
    mode: whole
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 1%}
      - {rate: 2%}
earnings:
  commission: {each: sales, value: tiered(marginal)}
  whole_bonus: {each: sales, value: tiered(whole)}
  payee_bonus: {value: "tiered(marginal, booked)"}
"""

QUOTAS = "rep_id,period,amount\nann,2026-Q1,100000\nbob,2026-Q1,0\n"


def _setup(tmp_path: Path, deals: str, quotas: str = QUOTAS):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\nbob,Bob\n")
    (data / "deals.csv").write_text(deals)
    (data / "quotas.csv").write_text(quotas)
    return tmp_path / "plan.yaml", data


def _validate(plan, data):
    return validate_data(load_plan(plan), data, parse_period("2026-Q1"))


def test_issue16_item4_a_header_only_file_is_warned_of_by_validate_and_run(tmp_path):
    plan, data = _setup(tmp_path, "deal_id,rep_id,close_date,amount\n",
                        "rep_id,period,amount\nann,2026-Q1,100000\nbob,2026-Q1,100000\n")
    found = [(p.code, Path(p.file).name) for p in _validate(plan, data)
             if p.severity == "warning"]
    assert ("no-rows", "deals.csv") in found
    result = run_files(plan, data, "2026-Q1")
    assert result.total == 0
    [empty] = [w for w in result.warnings if w.code == "no-rows"]
    assert Path(empty.file).name == "deals.csv"
    assert "has no rows (a header only)" in empty.message


def test_issue16_item4_a_quota_of_0_gives_missing_and_is_warned_of(tmp_path):
    plan, data = _setup(tmp_path, "deal_id,rep_id,close_date,amount\n"
                                  "D1,ann,2026-02-01,120000\n"
                                  "D2,bob,2026-02-01,50000\n")
    # validate names bob's quota row (row 3) and its column
    [zero] = [p for p in _validate(plan, data) if p.code == "zero-divisor"]
    assert (Path(zero.file).name, zero.row, zero.column) == ("quotas.csv", 3, "amount")
    assert zero.severity == "warning" and "is 0 for payee 'bob'" in zero.message
    result = run_files(plan, data, "2026-Q1")
    bob = result.payee("bob")
    # bob: attainment 50,000 / 0 is missing: no tier is reached, nothing is paid (the
    # old run paid 50,000 x 5% = 2,500.00 on a basis of 8E-26, and 1% = 500.00 whole)
    assert bob.lines == [] and bob.total == D("0")
    assert bob.measures["attainment"] == "missing"
    assert any("division by zero gave a missing value" in w for w in bob.warnings)
    assert "commission: value missing for D2; not paid" in bob.warnings
    assert "whole_bonus: value missing for D2; not paid" in bob.warnings
    assert "payee_bonus: value missing; not paid" in bob.warnings
    # ann is worked out as ever: 100,000 x 5% + 20,000 x 10% = 7,000.00 commission;
    # whole: 120% pays 2% of 120,000 = 2,400.00; the payee bonus is the commission again
    ann = result.payee("ann")
    assert ann.components == {"commission": D("7000.00"), "whole_bonus": D("2400.00"),
                              "payee_bonus": D("7000.00")}


def test_issue16_item4_run_warns_of_a_negative_amount_as_validate_does(tmp_path):
    plan, data = _setup(tmp_path, "deal_id,rep_id,close_date,amount\n"
                                  "D1,ann,2026-02-01,1000\n"
                                  "D2,ann,2026-02-02,-400\n",
                        "rep_id,period,amount\nann,2026-Q1,100000\nbob,2026-Q1,100000\n")
    expected = ("negative-amount", "deals.csv", 3, "amount")
    assert expected in [(p.code, Path(p.file).name, p.row, p.column)
                        for p in _validate(plan, data)]
    result = run_files(plan, data, "2026-Q1")
    assert expected in [(p.code, Path(p.file).name, p.row, p.column)
                        for p in result.warnings]
    # and it is paid as the data says: (1,000 - 400) x 5% = 30.00 commission
    assert result.payee("ann").components["commission"] == D("30.00")
