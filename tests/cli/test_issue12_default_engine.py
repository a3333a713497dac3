"""Issue 12: `compplan run` works a plan out as SQL in embedded DuckDB by default for
data of 5 MB or more (COMPPLAN_SQL_FROM; 0 here, so that the small samples take it),
and on the Python engine where the SQL engine does not run the plan yet or the data is
small, saying why.

Every sample plan is run three ways (default, --engine python, --engine duckdb where it
runs): the same pay to the cent in payees.csv, and the same lines in lines.csv, value
by value. Before this, `run --engine duckdb` on cs.yaml (no rate table with tiers) failed
writing lines.csv: its lines' tier column was a NULL text, not a list.
"""
from __future__ import annotations

import csv
import json
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan
from compplan.engine.periods import parse_period
from compplan.engine.sql.choose import choose_engine
from compplan.engine.sql.cover import refusals
from test_sql_engine_commands import refused_sdr

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())["samples"]


def _run(tmp_path: Path, sample: dict, *extra: str):
    out = tmp_path / "-".join(extra or ("default",)).strip("-")
    r = CliRunner().invoke(cli, ["run", str(ROOT / "plans" / sample["plan"]), "--data",
                                 str(ROOT / "plans" / sample["data"]), "--period",
                                 sample["period"], "--out", str(out), *extra],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output, next(out.glob("*/*"))


def _rows(folder: Path, name: str) -> list[dict]:
    with (folder / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


_NUMBER = re.compile(r"(?<![\d,])-?\d+\.\d+(?![\d,])")


def _values(rows: list[dict]) -> list[dict]:
    """Each line's cells with every plain decimal number written without the trailing
    zeros of its scale: the Python engine writes 5000.0 and 150.000 where the SQL engine
    writes 5000 and 150, the same values (in exact, inputs, tiers and rounding; the
    formula's money, 4,000.00, is the same text on both)."""
    def trim(m: re.Match) -> str:
        return m.group(0).rstrip("0").rstrip(".")
    return [{k: _NUMBER.sub(trim, v) for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_issue12_run_picks_duckdb_where_it_runs_the_plan_same_pay(tmp_path, sample,
                                                                  monkeypatch):
    monkeypatch.setenv("COMPPLAN_SQL_FROM", "0")
    compiled = load_plan(ROOT / "plans" / sample["plan"])
    refused = refusals(compiled)
    said, default = _run(tmp_path, sample)
    _, python = _run(tmp_path, sample, "--engine", "python")
    head = said.splitlines()[0]
    if refused:
        # e.g. "engine python (SQL engine does not run pools yet (plans/x.yaml:73:5))"
        # (every sample runs on the SQL engine since issue 12's per-unit tiers, pools
        # and subtotals; test_issue12_json_output_names_the_engine_and_why has a plan
        # it refuses)
        first = refused[0]
        assert head.endswith(f", engine python ({first.message.removeprefix('the ')} "
                             f"({first.file}:{first.line}:{first.col}"
                             + (f" and {len(refused) - 1} more" if len(refused) > 1 else "")
                             + "))"), head
    else:
        assert head.endswith(", engine duckdb"), head
    assert _rows(default, "payees.csv") == _rows(python, "payees.csv")
    assert _values(_rows(default, "lines.csv")) == _values(_rows(python, "lines.csv"))


def test_issue12_cs_plan_without_tiers_writes_lines_csv_on_duckdb(tmp_path):
    """cs.yaml pays no tiered line: its lines.csv has an empty tiers cell on every line
    and the same 21 lines as the Python engine (43,550.00 in all, tests/engine)."""
    sample = next(s for s in SAMPLES if s["plan"] == "cs.yaml")
    said, folder = _run(tmp_path, sample, "--engine", "duckdb")
    rows = _rows(folder, "lines.csv")
    assert len(rows) == 21 and all(r["tiers"] == "" for r in rows)
    assert sum(D(r["amount"]) for r in rows) == D("43550.00")


def test_issue12_empty_cells_are_bare_as_the_python_engine_writes_them(tmp_path):
    """An empty cell is `,,` on both engines, not a quoted `""` on one of them."""
    sample = next(s for s in SAMPLES if s["plan"] == "ae.yaml")
    _, folder = _run(tmp_path, sample, "--engine", "duckdb")
    first = (folder / "lines.csv").read_text().splitlines()[1]
    assert '""' not in first and first.endswith(",")


def test_issue12_data_the_sql_engine_cannot_hold_falls_back_to_python(tmp_path,
                                                                      monkeypatch):
    """An amount with 17 decimal places is beyond the arithmetic rule's 16 in SQL: by
    default the run goes to the Python engine and says why; asked for DuckDB by name,
    it is refused at the file and column, and nothing is written."""
    import shutil
    monkeypatch.setenv("COMPPLAN_SQL_FROM", "0")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "ae", data)
    rows = (data / "deals.csv").read_text().splitlines()
    head = rows[0].split(",")
    cells = rows[1].split(",")
    cells[head.index("amount")] = "60000.00000000000000001"
    rows[1] = ",".join(cells)
    (data / "deals.csv").write_text("\n".join(rows) + "\n")
    sample = {"plan": "ae.yaml", "data": str(data), "period": "2026-Q1"}
    said, _ = _run(tmp_path, sample)
    assert ", engine python (SQL engine does not run amounts with more than 16 decimal " \
        "places (" in said.splitlines()[0]
    r = CliRunner().invoke(cli, ["run", str(ROOT / "plans" / "ae.yaml"), "--data", str(data),
                                 "--period", "2026-Q1", "--out", str(tmp_path / "dk"),
                                 "--engine", "duckdb"], catch_exceptions=False)
    assert r.exit_code == 1
    assert "error: the SQL engine does not run amounts with more than 16 decimal places" \
        in r.output and "column amount" in r.output
    assert not (tmp_path / "dk").exists() or not list((tmp_path / "dk").rglob("*.csv"))


def test_issue12_small_data_runs_on_the_python_engine_and_says_so(tmp_path, monkeypatch):
    """ae's sample data is 2 KB: below 5 MB the Python engine is quicker (DuckDB binds a
    plan's statements in seconds), so `run` takes it and says why; from the threshold
    (here set to 1,000 bytes) the same folder goes to DuckDB."""
    ae = next(s for s in SAMPLES if s["plan"] == "ae.yaml")
    said, _ = _run(tmp_path, ae)
    assert said.splitlines()[0].endswith(
        ", engine python (small data, 2 KB: DuckDB from 5.0 MB, or with --engine duckdb)")
    monkeypatch.setenv("COMPPLAN_SQL_FROM", "1000")
    said, _ = _run(tmp_path, ae, "--table")
    assert said.splitlines()[0].endswith(", engine duckdb")


def test_issue12_json_output_names_the_engine_and_why(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPPLAN_SQL_FROM", "0")
    plan, at = refused_sdr(tmp_path)  # not on the SQL engine yet
    said, _ = _run(tmp_path, {"plan": str(plan), "data": "data/sdr", "period": "2026-03"},
                   "--format", "json")
    out = json.loads(said)
    choice = choose_engine(load_plan(plan), parse_period("2026-03"), "auto",
                           ROOT / "plans" / "data" / "sdr")
    assert out["engine"] == choice.engine == "python"
    assert out["engine_why"] == choice.why
    assert f"SQL engine does not run rate() in a row's rule yet ({plan}:{at})" in choice.why
