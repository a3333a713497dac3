"""`run --save` at scale (issue 12 item 4), the two decisions that made it cheaper, on
SQLite and PostgreSQL:

- SQLite: the paid-run guard trigger (migration 0004's line_items_no_insert) is dropped
  and made again inside the save's own transaction (store/bulk.py guard_lifted). It is
  there after a save and after a failed one, and a paid run's lines are still refused.
- The results fingerprint of a duckdb save is made from the rows as they pass to the
  store (store/bulk.py hashed; PostgreSQL, where the rows never reach Python, from
  DuckDB's texts), and equals what `verify` works out from the stored lines and what
  a save on the Python engine records: on every sample plan, and on a generated run.
"""
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.diff.verify import verify  # noqa: E402
from compplan.engine import load_plan, parse_period, run_plan  # noqa: E402
from compplan.engine.data import load_folder  # noqa: E402
from compplan.store import bulk, lifecycle  # noqa: E402
from compplan.store.models import LineItem, Run  # noqa: E402
from tamper_helpers import sql  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
EVERY = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402

PAID_LINE = ("INSERT INTO line_items (run_id, payee, number, component, kind, amount, exact, "
             "formula, rule, sources, inputs, tiers, rounding, note, key) VALUES ({run}, "
             "'ann', 99, 'c', 'credit', '1', '1', '', '', '[]', '{{}}', '[]', '', '', 'k')")


def _guard(store) -> str | None:
    """The paid-run guard on line_items as the store has it (its SQL on SQLite; on
    PostgreSQL the row trigger's name: that guard is never lifted)."""
    with store.engine.connect() as c:
        if store.dialect == "postgresql":
            return c.execute(text("SELECT tgname FROM pg_trigger WHERE tgname = "
                                  "'line_items_guard' AND NOT tgisinternal")).scalar()
        return c.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                              "name = 'line_items_no_insert'")).scalar()


def _ae(store):
    return lifecycle.save_run(store, load_plan(PLANS / "ae.yaml"), PLANS / "data" / "ae",
                              "2026-Q1", "fin", engine="duckdb")


def test_issue12_the_paid_run_guard_is_there_after_a_save_and_still_refuses(store):
    before = _guard(store)
    assert before  # migration 0004 made it
    saved = _ae(store)
    assert _guard(store) == before  # the same trigger, word for word
    lifecycle.approve(store, saved.run.id, "ctl")
    lifecycle.mark_paid(store, saved.run.id, "ctl")
    with pytest.raises(Exception, match="never changed"):
        sql(store, PAID_LINE.format(run=saved.run.id))
    # and the save's own path refuses lines under a paid run, the guard's refusal
    import duckdb
    con = duckdb.connect()
    con.execute("CREATE TABLE lines AS SELECT 1 AS line, 'ann' AS payee, 'c' AS component, "
                "'credit' AS kind, 1.00::DECIMAL(38,2) AS amount, 1::DECIMAL(38,16) AS exact, "
                "'' AS rule, 'deals:X' AS source, NULL::DATE AS date, NULL AS via, "
                "NULL::DECIMAL(38,16) AS run_before, NULL::DECIMAL(38,16) AS run_after, "
                "NULL AS rounding_note, NULL AS split_source, NULL AS credit_note, "
                "[]::STRUCT(tier INTEGER, amount DECIMAL(38,16), rate DECIMAL(38,16), "
                "pays DECIMAL(38,16))[] AS tiers")
    with store.session() as s:
        with pytest.raises(Exception, match="never changed"):
            bulk.store_lines(s, saved.run.id, con, load_plan(PLANS / "ae.yaml"), {})
        s.rollback()
    with store.session() as s:  # ae's 25 lines (tests/store/test_issue12_bulk_save.py)
        assert s.query(LineItem).filter_by(run_id=saved.run.id).count() == 25
    assert _guard(store) == before


