"""Issue 13: `run --save --engine postgres`, `verify` of such a run and `compplan test
--engine postgres`.

A run made inside PostgreSQL is stored as the other engines store it: to a PostgreSQL
store in the same database its lines go by one INSERT ... SELECT inside the save's own
transaction (store/pgsave.py), to SQLite in batches the server makes. Every sample plan
saved by the postgres engine has the stored lines and the fingerprint of the same run
saved by the Python engine; verify recomputes it with postgres and with python.
Skipped, with the reason, without a server."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.cli.main import cli  # noqa: E402
from compplan.engine import load_plan  # noqa: E402
from compplan.engine.sql import postgres  # noqa: E402
from compplan.store import lifecycle, open_store  # noqa: E402
from compplan.store.models import LineItem, Run  # noqa: E402
from compplan.store.scenarios import run_scenarios  # noqa: E402
from engines import assert_same_stored, postgres_unavailable, stored_lines  # noqa: E402

NO_SERVER = postgres_unavailable()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def _save(entry, engine, db, out):
    r = invoke("run", PLANS / entry["plan"], "--data", PLANS / entry["data"], "--period",
               entry["period"], "--engine", engine, "--save", "--db", db, "--out", out, "-q")
    assert r.exit_code == 0, r.output


@pytest.fixture
def made_schemas(monkeypatch) -> list[str]:
    """The run schemas this test's runs make (`compplan_run_<hex>`, named from
    uuid4), so that a leftover is this test's own and not another session's run that
    is under way (or was killed) in the same database."""
    made: list[str] = []
    real = postgres.uuid.uuid4

    def recorded():
        u = real()
        made.append(f"compplan_run_{u.hex[:12]}")
        return u
    monkeypatch.setattr(postgres, "uuid", type("uuid", (), {"uuid4": staticmethod(recorded)}))
    return made


def _leftovers(made: list[str]) -> list[str]:
    """Those of the run schemas made that are still in the database (each run drops
    its own)."""
    assert made, "no run made a schema: the test did not run in the server"
    with postgres.connect() as pg:
        return [r[0] for r in pg.execute("SELECT nspname FROM pg_namespace WHERE nspname "
                                         "= ANY(%s)", (made,)).fetchall()]


@pytest.mark.parametrize("entry", SAMPLES, ids=lambda e: e["plan"])
def test_issue13_saved_by_postgres_to_sqlite_as_python_saves_it(entry, tmp_path):
    """The same lines (amounts, exact values, sources, inputs, tier parts, basis, keys),
    the same totals and the same fingerprint; verify: identical on both engines."""
    dbs = {e: f"sqlite:///{tmp_path / e}.db" for e in ("python", "postgres")}
    for engine, db in dbs.items():
        _save(entry, engine, db, tmp_path / engine)
    stores = {e: open_store(db) for e, db in dbs.items()}
    try:
        runs = {}
        for e, store in stores.items():
            with store.session() as s:
                runs[e] = s.get(Run, 1)
        assert runs["postgres"].engine == "postgres"
        assert (runs["postgres"].total, runs["postgres"].lines) == \
            (runs["python"].total, runs["python"].lines)
        assert runs["postgres"].fingerprint == runs["python"].fingerprint
        assert_same_stored(stored_lines(stores["python"], 1), stored_lines(stores["postgres"], 1))
    finally:
        for store in stores.values():
            store.close()
    r = invoke("verify", "1", "--db", dbs["postgres"])
    assert r.exit_code == 0, r.output
    assert "engine: postgres, as it was saved; then the python engine" in r.output
    assert "python engine: the same pay, line for line" in r.output
    assert "identical: every line and total is as recomputed" in r.output


AE = next(e for e in SAMPLES if e["plan"] == "ae.yaml")


def test_issue13_save_into_the_same_database_stays_in_the_server(store_url, tmp_path,
                                                                 monkeypatch, made_schemas):
    """With a PostgreSQL store and no --dsn the run is made in the store's database, in
    the save's transaction: the lines go by INSERT ... SELECT (the batch path, which
    carries rows through Python, is never taken), no run schema is left, and the AE
    sample is stored as the Python engine stores it: 25 lines, 56,480.00."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the same-database path is PostgreSQL's")

    def no_batches(*a, **k):
        raise AssertionError("the lines left the server")
    monkeypatch.setattr(postgres, "store_batches", no_batches)
    monkeypatch.delenv("COMPPLAN_PG_DSN", raising=False)
    _save(AE, "postgres", store_url, tmp_path / "pg")
    monkeypatch.undo()
    _save(AE, "python", f"sqlite:///{tmp_path / 'py.db'}", tmp_path / "py")
    assert _leftovers(made_schemas) == []
    pg_store, py_store = open_store(store_url), open_store(f"sqlite:///{tmp_path / 'py.db'}")
    try:
        with pg_store.session() as s:
            run = s.get(Run, 1)
            assert (run.engine, str(run.total), run.lines) == ("postgres", "56480.00", 25)
        with py_store.session() as s:
            assert s.get(Run, 1).fingerprint == run.fingerprint
        assert_same_stored(stored_lines(py_store, 1), stored_lines(pg_store, 1))
    finally:
        pg_store.close()
        py_store.close()
    r = invoke("verify", "1", "--db", store_url)
    assert r.exit_code == 0, r.output
    assert "identical" in r.output


