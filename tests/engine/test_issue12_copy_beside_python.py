"""Issue 12 (wall12): `compplan run` writes payees.csv and results.json while DuckDB's
COPY is still writing lines.csv (engine/sql/background.py).

Python's writing (one core) and the COPY's last, one-threaded stretch ran one after
the other; now they run side by side. What must hold: the same files as before (the
yardstick and parity tests compare them byte for byte), the COPY really running in
its own thread while the payees' files are written, and a COPY that fails failing the
run with nothing left in the output folder (the files appear together or not at all).
"""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import duckdb
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import results
from compplan.engine.sql import run as sql_run

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


def _run(data: Path, out: Path):
    return CliRunner().invoke(cli, ["run", str(ROOT / "bench/plans/ae_scale.yaml"), "--data",
                                    str(data), "--period", "2026-Q1", "--out", str(out),
                                    "--engine", "duckdb", "-q"])


def test_issue12_payees_files_are_written_beside_the_copy(tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate(data, 40, 2000)
    seen = []
    real_dumps = results.json.dumps

    def dumps(*a, **k):  # results.json is made while the COPY's thread still lives
        seen.append(any(t.name == "compplan-copy" for t in threading.enumerate()))
        return real_dumps(*a, **k)
    started = threading.Event()
    release = threading.Event()
    real_execute = sql_run.background.Copying._run

    def slow_copy(self):  # the COPY holds on until results.json has been made
        started.set()
        release.wait(30)
        real_execute(self)
    monkeypatch.setattr(sql_run.background.Copying, "_run", slow_copy)
    real_close = results.ResultWriter.close

    def close(self, result, lines_ready=None):
        def ready():
            release.set()  # results.json and payees.csv are written: let the COPY go
            lines_ready()
        return real_close(self, result, ready if lines_ready else None)
    monkeypatch.setattr(results.ResultWriter, "close", close)
    monkeypatch.setattr(results.json, "dumps", dumps)
    r = _run(data, tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert started.is_set()
    assert seen == [True]
    (folder,) = (tmp_path / "out").glob("*/*")
    assert sorted(p.name for p in folder.iterdir()) == ["lines.csv", "payees.csv",
                                                        "results.json"]
    lines = (folder / "lines.csv").read_bytes().split(b"\r\n")
    assert lines[0].startswith(b"payee,line,") and len(lines) > 2000
    assert not any(t.name == "compplan-copy" for t in threading.enumerate())


def test_issue12_a_copy_that_fails_fails_the_run_and_leaves_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    generate(data, 10, 200)
    monkeypatch.setattr(sql_run, "lines_query",
                        lambda *a, **k: "SELECT error('the COPY failed') AS payee")
    out = tmp_path / "out"
    r = _run(data, out)
    assert r.exit_code != 0
    assert isinstance(r.exception, duckdb.Error) and "the COPY failed" in str(r.exception)
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))
    assert not any(t.name == "compplan-copy" for t in threading.enumerate())