def test_issue12_a_failed_save_leaves_the_guard_and_the_earlier_draft(store, monkeypatch):
    first = _ae(store)
    before = _guard(store)
    import compplan.engine.sql.run as sqlrun
    real = sqlrun.line_batches
    down = []

    def failing(con, compiled, run_id=None, size=20_000):
        for i, batch in enumerate(real(con, compiled, run_id, size=10)):
            if i == 1:  # the first batch is in line_items by now, under the lifted guard
                raise RuntimeError("the disk went away")
            yield batch
    monkeypatch.setattr(sqlrun, "line_batches", failing)
    real_chunks = bulk.file_chunks

    def failing_chunks(path):  # PostgreSQL: the COPY fails after its first chunk
        yield from list(real_chunks(path))[:1]
        raise RuntimeError("the disk went away")
    monkeypatch.setattr(bulk, "file_chunks", failing_chunks)
    real_lifted = bulk.guard_lifted

    def watched(dbapi, run_id):
        cm = real_lifted(dbapi, run_id)

        class Spy:
            def __enter__(self):
                cm.__enter__()
                # inside the save's transaction the trigger is gone
                down.append(dbapi.execute("SELECT count(*) FROM sqlite_master WHERE name = "
                                          "'line_items_no_insert'").fetchone()[0])

            def __exit__(self, *exc):
                return cm.__exit__(*exc)
        return Spy()
    monkeypatch.setattr(bulk, "guard_lifted", watched)
    with pytest.raises(RuntimeError, match="the disk went away"):
        _ae(store)
    if store.dialect == "sqlite":
        assert down == [0]
    else:
        assert down == []  # PostgreSQL's COPY: no batches, no guard lifted
    assert _guard(store) == before
    with store.session() as s:  # nothing of the failed save: the first draft as it was
        runs = s.query(Run).all()
        assert [(r.id, r.status) for r in runs] == [(first.run.id, "draft")]
        assert s.query(LineItem).count() == 25
    if store.dialect == "sqlite":  # and the guard works: pay the draft, then try
        lifecycle.approve(store, first.run.id, "ctl")
        lifecycle.mark_paid(store, first.run.id, "ctl")
        with pytest.raises(Exception, match="never changed"):
            sql(store, PAID_LINE.format(run=first.run.id))


def _python_fingerprint(compiled, data: Path, period: str) -> str:
    tables = load_folder(compiled.plan, data, [])
    result = run_plan(compiled, tables, parse_period(period))
    return lifecycle.fingerprint_result(result)


@pytest.mark.parametrize("entry", EVERY, ids=[e["plan"] for e in EVERY])
def test_issue12_a_duckdb_saves_fingerprint_is_verifys(store, entry, monkeypatch):
    """The fingerprint hashed from the rows on their way (here in batches of 3, so that
    a payee's lines cross batches) is the one verify works out from the stored lines,
    the one the query over DuckDB's lines gives (bulk.line_hashers, the way before), and
    the one a save on the Python engine records."""
    monkeypatch.setattr(bulk, "BATCH", 3)
    compiled = load_plan(PLANS / entry["plan"])
    data, period = PLANS / entry["data"], str(entry["period"])
    queried = {}
    real_store_lines = bulk.store_lines

    def also_queried(session, run_id, con, compiled_, hashers=None):
        n = real_store_lines(session, run_id, con, compiled_, hashers)
        queried.update(bulk.line_hashers(con, compiled_))
        assert {p: h.hexdigest() for p, h in hashers.items()} == \
            {p: h.hexdigest() for p, h in queried.items() if p in hashers}
        return n
    monkeypatch.setattr(bulk, "store_lines", also_queried)
    dk = lifecycle.save_run(store, compiled, data, period, "fin", engine="duckdb").run
    assert queried and dk.lines > 0
    with store.session() as s:
        v = verify(s, dk.id)
    assert v.fingerprint_ok, v.differences
    py = lifecycle.save_run(store, compiled, data, period, "fin").run
    assert py.fingerprint == dk.fingerprint == _python_fingerprint(compiled, data, period)
    with store.session() as s:
        assert verify(s, py.id).fingerprint_ok


def test_issue12_a_generated_runs_fingerprint_is_the_same_by_either_engine(store, tmp_path,
                                                                          monkeypatch):
    """The benchmark's plan on 60 payees and 2,000 generated deals, hashed in batches of
    7 rows: the duckdb save records the Python engine's fingerprint, and verify agrees."""
    monkeypatch.setattr(bulk, "BATCH", 7)
    data = tmp_path / "data"
    generate(data, 60, 2000)
    compiled = load_plan(ROOT / "bench" / "plans" / "ae_scale.yaml")
    dk = lifecycle.save_run(store, compiled, data, "2026-Q1", "fin", engine="duckdb").run
    assert dk.lines > 2000
    assert dk.fingerprint == _python_fingerprint(compiled, data, "2026-Q1")
    with store.session() as s:
        v = verify(s, dk.id)
    assert v.fingerprint_ok and v.identical
