"""`compplan run --engine duckdb --save` from the shell (issue 12 items 4 and 5): the run
is stored as the period's draft, `runs` and `show` name its engine, `verify` recomputes
it with that engine and with the Python engine, and a plan the SQL engine does not run is
refused with positions before anything is stored or written."""
import csv
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from test_sql_engine_commands import REFUSED_WORDS, refused_sdr

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
AE, AE_DATA = str(ROOT / "plans" / "ae.yaml"), str(ROOT / "plans" / "data" / "ae")


def runner(tmp_path):
    return CliRunner(env={"COMPPLAN_DB": f"sqlite:///{tmp_path / 's.db'}",
                          "COMPPLAN_USER": "fin"})


def ok(run, *args):
    r = run.invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_issue12_run_save_on_duckdb_stores_a_draft_that_verifies(tmp_path):
    run = runner(tmp_path)
    out = ok(run, "run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out",
             str(tmp_path / "saved"), "--engine", "duckdb", "--save")
    assert "engine duckdb" in out
    assert "7 payees, 25 lines" in out
    assert "saved as run 1 (a new draft); approve with: compplan approve 1" in out
    listed = ok(run, "runs").splitlines()
    assert listed[0].split() == ["run", "plan", "period", "status", "engine", "payees",
                                 "total", "created"]
    # the sample's total, worked out in tests/engine/test_plans.py: 56,480.00
    assert listed[1].split()[:7] == ["1", "ae-2026", "2026-Q1", "draft", "duckdb", "7", "USD"]
    assert "56,480.00" in listed[1]
    assert "(compplan 0.1.0, engine duckdb)" in ok(run, "show", "1")
    verified = ok(run, "verify", "1")
    assert "engine: duckdb, as it was saved; then the python engine (the reference) too" \
        in verified
    assert "python engine: the same pay, line for line (25 lines;" in verified
    assert "identical: every line and total is as recomputed" in verified
    # the files are those of a run without --save
    ok(run, "run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out",
       str(tmp_path / "plain"), "--engine", "duckdb")
    for name in ("lines.csv", "payees.csv"):
        assert rows(tmp_path / "saved" / "ae-2026" / "2026-Q1" / name) == \
            rows(tmp_path / "plain" / "ae-2026" / "2026-Q1" / name)
    # a line changed in the store is caught by both engines' recomputation
    con = sqlite3.connect(tmp_path / "s.db")
    con.execute("UPDATE line_items SET amount = '4100.00' WHERE payee = 'ann' AND number = 2")
    con.commit()
    con.close()
    r = run.invoke(cli, ["verify", "1"])
    assert r.exit_code == 1
    # the amount and ann's lines' sum against each engine; the fingerprint once
    assert "DIFFERS: 3 differences" in r.output
    assert "python engine: 2 differences from the stored duckdb run" in r.output
    assert r.output.count("line 2 (commission|credit|deals:A-102)  amount") == 2


def test_issue12_run_save_on_duckdb_refuses_a_plan_it_does_not_run(tmp_path):
    run = runner(tmp_path)
    plan, at = refused_sdr(tmp_path)  # not run on the SQL engine yet
    r = run.invoke(cli, ["run", str(plan), "--data",
                         str(ROOT / "plans" / "data" / "sdr"), "--period", "2026-03", "--out",
                         str(tmp_path / "out"), "--engine", "duckdb", "--save"])
    assert r.exit_code == 1
    assert f"sdr.yaml:{at}: error: {REFUSED_WORDS}" in r.output
    assert "hint: run it with --engine python" in r.output
    assert not (tmp_path / "out").exists()  # no result files
    assert "no runs" in ok(run, "runs")  # nothing stored
    assert "audit log intact: 0 entries" in ok(run, "audit", "verify")


def test_issue12_run_save_on_duckdb_does_not_write_jsonl_yet(tmp_path):
    r = runner(tmp_path).invoke(cli, ["run", AE, "--data", AE_DATA, "--period", "2026-Q1",
                                      "--out", str(tmp_path / "out"), "--engine", "duckdb",
                                      "--save", "--jsonl"])
    assert r.exit_code == 1
    assert "--jsonl is not written by --engine duckdb --save yet" in r.output
    assert not (tmp_path / "out").exists()


def test_issue12_lines_carried_from_a_paid_period_follow_duckdbs_lines(tmp_path):
    """Q1 paid; deal A-101 then corrected from 60,000 to 70,000. The Q2 run on duckdb
    pays the difference as prior-period adjustment lines, written to lines.csv after the
    lines DuckDB wrote, and its payees.csv total includes them."""
    run = runner(tmp_path)
    ok(run, "run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out", str(tmp_path / "q1"),
       "--engine", "duckdb", "--save")
    ok(run, "approve", "1")
    ok(run, "pay", "1")
    data = tmp_path / "ae"
    shutil.copytree(AE_DATA, data)
    deals = (data / "deals.csv").read_text()
    (data / "deals.csv").write_text(
        deals.replace("A-101,ann,2026-01-12,60000,", "A-101,ann,2026-01-12,70000,")
        + "A-901,ann,2026-04-10,10000,platform,new\n")
    for name in ("quotas.csv", "kpis.csv"):
        text = (data / name).read_text()
        (data / name).write_text(text + "".join(ln.replace("2026-Q1", "2026-Q2") + "\n"
                                                for ln in text.splitlines() if "2026-Q1" in ln))
    ok(run, "run", AE, "--data", str(data), "--period", "2026-Q2", "--out",
       str(tmp_path / "q2"), "--engine", "duckdb", "--save")
    lines = rows(tmp_path / "q2" / "ae-2026" / "2026-Q2" / "lines.csv")
    kinds = [ln["kind"] for ln in lines if ln["payee"] == "ann"]
    # ann's Q2 deal: 10,000 x 4% = 400.00 (tier 1), then what Q1 now pays more
    assert kinds[0] == "credit" and lines[0]["amount"] == "400.00"
    assert "adjustment" in kinds and kinds.index("adjustment") > 0
    adjusted = [ln for ln in lines if ln["kind"] == "adjustment"]
    assert all(ln["note"].startswith("prior-period change to 2026-Q1 (run 1)")
               for ln in adjusted)
    payees = {p["payee"]: p for p in rows(tmp_path / "q2" / "ae-2026" / "2026-Q2" /
                                          "payees.csv")}
    from decimal import Decimal as D
    assert D(payees["ann"]["total"]) == sum(D(ln["amount"]) for ln in lines
                                            if ln["payee"] == "ann")
    assert "identical" in ok(run, "verify", "2")
