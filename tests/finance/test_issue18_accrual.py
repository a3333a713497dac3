"""Issue 18, accruals: a month-end accrual mid-quarter on a tiered plan (plans/ae.yaml),
what the store booked before taken off, the accrual kept and worked out again, and its
true-up against the final run when the run is approved.

The data (quota 100,000 each, so the AE bands are 50,000 / 100,000 / 150,000):
    ann  West, target incentive 10,000, CSAT 90
         A1 2026-01-15 60,000   A2 2026-02-20 30,000   A3 2026-03-10 40,000
    bob  East, target incentive 2,000 (cap 250% x 2,000 = 5,000)
         B1 2026-01-20 150,000

As of 2026-01-31 (rows up to that date):
    ann  60,000 booked: 50,000 x 4% + 10,000 x 8% = 2,000 + 800 = 2,800.00
    bob  150,000: 2,000 + 4,000 + 6,000 = 12,000, capped at 5,000.00
    accrual 7,800.00 (West 2,800.00, East 5,000.00)
As of 2026-02-28:
    ann  90,000: 2,000 + 40,000 x 8% = 2,000 + 3,200 = 5,200.00; CSAT bonus gated
         (90% < 100%): 0
    bob  5,000.00 (no new deal)
    earned 10,200.00; booked before (January's accrual) 7,800.00; accrual 2,400.00,
    all ann's commission (West)
The final run (2026-Q1):
    ann  130,000: 2,000 + 4,000 + 30,000 x 12% = 9,600.00; bonus 1,000 x min(90/90,
         1.2) = 1,000.00 (130% >= 100%, CSAT 90 >= 85)
    bob  5,000.00
    15,600.00; true-up against February's accrual (10,200.00): 5,400.00 (ann's
    commission 9,600 - 5,200 = 4,400.00, ann's bonus 1,000.00)
"""
import csv
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
PLAN = str(ROOT / "plans" / "ae.yaml")
FINANCE = str(ROOT / "plans" / "finance" / "ae.yaml")

FILES = {
    "payees.csv": "rep_id,name,region,target_incentive,manager_id\n"
                  "ann,Ann,West,10000,\nbob,Bob,East,2000,\n",
    "quotas.csv": "rep_id,period,amount\nann,2026-Q1,100000\nbob,2026-Q1,100000\n",
    "kpis.csv": "rep_id,period,csat\nann,2026-Q1,90\n",
    "deals.csv": "deal_id,rep_id,close_date,amount,product,type\n"
                 "A1,ann,2026-01-15,60000,platform,new\n"
                 "A2,ann,2026-02-20,30000,platform,new\n"
                 "A3,ann,2026-03-10,40000,platform,new\n"
                 "B1,bob,2026-01-20,150000,platform,new\n",
}


def _data(tmp_path) -> str:
    d = tmp_path / "data"
    d.mkdir()
    for name, text in FILES.items():
        (d / name).write_text(text)
    return str(d)


def _cli(*args):
    r = CliRunner(env={"COMPPLAN_USER": "fin"}).invoke(cli, list(args),
                                                      catch_exceptions=False)
    return r


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _accrue(data, out, as_of, *more):
    return _cli("accrue", PLAN, "--data", data, "--period", "2026-Q1", "--as-of", as_of,
                "--finance", FINANCE, "--out", str(out), *more)


def test_issue18_accrual_mid_quarter_without_a_store(tmp_path):
    data = _data(tmp_path)
    r = _accrue(data, tmp_path / "out", "2026-02-28")
    assert r.exit_code == 0, r.output
    assert ("ae-2026 2026-Q1 as of 2026-02-28: 2 payees, 2 lines; earned to date USD "
            "10,200.00; booked before 0.00 (nothing booked before); accrual 10,200.00"
            ) in r.output
    folder = tmp_path / "out" / "ae-2026" / "2026-Q1"
    reg = _rows(folder / "accrual-2026-02-28.csv")
    assert [(x["payee"], x["cost_centre"], x["component"], x["earned_to_date"],
             x["accrual"], x["expense_account"], x["liability_account"]) for x in reg] == [
        ("ann", "West", "commission", "5200.00", "5200.00", "6110", "2150"),
        ("bob", "East", "commission", "5000.00", "5000.00", "6110", "2150")]
    jr = _rows(folder / "accrual-2026-02-28-journal.csv")
    # per component and cost centre: debit expense 6110, credit accrued liability 2150
    assert [(x["account"], x["cost_centre"], x["debit"], x["credit"]) for x in jr] == [
        ("6110", "East", "5000.00", "0"), ("2150", "East", "0", "5000.00"),
        ("6110", "West", "5200.00", "0"), ("2150", "West", "0", "5200.00")]


