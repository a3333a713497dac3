"""Issue 16: a refund line that earns 0% was written -0.00 (in lines.csv and in its
formula text): -400 x 0% is -0 in decimal arithmetic. It is written 0.00."""
import csv
from decimal import Decimal as D

from click.testing import CliRunner

from compplan.cells import restore
from compplan.cli.main import cli

PLAN = """
plan: refunds
name: Refunds
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 0%}
"""


def test_issue16_a_refund_line_at_0_percent_is_written_0_00(tmp_path):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    # D2 is a refund: -400 x 0% = 0.00
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-01-05,1000\nD2,ann,2026-01-06,-400\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "plan.yaml"), "--data", str(data),
                                      "--period", "2026-Q1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "refunds" / "2026-Q1" / "lines.csv", newline="") as f:
        refund = [r for r in csv.DictReader(f) if r["sources"] == "deals:D2"][0]
    assert (refund["amount"], refund["exact"]) == ("0.00", "0")
    # a formula starting with '-' is quoted for spreadsheets (issue 17 item 1)
    assert refund["formula"] == "'-400.00 x 0% = 0.00"
    assert restore(refund["formula"]) == "-400.00 x 0% = 0.00"
    assert D(refund["amount"]).is_signed() is False
