"""Issue 12 (wall12): lines.csv's texts are made before the COPY's sort, not after it.

The COPY numbers the lines with a streaming row_number() over the sorted rows
(run.numbered_lines); DuckDB runs that window, and everything above it in the plan, on
one thread. The cells' texts (exact values and running bases without trailing zeros,
cells made safe for spreadsheets, the rounding note) were made above it, so one core
made them while the other waited (at 1M deals 3.3 of the COPY's 4 CPU-s on one
thread). Now they are made in the sort's input, on every core: above the window only
column references are left. The file is the same, byte for byte (the yardstick and
numbering tests hold it to the Python engine's).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine.sql import run as sql_run

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def _above_window(node: dict) -> list[dict] | None:
    """The operators above the first STREAMING_WINDOW (its parents), or None."""
    if node.get("name") == "STREAMING_WINDOW":
        return []
    for child in node.get("children", []):
        found = _above_window(child)
        if found is not None:
            return [node] + found
    return None


def test_issue12_copy_makes_texts_below_the_streaming_window(tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate(data, 30, 600)
    queries, plans = [], []
    real_query, real_result = sql_run.lines_query, sql_run._result
    monkeypatch.setattr(sql_run, "lines_query",
                        lambda *a, **k: queries.append(real_query(*a, **k)) or queries[-1])

    def result(compiled, con, *a, **k):  # after the COPY, the connection still open
        plans.append(con.execute(f"EXPLAIN (FORMAT json) {queries[-1]}").fetchall()[0][1])
        return real_result(compiled, con, *a, **k)
    monkeypatch.setattr(sql_run, "_result", result)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["run", str(ROOT / "bench/plans/ae_scale.yaml"), "--data",
                                 str(data), "--period", "2026-Q1", "--out", str(out),
                                 "--engine", "duckdb", "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert len(plans) == 1
    above = None
    for root in json.loads(plans[0]):
        above = _above_window(root)
        if above is not None:
            break
    assert above is not None, "the COPY numbers its lines with a streaming window"
    texts = json.dumps([n.get("extra_info", {}) for n in above])
    # nothing above the window works a text out: no cast to text, no trimming of
    # zeros, no spreadsheet guard (chr(39)), no CASE
    for made in ("CAST(", "regexp_replace", "chr(39)", "CASE", "concat_ws"):
        assert made not in texts, f"{made} is made above the streaming window: {texts}"
    (lines,) = out.glob("*/*/lines.csv")
    head, first = lines.read_bytes().decode().split("\r\n")[:2]
    assert head.startswith("payee,line,component,kind,amount,exact,formula")
    assert first.split(",")[1] == "1"
