"""`run --save` on the duckdb engine writes lines.csv on a second DuckDB connection
while the store takes the lines (engine/sql/run.py _meanwhile, save12): what must hold
when either side fails, and that the file is the one `run` writes.

- the store's `then` failing: its error reaches the caller, the COPY is stopped or
  finished, nothing hangs;
- the COPY failing (lines.csv cannot be written): its error reaches the caller after
  `then` has run, not a file half-written passed off as done;
- both fine: lines.csv byte for byte `run`'s (also held on every sample by
  test_issue12_save_shared.py).
"""
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan, parse_period  # noqa: E402
from compplan.engine.sql.run import run_folder, store_rows_only  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"


def _ae():
    return load_plan(PLANS / "ae.yaml"), PLANS / "data" / "ae", parse_period("2026-Q1")


def test_issue12_a_failing_store_then_is_raised_and_the_copy_waited_for(tmp_path):
    compiled, data, period = _ae()

    @store_rows_only
    def then(con):
        con.execute("SELECT count(*) FROM lines").fetchone()
        raise RuntimeError("the store refused")

    with pytest.raises(RuntimeError, match="the store refused"):
        run_folder(compiled, data, period, tmp_path / "lines.csv", then=then)


def test_issue12_a_failing_copy_is_raised_after_the_store_then(tmp_path):
    compiled, data, period = _ae()
    seen = []

    @store_rows_only
    def then(con):
        seen.append(con.execute("SELECT count(*) FROM lines").fetchone()[0])

    with pytest.raises(Exception, match="(?i)no such file|cannot open|could not|directory"):
        run_folder(compiled, data, period, tmp_path / "missing" / "lines.csv", then=then)
    assert seen and seen[0] > 0  # the store's side ran to its end


def test_issue12_lines_csv_written_meanwhile_is_runs(tmp_path):
    compiled, data, period = _ae()
    rows = []

    @store_rows_only
    def then(con):
        rows.append(con.execute("SELECT count(*) FROM lines").fetchone()[0])

    run_folder(compiled, data, period, tmp_path / "saved.csv", then=then)
    run_folder(compiled, data, period, tmp_path / "run.csv")
    assert (tmp_path / "saved.csv").read_bytes() == (tmp_path / "run.csv").read_bytes()
    # ae's lines (tests/engine/test_plans.py): one row a line, under the header
    assert rows[0] == (tmp_path / "run.csv").read_bytes().count(b"\n") - 1