def test_issue18_accrual_as_xlsx_with_its_control_sheet(tmp_path):
    import openpyxl
    r = _accrue(_data(tmp_path), tmp_path / "out", "2026-02-28", "--format", "xlsx")
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "out" / "ae-2026" / "2026-Q1" /
                                "accrual-2026-02-28.xlsx")
    rows = [[c.value for c in row] for row in wb["accrual"].iter_rows()]
    assert rows[1][:7] == ["ann", "Ann", "West", "commission", "5200.00", "0", "5200.00"]
    control = {row[0].value: row[1].value for row in wb["control"].iter_rows()}
    assert (control["accrual"], control["cost centre East"], control["cost centre West"]) \
        == ("10200.00", "5000.00", "5200.00")
    j = openpyxl.load_workbook(tmp_path / "out" / "ae-2026" / "2026-Q1" /
                               "accrual-2026-02-28-journal.xlsx")
    control = {row[0].value: row[1].value for row in j["control"].iter_rows()}
    assert (control["debits"], control["credits"]) == ("10200.00", "10200.00")


def test_issue18_accruals_in_the_store_and_the_true_up_at_approval(tmp_path, store_url):
    data = _data(tmp_path)
    out = tmp_path / "out"
    r = _accrue(data, out, "2026-01-31", "--db", store_url)
    assert r.exit_code == 0, r.output
    assert "earned to date USD 7,800.00; booked before 0.00" in r.output
    assert "kept as accrual 1" in r.output

    r = _accrue(data, out, "2026-02-28", "--db", store_url)
    assert r.exit_code == 0, r.output
    # less January's accrual: 10,200.00 - 7,800.00 = 2,400.00, all ann's
    assert ("earned to date USD 10,200.00; booked before 7,800.00 (accrual 1 as of "
            "2026-01-31); accrual 2,400.00") in r.output
    reg = _rows(out / "ae-2026" / "2026-Q1" / "accrual-2026-02-28.csv")
    assert [(x["payee"], x["earned_to_date"], x["booked_before"], x["accrual"])
            for x in reg] == [("ann", "5200.00", "2800.00", "2400.00"),
                              ("bob", "5000.00", "5000.00", "0.00")]
    jr = _rows(out / "ae-2026" / "2026-Q1" / "accrual-2026-02-28-journal.csv")
    assert [(x["entry"], x["account"], x["debit"], x["credit"]) for x in jr] == [
        ("accrual 2", "6110", "2400.00", "0"), ("accrual 2", "2150", "0", "2400.00")]

    # the same date again is refused: it would be booked twice
    r = _accrue(data, out, "2026-02-28", "--db", store_url)
    assert r.exit_code == 1 and "already has accrual 2 as of 2026-02-28" in r.output

    r = _cli("accruals", "--db", store_url)
    assert "as of 2026-02-28  USD       2,400.00  (earned 10,200.00 less accrual 1" in r.output
    r = _cli("accruals", "verify", "2", "--db", store_url)
    assert r.exit_code == 0, r.output
    assert "accrual 2 (ae-2026 2026-Q1 as of 2026-02-28): the same, 2 lines, USD 2,400.00" \
        in r.output

    r = _cli("run", PLAN, "--data", data, "--period", "2026-Q1", "--save", "--db",
             store_url, "--out", str(out), "--quiet")
    assert r.exit_code == 0, r.output
    r = _cli("approve", "1", "--db", store_url)
    assert r.exit_code == 0, r.output
    assert "run 1: ae-2026 2026-Q1 is now approved" in r.output
    # final 15,600.00 - accrued 10,200.00 = 5,400.00: commission 4,400, bonus 1,000
    assert ("true-up of accrual 2 (as of 2026-02-28): final run 1 USD 15,600.00 - "
            "accrued 10,200.00 = 5,400.00") in r.output
    assert "  commission             4,400.00" in r.output
    assert "  csat_bonus             1,000.00" in r.output

    # the true-up's journal, per component and cost centre (ann is West; bob's is 0)
    jfile = tmp_path / "true-up.csv"
    r = _cli("accruals", "true-up", "1", "--db", store_url, "--journal", str(jfile))
    assert r.exit_code == 0, r.output
    assert "ann          commission       final     9,600.00  accrued     5,200.00  " \
        "true-up     4,400.00" in r.output
    assert [(x["entry"], x["account"], x["cost_centre"], x["debit"], x["credit"])
            for x in _rows(jfile)] == [
        ("true-up of accrual 2 by run 1", "6110", "West", "4400.00", "0"),
        ("true-up of accrual 2 by run 1", "2150", "West", "0", "4400.00"),
        ("true-up of accrual 2 by run 1", "6120", "West", "1000.00", "0"),
        ("true-up of accrual 2 by run 1", "2150", "West", "0", "1000.00")]

    # once the period's run is approved, a later accrual takes off the run's pay
    r = _accrue(data, out, "2026-03-31", "--db", store_url)
    assert r.exit_code == 0, r.output
    assert "booked before 15,600.00 (run 1, approved); accrual 0.00" in r.output