def test_issue13_a_save_that_fails_in_the_server_leaves_nothing(store_url, tmp_path,
                                                                monkeypatch, made_schemas):
    """The lines are in line_items when the save fails after them (here: the
    fingerprint's read): the one transaction takes back the run, its lines and the
    run's schema; the store has no run and no line, the database no run schema."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the same-database path is PostgreSQL's")
    monkeypatch.delenv("COMPPLAN_PG_DSN", raising=False)

    def broken(pg, run_id, table):
        raise RuntimeError("the server went away")
        yield  # a generator, as stored_digests
    monkeypatch.setattr(postgres, "stored_digests", broken)
    store = open_store(store_url)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            lifecycle.save_run(store, load_plan(PLANS / "ae.yaml"), PLANS / "data" / "ae",
                               "2026-Q1", "test", engine="postgres")
        with store.session() as s:
            assert s.query(Run).count() == 0 and s.query(LineItem).count() == 0
    finally:
        store.close()
    assert _leftovers(made_schemas) == []


SCENARIO_PLAN = (ROOT / "tests" / "store" / "test_issue12_sql_scenarios.py").read_text()
SCENARIO_PLAN = SCENARIO_PLAN.split('PLAN = """', 1)[1].split('"""', 1)[0]


def test_issue13_a_scenario_of_two_periods_runs_on_postgres(tmp_path):
    """Each period saved by the postgres engine in the throwaway SQLite store: February's
    D2 pays 2,000.00 x 10% = 200.00, and January's D1, now 1,500.00, 50.00 more than
    the 100.00 January paid: 250.00 in all."""
    from decimal import Decimal as D
    (tmp_path / "plan.yaml").write_text(SCENARIO_PLAN)
    [outcome] = run_scenarios(load_plan(tmp_path / "plan.yaml"),
                              run=postgres.run_tables_standalone, engine="postgres")
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    ann = outcome.result.payee("ann")
    assert [(ln.number, ln.kind, ln.amount) for ln in ann.lines] == [
        (1, "credit", D("200.00")), (2, "adjustment", D("50.00"))]
    assert ann.total == D("250.00")


def test_issue13_compplan_test_engine_postgres_passes_what_python_passes():
    plans = sorted(str(p) for p in PLANS.glob("*.yaml"))
    said = {}
    for engine in ("python", "postgres"):
        r = invoke("test", *plans, "--engine", engine)
        assert r.exit_code == 0, r.output
        said[engine] = [ln for ln in r.output.splitlines() if ln.startswith(("PASS", "FAIL"))]
    assert said["postgres"] == said["python"]
    assert len(said["python"]) >= 30  # every sample's scenarios (30 on 2026-12-01)


def test_issue13_compplan_test_names_the_database_it_cannot_reach(tmp_path):
    r = invoke("test", PLANS / "ae.yaml", "--engine", "postgres", "--dsn",
               "postgresql://nobody:secret@127.0.0.1:1/none")
    assert r.exit_code == 1
    assert "cannot reach PostgreSQL" in r.output and "secret" not in r.output
    assert "hint: start the server, or name the database with --dsn" in r.output


def test_issue13_verify_makes_a_postgres_run_again_where_dsn_says(tmp_path, monkeypatch):
    """`verify --dsn` names the database a postgres run is made again in, as `run --dsn`
    does: a database that does not answer is said with its address (exit 2, nothing
    compared); the test database gives the AE sample's 25 lines again, identical."""
    db = f"sqlite:///{tmp_path / 'pg.db'}"
    _save(AE, "postgres", db, tmp_path / "out")
    monkeypatch.delenv("COMPPLAN_PG_DSN", raising=False)
    nowhere = "postgresql://postgres@127.0.0.1:1/test"
    r = invoke("verify", "1", "--db", db, "--dsn", nowhere)
    assert r.exit_code == 2, r.output
    assert "cannot be recomputed" in r.output and "127.0.0.1:1" in r.output
    r = invoke("verify", "1", "--db", db, "--dsn", postgres.dsn_of())
    assert r.exit_code == 0, r.output
    assert "identical: every line and total is as recomputed" in r.output
