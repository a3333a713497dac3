"""Reading input data: every problem named by file, row and column, in one pass."""
from decimal import Decimal as D
from pathlib import Path

import pytest

from compplan.engine import run_files
from compplan.errors import CompplanError

PLAN = """
plan: data
name: Data checks
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  attainment: sum(sales) / quotas.amount
earnings:
  commission: {value: sum(sales) * 10%}
"""


def _setup(tmp_path: Path, deals: str, quotas: str = "rep_id,period,amount\nann,2026-Q1,100000\n"):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\nbob,Bob\n")
    (data / "deals.csv").write_text(deals)
    (data / "quotas.csv").write_text(quotas)
    return tmp_path / "plan.yaml", data


def test_every_data_problem_is_reported_with_file_row_and_column(tmp_path):
    plan, data = _setup(tmp_path,
                        "deal_id,rep_id,close_date,amount\n"
                        "D1,ann,2026-01-05,12x\n"         # row 2: a bad amount
                        "D2,ann,2026-13-01,100\n"         # row 3: a bad date
                        "D3,zed,2026-02-01,100\n"         # row 4: an unknown payee
                        "D3,ann,2026-02-01,100\n")        # row 5: a duplicate id
    with pytest.raises(CompplanError) as err:
        run_files(plan, data, "2026-Q1")
    found = {(p.code, Path(p.file).name, p.row, p.column) for p in err.value.problems}
    assert found == {
        ("bad-value", "deals.csv", 2, "amount"),
        ("bad-value", "deals.csv", 3, "close_date"),
        ("duplicate-key", "deals.csv", 5, "deal_id"),
    }
    # the unknown payee and bob's missing quota are found once the file reads clean


def test_unknown_payee_and_missing_quota(tmp_path):
    plan, data = _setup(tmp_path, "deal_id,rep_id,close_date,amount\nD3,zed,2026-02-01,100\n")
    with pytest.raises(CompplanError) as err:
        run_files(plan, data, "2026-Q1")
    messages = sorted(p.message for p in err.value.problems)
    assert messages == ["payee 'bob' has no quotas row for 2026-Q1", "unknown payee 'zed'"]
    [unknown] = [p for p in err.value.problems if p.code == "unknown-payee"]
    assert (unknown.row, unknown.column) == (2, "rep_id")


def test_an_xlsx_file_reads_like_a_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    plan, data = _setup(tmp_path, "deal_id,rep_id,close_date,amount\n",
                        "rep_id,period,amount\nann,2026-Q1,100000\nbob,2026-Q1,50000\n")
    (data / "deals.csv").unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["deal_id", "rep_id", "close_date", "amount"])
    ws.append(["D1", "ann", "2026-02-01", 12500.10])  # a spreadsheet number
    ws.append(["D2", "bob", "2026-03-01", "7,000.00"])  # text with a thousands separator
    wb.save(data / "deals.xlsx")
    result = run_files(plan, data, "2026-Q1")
    # ann: 12,500.10 x 10% = 1,250.01; bob: 7,000.00 x 10% = 700.00
    assert result.payee("ann").total == D("1250.01")
    assert result.payee("bob").total == D("700.00")
