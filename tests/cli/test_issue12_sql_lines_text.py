"""Issue 12: lines.csv from the duckdb engine reads as the Python engine's.

The formula column is built in SQL in the same statement as the amount (no Python per
line); it must be the text a reader of a Python run sees, letter for letter: the tier
split with its rates (`40,000.00 x 4% + 30,000.00 x 8% = 4,000.00`), a bonus with its
values filled in (`1000 x min(99 / 90, 1.2) = 1,100.00`), a cap line's wording. The
inputs column names the same values (the SQL engine writes numbers without the trailing
zeros of their column's scale), and payees' warnings (what was not paid, and why) are the
Python engine's.
"""
import csv
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path, plan, data, period, engine):
    out = tmp_path / engine
    r = CliRunner().invoke(cli, ["run", str(ROOT / "plans" / plan), "--data",
                                 str(ROOT / "plans" / "data" / data), "--period", period,
                                 "--out", str(out), "--engine", engine],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (folder,) = [p for p in out.glob("*/*") if (p / "lines.csv").exists()]
    with (folder / "lines.csv").open(encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return lines, results


def _inputs(text: str) -> dict:
    out = {}
    for item in filter(None, text.split("; ")):
        k, v = item.split("=", 1)
        try:
            out[k] = D(v)
        except ArithmeticError:
            out[k] = v
    return out


@pytest.mark.parametrize("plan,data,period", [("ae.yaml", "ae", "2026-Q1"),
                                              ("manager.yaml", "manager", "2026-Q1"),
                                              ("field.yaml", "field", "2026-03"),
                                              # issue 12: per-unit tiers, pools, subtotals
                                              ("sdr.yaml", "sdr", "2026-03"),
                                              ("team_pool.yaml", "team_pool", "2026-Q1"),
                                              ("retail.yaml", "retail", "2026-03")])
def test_issue12_duckdb_lines_csv_reads_as_the_python_engines(tmp_path, plan, data, period):
    py, py_res = _run(tmp_path, plan, data, period, "python")
    dk, dk_res = _run(tmp_path, plan, data, period, "duckdb")
    assert len(dk) == len(py)
    for a, b in zip(py, dk):
        where = f"{a['payee']} line {a['line']}"
        assert b["formula"] == a["formula"], where
        x, y = _inputs(a["inputs"]), _inputs(b["inputs"])
        assert list(x) == list(y), where
        assert x == y, where  # one division rule: the same digits (docs/language.md)
    assert [p.get("warnings") for p in dk_res["payees"]] == \
        [p.get("warnings") for p in py_res["payees"]]


def test_issue12_ae_formulas_worked_by_hand(tmp_path):
    """ann's second deal (70,000 new) crosses 50% of her 200,000 quota after 60,000:
    40,000 at 4% + 30,000 at 8% = 1,600 + 2,400 = 4,000.00; cara's CSAT of 99 pays
    1000 x min(99 / 90, 1.2) = 1,100.00; ben's commission is capped at 250% of his 5,000
    target incentive (12,500.00). eli's CSAT cell is empty: his statement says so."""
    dk, res = _run(tmp_path, "ae.yaml", "ae", "2026-Q1", "duckdb")
    formulas = [r["formula"] for r in dk]
    assert "40,000.00 x 4% + 30,000.00 x 8% = 4,000.00" in formulas
    assert "1000 x min(99 / 90, 1.2) = 1,100.00" in formulas
    assert "Cap reached: commission limited to 250% x 5,000.00 = 12,500.00" in formulas
    eli = next(p for p in res["payees"] if p["payee"] == "eli")
    assert "kpis.csat is empty for 2026-Q1: missing" in eli["warnings"]
