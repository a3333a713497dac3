"""`run --engine duckdb --save` on SQLite (issue 12 item 4): Python's cyclic garbage
collector is off while the lines pass from DuckDB into the store (store/bulk.py
collector_paused: about 0.5 CPU-s at a million lines), and on again after, whether the
save succeeds or fails; what is stored does not change (the ae sample's 25 lines)."""
import gc
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan  # noqa: E402
from compplan.store import bulk, lifecycle, open_store  # noqa: E402
from compplan.store.models import LineItem  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"


@pytest.fixture
def sqlite_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'compplan.db'}")
    yield store
    store.close()


def _watching(monkeypatch, fail_after: int | None = None):
    """The collector's state as each batch of rows comes, recorded; optionally a failure
    after that many batches (the batches are 4 lines: ae has 25, so 7 batches)."""
    import compplan.engine.sql.run as sqlrun
    seen: list[bool] = []
    real = sqlrun.line_batches

    def watched(con, compiled, run_id=None, size=20_000):
        for i, batch in enumerate(real(con, compiled, run_id, size=4)):
            if fail_after is not None and i == fail_after:
                raise RuntimeError("the disk is full")
            seen.append(gc.isenabled())
            yield batch
    monkeypatch.setattr(sqlrun, "line_batches", watched)
    monkeypatch.setattr(bulk, "_ahead", lambda batches, depth=2: batches)  # one thread
    return seen


def test_issue12_the_collector_is_off_while_the_lines_go_in_and_on_after(sqlite_store,
                                                                        monkeypatch):
    seen = _watching(monkeypatch)
    assert gc.isenabled()
    saved = lifecycle.save_run(sqlite_store, load_plan(PLANS / "ae.yaml"),
                               PLANS / "data" / "ae", "2026-Q1", "fin", engine="duckdb")
    assert seen == [False] * 7  # 25 lines, 4 a batch: 6 full and 1
    assert gc.isenabled()
    assert saved.run.lines == 25
    with sqlite_store.session() as s:
        assert s.query(LineItem).filter_by(run_id=saved.run.id).count() == 25


def test_issue12_a_failed_save_turns_the_collector_on_again(sqlite_store, monkeypatch):
    seen = _watching(monkeypatch, fail_after=3)
    with pytest.raises(RuntimeError, match="the disk is full"):
        lifecycle.save_run(sqlite_store, load_plan(PLANS / "ae.yaml"), PLANS / "data" / "ae",
                           "2026-Q1", "fin", engine="duckdb")
    assert seen == [False] * 3
    assert gc.isenabled()
    with sqlite_store.session() as s:  # nothing half-written
        assert s.query(LineItem).count() == 0


def test_issue12_the_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        with bulk.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
