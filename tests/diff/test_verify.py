"""`compplan verify`: a stored run recomputed from its stored plan text and data, on
SQLite and PostgreSQL; an untouched run is identical, a line changed in the database
behind the store's back is caught."""
import json
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from compplan.cli.main import cli
from compplan.diff.verify import Difference, verify
from compplan.engine import load_plan
from compplan.store import lifecycle

ROOT = Path(__file__).resolve().parents[2]


def save(store, plan: Path, data: Path, period: str):
    return lifecycle.save_run(store, load_plan(plan), data, period, "fin").run.id


def check(store, run_id):
    with store.session() as s:
        return verify(s, run_id)


def sql(store, statement: str) -> None:
    """Change the database directly, as someone with access to it could."""
    with store.engine.begin() as conn:
        conn.execute(text(statement))


def test_an_untouched_run_is_identical(store):
    for plan, data in (("textbook", "textbook"), ("ae", "ae"), ("field", "field")):
        period = "2026-03" if plan == "field" else "2026-Q1"
        run_id = save(store, ROOT / "plans" / f"{plan}.yaml", ROOT / "plans" / "data" / data,
                      period)
        v = check(store, run_id)
        assert v.identical, (plan, v.differences, v.problems)
        assert v.lines > 0 and v.fingerprint_ok and not v.carried
    r = CliRunner().invoke(cli, ["verify", "1", "--db", store.url])
    assert r.exit_code == 0, r.output
    assert "engine lines: 7 recomputed and compared field by field" in r.output
    assert "identical: every line and total is as recomputed" in r.output


def test_a_tampered_line_is_caught(store):
    run_id = save(store, ROOT / "plans" / "textbook.yaml", ROOT / "plans" / "data" /
                  "textbook", "2026-Q1")
    # bob's step commission: 100,000 x 3% + 4,000 x 5% = 3,200.00, made 9,999.99
    sql(store, f"UPDATE line_items SET amount = 9999.99 WHERE run_id = {run_id} "
               "AND payee = 'bob' AND number = 2")
    v = check(store, run_id)
    assert not v.identical
    assert v.differences[0] == Difference("bob", "line 2 (step_commission|bonus|)", "amount",
                                          "9999.99", "3200.00")
    # the payee's total was left alone; the stored lines no longer add up to it
    assert Difference("bob", "stored lines", "sum", "20979.99", "14180.00") in v.differences
    assert not v.fingerprint_ok
    r = CliRunner().invoke(cli, ["verify", str(run_id), "--db", store.url])
    assert r.exit_code == 1
    assert "DIFFERS: 3 differences" in r.output
    assert "fingerprint: the stored lines changed after the run was saved" in r.output
    row = next(ln for ln in r.output.splitlines() if "line 2 (step_commission" in ln)
    assert row.split()[-2:] == ["9999.99", "3200.00"]
    data = json.loads(CliRunner().invoke(cli, ["verify", str(run_id), "--db", store.url,
                                               "--format", "json"]).output)
    assert data["identical"] is False and data["differences"][0]["stored"] == "9999.99"


def test_a_tampered_total_and_formula_are_caught(store):
    run_id = save(store, ROOT / "plans" / "textbook.yaml", ROOT / "plans" / "data" /
                  "textbook", "2026-Q1")
    sql(store, f"UPDATE payee_results SET total = 600.00 WHERE run_id = {run_id} "
               "AND payee = 'cy'")
    sql(store, f"UPDATE line_items SET formula = 'anything' WHERE run_id = {run_id} "
               "AND payee = 'ann' AND number = 1")
    v = check(store, run_id)
    fields = {(d.payee, d.what, d.field) for d in v.differences}
    assert ("cy", "payee", "total") in fields
    assert ("ann", "line 1 (banded|bonus|)", "formula") in fields


MONTHLY = """
plan: monthly
name: Monthly commission
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
"""


def month(store, tmp_path, plan_text: str, deals: str, period: str, pay: bool = True) -> int:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n" + deals)
    (tmp_path / "plan.yaml").write_text(plan_text)
    run_id = save(store, tmp_path / "plan.yaml", data, period)
    if pay:
        lifecycle.approve(store, run_id, "ctl")
        lifecycle.mark_paid(store, run_id, "pay")
    return run_id


def test_carried_lines_are_taken_as_stored_and_checked_against_their_records(store, tmp_path):
    month(store, tmp_path, MONTHLY, "D1,ann,2026-01-10,10000\n", "2026-01")
    # February: D2 5,000 x 10% = 500.00; January's D1 corrected to 12,000: +200.00
    feb = month(store, tmp_path, MONTHLY, "D1,ann,2026-01-10,12000\nD2,ann,2026-02-03,5000\n",
                "2026-02", pay=False)
    v = check(store, feb)
    assert v.identical, v.differences
    assert dict(v.carried) == {"adjustment": 1} and v.adjustments_checked == 1
    r = CliRunner().invoke(cli, ["verify", str(feb), "--db", store.url])
    assert "carried lines: 1 adjustment; taken as stored" in r.output
    assert "1 checked against the run's adjustment records" in r.output
    sql(store, f"UPDATE line_items SET amount = 250.00 WHERE run_id = {feb} "
               "AND kind = 'adjustment'")
    v = check(store, feb)
    got = {(d.what, d.field): (d.stored, d.recomputed) for d in v.differences}
    assert got[("payee", "total")] == ("700.00", "750.00")  # 500 recomputed + 250 carried
    # (SQLite keeps the literal 250.00 as the text '250.0')
    assert got[("prior-period line", "adjustment record")][0].startswith("1 line(s) of 250.0")
    assert got[("prior-period record", "line")] == ("1 record(s) of 200.00", "no line")
    assert not v.fingerprint_ok


def test_a_year_to_date_run_is_recomputed_on_the_year_so_far(store, tmp_path):
    ytd = MONTHLY + "payout: {basis: year_to_date}\n"
    month(store, tmp_path, ytd, "D1,ann,2026-01-10,10000\n", "2026-01")
    # February's engine lines are January's and February's (1,000 + 500); the true-up
    # takes off the 1,000 paid in January
    feb = month(store, tmp_path, ytd, "D1,ann,2026-01-10,10000\nD2,ann,2026-02-03,5000\n",
                "2026-02", pay=False)
    v = check(store, feb)
    assert v.identical, v.differences
    assert v.lines == 2 and dict(v.carried) == {"true-up": 1}
    with store.session() as s:
        from compplan.store.models import Run
        assert s.get(Run, feb).total == D("500.00")


def test_no_such_run_and_a_replaced_draft(store):
    r = CliRunner().invoke(cli, ["verify", "42", "--db", store.url])
    assert r.exit_code == 2 and "there is no run 42" in r.output
    plan, data = ROOT / "plans" / "textbook.yaml", ROOT / "plans" / "data" / "textbook"
    first = save(store, plan, data, "2026-Q1")
    save(store, plan, data, "2026-Q1")
    r = CliRunner().invoke(cli, ["verify", str(first), "--db", store.url])
    assert r.exit_code == 2 and "replaced by a later run" in r.output
