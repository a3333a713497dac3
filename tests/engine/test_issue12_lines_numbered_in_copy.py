"""Issue 12 (run12): lines.csv's COPY numbers the lines as it writes them.

Where the lines table is a view read once, the COPY sorts the lines once by payee and
the statement's order and numbers them with a streaming row_number() less the lines of
the payees before (run.numbered_lines), instead of a window and a second sort. The
numbers and the order must be the Python engine's exactly: generated AE data with many
payees (the offsets), many lines each, deals on the same dates (ties broken by key) and
split credits across tier bounds; lines.csv compared byte for byte.
"""
from __future__ import annotations

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


def _lines(tmp_path: Path, data: Path, engine: str) -> bytes:
    out = tmp_path / engine
    r = CliRunner().invoke(cli, ["run", str(ROOT / "bench/plans/ae_scale.yaml"), "--data",
                                 str(data), "--period", "2026-Q1", "--out", str(out),
                                 "--engine", engine, "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (path,) = out.glob("*/*/lines.csv")
    return path.read_bytes()


def test_issue12_copy_numbers_lines_as_the_python_engine(tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate(data, 150, 6000)  # 40 deals a payee over a quarter: dates repeat
    calls = []
    real = sql_run.numbered_lines
    monkeypatch.setattr(sql_run, "numbered_lines", lambda *a: calls.append(a) or real(*a))
    duck = _lines(tmp_path, data, "duckdb")
    assert len(calls) == 1  # the COPY took the numbering path, not the lines window
    assert duck == _lines(tmp_path, data, "python")
    rows = [r.split(b",", 2)[:2] for r in duck.split(b"\r\n")[1:] if r]
    # every payee's lines numbered 1, 2, 3, ... in file order
    last: dict[bytes, int] = {}
    for payee, line in rows:
        assert int(line) == last.get(payee, 0) + 1
        last[payee] = int(line)
    assert len(last) > 100 and len(rows) > 4000
