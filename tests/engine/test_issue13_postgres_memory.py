"""Issue 13 (done-when 2): `run --engine postgres` does not hold the data in the client.

The folder is read by DuckDB, sent to the server as CSV a megabyte at a time, and the
lines come back a payee at a time from a server-side cursor (engine/sql/postgres.py).
Before, the client held every input row and every line as Python objects: at 1M deals
4.5 GB, at 200k deals 957 MB against 201 MB at 20k (756 MB more for 180k more deals).
Now 173 MB and 239 MB (measured on this 2-core machine). The test runs the command in
a fresh process at 20k and at 200k deals and holds the growth of its peak to a third of
what keeping the rows took; no timing is asserted.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engines import postgres_unavailable  # noqa: E402

NO_SERVER = postgres_unavailable()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")
ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "bench" / "plans" / "ae_scale.yaml"
# the peak of a child process, measured in a process of its own (RUSAGE_CHILDREN is the
# most any child of that process took: the test's own children would count otherwise)
PEAK = """
import json, resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr[-2000:],
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _generate(folder: Path, payees: int, deals: int) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate  # bench/generate.py: seeded AE data at any size
    generate(folder, payees, deals)
    return folder


def _run(data: Path, out: Path) -> dict:
    cmd = [sys.executable, str(ROOT / "cli.py"), "run", str(PLAN), "--data", str(data),
           "--period", "2026-Q1", "--out", str(out), "--engine", "postgres", "--format",
           "json"]
    r = subprocess.run([sys.executable, "-c", PEAK, *cmd], capture_output=True, text=True,
                       cwd=ROOT, check=True)
    got = json.loads(r.stdout)
    assert got["rc"] == 0, got["err"]
    got["result"] = json.loads(got["out"])
    return got


def test_issue13_postgres_client_peak_stays_flat_as_deals_grow(tmp_path):
    small = _run(_generate(tmp_path / "d20k", 200, 20_000), tmp_path / "out20k")
    big = _run(_generate(tmp_path / "d200k", 2_000, 200_000), tmp_path / "out200k")
    # every deal is credited (a line each, at least) and lines.csv has every line
    lines_csv = tmp_path / "out200k" / "ae-scale" / "2026-Q1" / "lines.csv"
    with lines_csv.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1
    assert big["result"]["lines"] == rows >= 200_000
    assert big["result"]["payees"] == 2_000
    # holding the rows took 756 MB more at 200k than at 20k; streaming them, 66 MB
    growth = big["peak_mb"] - small["peak_mb"]
    assert growth < 250, (small["peak_mb"], big["peak_mb"])


def test_issue13_postgres_bad_value_in_a_big_file_is_named_as_validate_names_it(tmp_path):
    """A bad cell deep in a file DuckDB would read: the Python reader reads the folder
    instead and names it at FILE:ROW, in `validate`'s words."""
    data = _generate(tmp_path / "d", 200, 20_000)
    deals = data / "deals.csv"
    rows = deals.read_text().splitlines(keepends=True)
    cells = rows[12_344].split(",")  # row 12,345 of the file (the header is row 1)
    cells[3] = "12x"
    rows[12_344] = ",".join(cells)
    deals.write_text("".join(rows))
    run = subprocess.run([sys.executable, str(ROOT / "cli.py"), "run", str(PLAN), "--data",
                          str(data), "--period", "2026-Q1", "--out", str(tmp_path / "out"),
                          "--engine", "postgres"], capture_output=True, text=True, cwd=ROOT)
    check = subprocess.run([sys.executable, str(ROOT / "cli.py"), "validate", str(PLAN),
                            "--data", str(data), "--period", "2026-Q1"],
                           capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1 and check.returncode == 1
    said = [ln for ln in run.stderr.splitlines() if ": error: " in ln]
    assert said == [f"{deals}:12345: error: column amount: '12x' is not an amount; "
                    "expected something like 1250.00"]
    assert said[0] in check.stdout.splitlines()
    assert not (tmp_path / "out").exists()  # nothing written
