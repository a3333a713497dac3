"""Issue 16, smaller things: `validate` counts warnings of one kind (rows listed, each on
--verbose) and does not warn about rows the plan reads (the year so far, for ytd())."""
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

PLAN = """plan: ytd-validate
name: Year to date
period: quarter
currency: USD
inputs:
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  booked_ytd: %s
earnings:
  commission: {value: booked * 10%%}
"""

DEALS = """deal_id,rep_id,close_date,amount
D1,ann,2025-12-30,1000
D2,ann,2026-01-10,1000
D3,ann,2026-02-10,1000
D4,ann,2026-03-10,1000
D5,ann,2026-05-10,1000
D6,ann,2026-07-01,1000
D7,ann,2026-07-02,1000
"""


def _validate(tmp_path: Path, measure: str, *more: str):
    (tmp_path / "plan.yaml").write_text(PLAN % measure)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "deals.csv").write_text(DEALS)
    r = CliRunner().invoke(cli, ["validate", str(tmp_path / "plan.yaml"), "--data", str(data),
                                 "--period", "2026-Q2", *more], catch_exceptions=False)
    return r.exit_code, r.output.replace(str(data), "DATA")


def test_issue16_validate_counts_warnings_of_a_kind_and_lists_them_on_verbose(tmp_path):
    code, out = _validate(tmp_path, "booked")
    # D1-D4 before Q2 and D6-D7 after it: six rows, one warning with their rows
    assert (code, out) == (0, (
        "DATA/deals.csv: warning: column close_date: 6 rows dated outside 2026-Q2 "
        "(2026-04-01 to 2026-06-30): rows 2, 3, 4, 5, 7, 8\n"
        "    hint: they are not paid in this run; --verbose lists each\n"
        "0 errors, 6 warnings\n"))
    code, out = _validate(tmp_path, "booked", "--verbose")
    assert out.count("warning: column close_date: dated ") == 6
    assert "DATA/deals.csv:2: warning: column close_date: dated 2025-12-30, outside " \
           "2026-Q2 (2026-04-01 to 2026-06-30)" in out


def test_issue16_validate_does_not_warn_about_the_rows_ytd_reads(tmp_path):
    code, out = _validate(tmp_path, "ytd(sum(sales))", "--verbose")
    # ytd() reads 2026-01-01 to 2026-06-30: D2-D4 are read; D1 (last year) and D6, D7
    # (after the quarter) are not
    assert (code, out.count(": warning: ")) == (0, 3)
    assert [ln.split(":")[1] for ln in out.splitlines() if ": warning: " in ln] == [
        "2", "7", "8"]


HELD = """plan: held-validate
name: Held until paid
period: quarter
currency: USD
inputs:
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money, paid: boolean}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission:
    each: sales
    value: amount * 10%
    hold: {share: 30%, until: paid}
"""


def test_issue16_validate_does_not_warn_about_rows_a_hold_reads(tmp_path):
    (tmp_path / "plan.yaml").write_text(HELD)
    data = tmp_path / "data"
    data.mkdir()
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,paid\n"
                                    "D1,ann,2026-02-10,1000,yes\n"   # Q1, held then: read
                                    "D2,ann,2026-05-10,1000,no\n"
                                    "D3,ann,2026-07-10,1000,no\n")   # Q3: not read
    r = CliRunner().invoke(cli, ["validate", str(tmp_path / "plan.yaml"), "--data", str(data),
                                 "--period", "2026-Q2"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [ln.split(":")[1] for ln in r.output.splitlines() if ": warning: " in ln] == ["4"]
