"""Issue 12: the hand-written yardsticks write the same lines.csv as compplan.

The issue's goal (`run` within 1.5x of a hand-written DuckDB query) is measured against
bench/baselines/ae_duckdb.py and ae_polars.py "that write the same columns". They wrote
13 of lines.csv's 16 columns (no inputs, rounding note or note; formulas without
thousands separators; the basis as an amount): less work than compplan does, so the
ratio flattered the yardstick's side. Now each writes compplan's lines.csv for
bench/plans/ae_scale.yaml byte for byte; this test holds them to it, on data with
caps reached, CSAT bonuses with a rounding note, renewals at half credit, deals
crossing several bands and missing KPI values.
"""
from __future__ import annotations

import csv
import os
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
PLAN = "bench/plans/ae_scale.yaml"  # as the baselines name it in each line's rule


def _generate():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate


@pytest.fixture(scope="module")
def compplan_lines(tmp_path_factory) -> tuple[Path, bytes]:
    tmp = tmp_path_factory.mktemp("yardsticks")
    _generate()(tmp / "data", 200, 20000, seed=7)
    out = tmp / "out"
    here = os.getcwd()
    os.chdir(ROOT)  # the rule's FILE is the plan's path as given: bench/plans/...
    try:
        r = CliRunner().invoke(cli, ["run", PLAN, "--data", str(tmp / "data"), "--period",
                                     "2026-Q1", "--out", str(out), "--engine", "duckdb", "-q"],
                               catch_exceptions=False)
    finally:
        os.chdir(here)
    assert r.exit_code == 0, r.output
    return tmp / "data", (out / "ae-scale" / "2026-Q1" / "lines.csv").read_bytes()


@pytest.mark.parametrize("script", ["ae_duckdb.py", "ae_polars.py"])
def test_issue12_yardstick_writes_compplans_lines_csv(tmp_path, compplan_lines, script):
    if script == "ae_polars.py":
        pytest.importorskip("polars")
    data, expected = compplan_lines
    subprocess.run([sys.executable, str(ROOT / "bench" / "baselines" / script), str(data),
                    str(tmp_path)], check=True, cwd=ROOT)
    got = (tmp_path / "lines.csv").read_bytes()
    for i, (a, b) in enumerate(zip(expected.splitlines(True), got.splitlines(True))):
        assert a == b, f"line {i + 1}"
    assert got == expected
    rows = list(csv.DictReader(got.decode().splitlines()))
    kinds = {(r["component"], r["kind"]) for r in rows}
    # what the data must exercise for the comparison to mean something
    assert ("commission", "cap") in kinds and ("csat_bonus", "bonus") in kinds
    assert any(" + " in r["formula"] and r["component"] == "commission" for r in rows)
    assert any(r["rounding"] and r["component"] == "csat_bonus" for r in rows)
    # a commission line worked by hand: 12,791.18 of new business at 4% (below half of
    # quota) = 511.6472, paid 511.65; attainment 12,791.18 / 2,136,175.47 = 0.0059878882515208
    first = rows[0]
    assert first["formula"] == "12,791.18 x 4% = 511.65"
    assert first["inputs"] == "bookings.value=12791.18; amount=12791.18; type=new"
    assert first["rounding"] == "511.6472 -> 511.65 (half up to 0.01)"
    assert first["basis_after"] == "0.0059878882515208"
