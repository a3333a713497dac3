"""Issue 13: `run --save --engine spark`, `verify` of such a run, and a scenario of two
periods saved by the Spark engine.

Spark writes its lines as Parquet; DuckDB reads that Parquet into the store a batch at
a time (store/bulk.py, as the duckdb engine's lines go), so no line is collected by the
driver at once. The stored lines, totals and fingerprint are the Python engine's save
of the same data. Skipped, with the reason, where pyspark or Java is missing (the test
run's one session: tests/conftest.py `spark`)."""
from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.cli.main import cli  # noqa: E402
from compplan.engine import load_plan  # noqa: E402
from compplan.store import open_store  # noqa: E402
from compplan.store.models import Run  # noqa: E402
from compplan.store.scenarios import run_scenarios  # noqa: E402
from engines import assert_same_stored, stored_lines  # noqa: E402
from test_issue13_postgres_save import SCENARIO_PLAN  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_issue13_saved_by_spark_as_python_saves_it(spark, tmp_path):
    """AE's sample run saved by spark and by python: the same lines (amounts, exact
    values, sources, inputs, tier parts, basis, keys), totals and fingerprint; lines.csv
    the duckdb engine's bytes; verify recomputes it on Spark and on Python: identical."""
    dbs = {e: f"sqlite:///{tmp_path / e}.db" for e in ("python", "spark", "duckdb")}
    for engine, db in dbs.items():
        r = invoke("run", PLANS / "ae.yaml", "--data", PLANS / "data" / "ae", "--period",
                   "2026-Q1", "--engine", engine, "--save", "--db", db, "--out",
                   tmp_path / engine, "-q")
        assert r.exit_code == 0, r.output
    stores = {e: open_store(db) for e, db in dbs.items()}
    try:
        runs = {}
        for e, store in stores.items():
            with store.session() as s:
                runs[e] = s.get(Run, 1)
        assert runs["spark"].engine == "spark"
        assert (runs["spark"].total, runs["spark"].lines) == \
            (runs["python"].total, runs["python"].lines)
        assert runs["spark"].fingerprint == runs["python"].fingerprint
        assert_same_stored(stored_lines(stores["python"], 1), stored_lines(stores["spark"], 1))
    finally:
        for store in stores.values():
            store.close()
    out = Path("ae-2026") / "2026-Q1" / "lines.csv"
    assert (tmp_path / "spark" / out).read_bytes() == (tmp_path / "duckdb" / out).read_bytes()
    r = invoke("verify", "1", "--db", dbs["spark"])
    assert r.exit_code == 0, r.output
    assert "engine: spark, as it was saved; then the python engine" in r.output
    assert "python engine: the same pay, line for line" in r.output


def test_issue13_a_scenario_of_two_periods_runs_on_spark(spark, tmp_path):
    """Each period saved by the spark engine in the throwaway SQLite store: February's
    D2 pays 2,000.00 x 10% = 200.00, and January's D1, now 1,500.00, 50.00 more than
    the 100.00 January paid: 250.00 in all."""
    from compplan.engine.sql import spark as engine
    (tmp_path / "plan.yaml").write_text(SCENARIO_PLAN)
    [outcome] = run_scenarios(load_plan(tmp_path / "plan.yaml"),
                              run=engine.run_tables_standalone, engine="spark")
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    ann = outcome.result.payee("ann")
    assert [(ln.number, ln.kind, ln.amount) for ln in ann.lines] == [
        (1, "credit", D("200.00")), (2, "adjustment", D("50.00"))]
    assert ann.total == D("250.00")
