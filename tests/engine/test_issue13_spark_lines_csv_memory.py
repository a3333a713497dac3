"""Issue 13: lines.csv from Spark's Parquet within the DuckDB memory it is held to,
whatever the size of Spark's row groups.

bench_engines.py's one run of 1 December stopped Spark's 10M-deal run after 37 minutes,
at its last step: DuckDB, held to 1 GB, failed "to allocate data of size 1.0 GiB"
writing lines.csv. DuckDB's ordered COPY on two threads formats each Parquet row group
as a batch in memory, and Spark's row groups (128 MB compressed) held over a million
lines. Here the same at a small scale: AE's lines, 4,000 times over (100,000 lines of
about 1 KB), in one row group, and a DuckDB held to 64 MB.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"
COPIES = 4000
PAD = "=" * 800  # each line's formula made long: lines of about 1 KB, 90 MB in all


def test_issue13_lines_csv_streams_one_big_row_group_in_little_memory(tmp_path, spark):
    from compplan.engine.sql import spark as engine
    compiled = load_plan(PLANS / "ae.yaml")
    first = tmp_path / "first" / "lines.csv"
    first.parent.mkdir()
    engine.run_spark(compiled, PLANS / "data" / "ae", parse_period("2026-Q1"),
                     lines_csv=first)
    with first.open(newline="", encoding="utf-8") as fh:
        one = list(csv.reader(fh))[1:]
    parts = first.parent / "lines.parquet"
    big = tmp_path / "big.parquet"
    prep = duckdb.connect()
    # every payee's lines COPIES times, each copy a payee of its own, in payee and line
    # order, all in one row group
    prep.execute(f"COPY (SELECT * REPLACE (payee || '-' || lpad(CAST(k AS VARCHAR), 4, '0')"
                 f" AS payee, coalesce(formula, '') || '{PAD}' AS formula) "
                 f"FROM read_parquet('{parts}/*.parquet'), range({COPIES}) t(k) "
                 f"ORDER BY payee, line) TO '{big}' (FORMAT parquet, ROW_GROUP_SIZE 100000000)")
    groups = prep.execute(f"SELECT count(DISTINCT row_group_id) FROM "
                          f"parquet_metadata('{big}')").fetchone()[0]
    prep.close()
    assert groups == 1

    duck = duckdb.connect()
    duck.execute("SET memory_limit = '64MB'")
    duck.execute("SET threads = 2")
    duck.execute(f"CREATE TEMP VIEW lines AS SELECT * FROM read_parquet('{big}')")
    out = tmp_path / "lines.csv"
    engine.write_lines_csv(compiled, duck, out)
    assert duck.execute("SELECT current_setting('threads')").fetchone()[0] == 2
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    assert len(rows) == COPIES * len(one)
    # the first copy's lines are the run's own, cell for cell, bar the payee's suffix
    # and the formula's padding
    first_payee = min(r[0] for r in one)
    mine = sorted((r for r in one if r[0] == first_payee), key=lambda r: int(r[1]))
    assert [[r[0] + "-0000"] + r[1:6] + [r[6] + PAD] + r[7:] for r in mine] == \
        rows[:len(mine)]
