"""Issue 13 regression: the PostgreSQL engine settles payees at their own frequency
(issue 20), as the Python and DuckDB engines do.

It did not: run_tables ran every payee over the run's period. On the half-month plan of
tests/engine/test_issue20_frequency.py (ann settled twice a month, mia monthly), the
run of 2026-03a paid mia 50.00 (1% of the 5,000 her team booked by March 15) and the
run of 2026-03b 820.00 (800.00 + 1% of 2,000), where mia is to be paid once, at month
end, over all of March: D4 8,000 x 10% = 800.00 and 1% x (1,000 + 2,000 + 4,000) =
70.00, 870.00 in 2026-03b and nothing in 2026-03a. Same sum, wrong runs: a statement
and a payroll export of the wrong period. Skipped, with the reason, without a server."""
from __future__ import annotations

import pytest
from sqlalchemy import select

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql import postgres  # noqa: E402
from compplan.periods import parse_period  # noqa: E402
from compplan.store import lifecycle, open_store  # noqa: E402
from compplan.store.models import LineItem  # noqa: E402
from engines import postgres_unavailable  # noqa: E402
from tests.engine.test_sql_differential import assert_same  # noqa: E402

from tests.engine import test_issue20_frequency as frequency  # noqa: E402

plan = frequency.plan  # the half-month plan, as a fixture
scenario_tables = frequency.scenario_tables

NO_SERVER = postgres_unavailable()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")


@pytest.mark.parametrize("period", ["2026-03a", "2026-03b"])
def test_issue13_postgres_settles_each_payee_at_their_frequency(plan, period):
    ref = run_plan(plan, scenario_tables(plan), parse_period(period))
    got = postgres.run_tables(plan, scenario_tables(plan), parse_period(period))
    assert_same(ref, got)
    assert [(w.code, w.message) for w in got.warnings] == \
        [(w.code, w.message) for w in ref.warnings]
    if period == "2026-03a":  # mia is settled with the month: not in this run
        assert [p.payee for p in got.payees] == ["ann", "bob"]
    else:  # 800.00 + (1,000 + 2,000 + 4,000) x 1% = 870.00
        assert got.payee("mia").total == 870


def _saved(store_url, compiled, data, engine):
    store = open_store(store_url)
    try:
        runs = []
        for period in ("2026-03a", "2026-03b"):
            s = lifecycle.save_run(store, compiled, data, period, "fin", engine=engine)
            with store.session() as session:
                lines = [(li.payee, li.number, li.component, li.amount, li.formula, li.key)
                         for li in session.execute(select(LineItem).where(
                             LineItem.run_id == s.run.id).order_by(
                             LineItem.payee, LineItem.number)).scalars()]
            runs.append((s.run.fingerprint, s.run.total, lines))
            lifecycle.approve(store, s.run.id, "controller")
        return runs
    finally:
        store.close()


def test_issue13_saved_runs_of_a_settled_plan_on_postgres(plan, store_url, tmp_path,
                                                          monkeypatch):
    """Saved by the PostgreSQL engine (to SQLite: lines in batches; to a PostgreSQL store:
    INSERT ... SELECT in the server, one group's lines after the other) as the Python
    engine saves them: 2026-03a ann's D1 100.00; 2026-03b ann's D2 200.00 and mia's
    800.00 + 1% of ann's March (1,000 + 2,000) = 30.00: 1,030.00."""
    monkeypatch.delenv("COMPPLAN_PG_DSN", raising=False)
    compiled = plan
    data = frequency.march_data(tmp_path)
    ref = _saved(f"sqlite:///{tmp_path / 'py.db'}", compiled, data, "python")
    got = _saved(store_url, compiled, data, "postgres")
    assert got == ref
    assert [total for _f, total, _l in got] == [100, 1030]
    assert [ln[:3] for ln in got[1][2]] == [("ann", 1, "commission"), ("ann", 2, "override"),
                                             ("mia", 1, "commission"), ("mia", 2, "override")]



@pytest.mark.parametrize("extra", [[], ["--jsonl"], ["--save"]], ids=["run", "jsonl", "save"])
def test_issue13_settled_plan_lines_csv_as_duckdb_writes_it(tmp_path, extra, monkeypatch):
    """`run --engine postgres` makes lines.csv in the server, each group of payees' part
    merged (settle.py), or with --jsonl from the lines a payee at a time: the same bytes
    as `--engine duckdb` for 2026-03b (ann's D2 200.00, mia's 800.00 + 30.00)."""
    from click.testing import CliRunner
    from compplan.cli.main import cli
    monkeypatch.delenv("COMPPLAN_PG_DSN", raising=False)
    (tmp_path / "payroll.yaml").write_text(frequency.PLAN)
    data = frequency.march_data(tmp_path)
    out = {}
    for engine in ("duckdb", "postgres"):
        more = extra + (["--db", f"sqlite:///{tmp_path / (engine + '.db')}"]
                        if "--save" in extra else [])
        if engine == "duckdb" and "--save" in extra:
            more = ["--save", "--db", f"sqlite:///{tmp_path / 'duckdb.db'}"]
        if engine == "duckdb" and "--jsonl" in extra:
            more = []  # lines.csv is the same with or without lines.jsonl
        r = CliRunner().invoke(cli, ["run", str(tmp_path / "payroll.yaml"), "--data",
                                     str(data), "--period", "2026-03b", "--engine", engine,
                                     "--out", str(tmp_path / engine), "-q", *more],
                               catch_exceptions=False)
        assert r.exit_code == 0, r.output
        [folder] = (tmp_path / engine).glob("*/2026-03b")
        out[engine] = folder
    pg = (out["postgres"] / "lines.csv").read_bytes()
    assert pg == (out["duckdb"] / "lines.csv").read_bytes()
    assert b"\r\nmia,1,commission,bonus,800.00,800,\"8,000.00 x 10% = 800.00\"" in pg
    assert (out["postgres"] / "payees.csv").read_bytes() == \
        (out["duckdb"] / "payees.csv").read_bytes()
    if "--jsonl" in extra:
        assert len((out["postgres"] / "lines.jsonl").read_text().splitlines()) == \
            len(pg.splitlines()) - 1
