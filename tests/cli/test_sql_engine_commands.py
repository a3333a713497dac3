"""`compplan run --engine duckdb` and `compplan sql` (issue 12), as finance would use them."""
import csv
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
AE, AE_DATA = str(ROOT / "plans" / "ae.yaml"), str(ROOT / "plans" / "data" / "ae")


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_on_duckdb_pays_what_the_python_engine_pays(tmp_path):
    py = invoke("run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out", str(tmp_path / "py"))
    dk = invoke("run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out",
                str(tmp_path / "dk"), "--engine", "duckdb")
    assert py.exit_code == 0 and dk.exit_code == 0, dk.output
    assert "engine duckdb" in dk.output and "engine python" in py.output

    def payees(root):
        with (root / "ae-2026" / "2026-Q1" / "payees.csv").open() as fh:
            return {r["payee"]: (D(r["commission"]), D(r["csat_bonus"]), D(r["total"]))
                    for r in csv.DictReader(fh)}
    assert payees(tmp_path / "dk") == payees(tmp_path / "py")
    # the sample's total, worked out in tests/engine/test_plans.py: 56,480.00
    assert sum(t for _c, _b, t in payees(tmp_path / "dk").values()) == D("56480.00")


def test_run_on_duckdb_refuses_what_it_does_not_run_yet_with_positions(tmp_path):
    r = CliRunner().invoke(cli, ["run", str(ROOT / "plans" / "cs.yaml"), "--data",
                                 str(ROOT / "plans" / "data" / "cs"), "--period", "2026-Q1",
                                 "--out", str(tmp_path), "--engine", "duckdb"])
    assert r.exit_code == 1
    assert "cs.yaml:66:3: error: the SQL engine does not run lookup tables yet" in r.output
    assert "hint: run it with --engine python" in r.output
    assert not list(tmp_path.rglob("*.csv"))  # nothing written


def test_save_stays_on_the_python_engine_for_now(tmp_path):
    r = CliRunner().invoke(cli, ["run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--out",
                                 str(tmp_path), "--engine", "duckdb", "--save", "--db",
                                 f"sqlite:///{tmp_path / 's.db'}"])
    assert r.exit_code == 1 and "--save runs on the python engine" in r.output


def test_sql_prints_the_script_under_the_rules_it_comes_from():
    r = invoke("sql", AE, "--period", "2026-Q1")
    assert r.exit_code == 0, r.output
    assert "ae.yaml:65:22\n" in r.output
    assert "-- earning commission (each bookings): " in r.output
    # exact division: never DuckDB's DECIMAL / DECIMAL (a DOUBLE)
    assert "cp_units" in r.output and ' / ' not in r.output.split("-- hier")[1]