def test_issue18_a_kept_accrual_changed_in_the_database_fails_verify(tmp_path, store_url):
    import pytest
    from sqlalchemy import update
    from sqlalchemy.exc import DatabaseError
    from compplan.finance.ledger import fingerprint, stored
    from compplan.store import open_store
    from compplan.store.finance import AccrualLineRow, AccrualRow
    from tamper import drop_guards
    data = _data(tmp_path)
    assert _accrue(data, tmp_path / "out", "2026-02-28", "--db", store_url).exit_code == 0
    store = open_store(store_url)
    change = update(AccrualLineRow).where(AccrualLineRow.payee == "ann").values(
        earned="5300.00", amount="5300.00")
    with store.session() as s, pytest.raises(DatabaseError, match="never changed"):
        s.execute(change)  # the database refuses: a kept accrual is booked
    drop_guards(store)  # as the database's owner could
    with store.session() as s:
        s.execute(change)
        s.commit()
    r = _cli("accruals", "verify", "1", "--db", store_url)
    assert r.exit_code == 1
    assert "ann commission: kept earned 5300.00, accrual 5300.00" in r.output
    assert "worked out again earned 5200.00, accrual 5200.00" in r.output
    assert "the kept lines do not hash to the kept fingerprint" in r.output
    # the row's fingerprint forged to match: the audit chain still says otherwise
    _, acc = stored(store, 1)
    with store.session() as s:
        s.execute(update(AccrualRow).where(AccrualRow.id == 1).values(
            fingerprint=fingerprint(acc)))
        s.commit()
    store.close()
    r = _cli("accruals", "verify", "1", "--db", store_url)
    assert r.exit_code == 1
    assert "the audit log recorded accrual 1 with fingerprint" in r.output


def test_issue18_a_bad_finance_file_is_named_at_its_line_and_column(tmp_path):
    bad = tmp_path / "fin.yaml"
    bad.write_text("plan: ae-2026\n"
                   "accounts:\n"
                   "  accrued_liability: \"2150\"\n"
                   "  expense: {default: \"6100\", comission: \"6110\"}\n"
                   "  liabilty: x\n")
    r = _cli("accrue", PLAN, "--data", _data(tmp_path), "--period", "2026-Q1", "--as-of",
             "2026-02-28", "--finance", str(bad), "--out", str(tmp_path / "out"))
    assert r.exit_code == 1
    assert f"{bad}:4:30: error: the plan pays no component 'comission'" in r.output
    assert "hint: did you mean 'commission'?" in r.output
    assert f"{bad}:5:3: error: unknown key 'liabilty'" in r.output
