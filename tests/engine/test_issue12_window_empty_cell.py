"""Regression (found by issue 12's differential test once ytd() ran on the SQL engine):
a plan with a window in time (ytd(), trailing() ...) whose one-row-per-payee input has
an empty cell crashed the Python engine with KeyError 'kpis@ytd': the empty-cell warning
looked up the window's rows ('kpis@ytd') as an input. The period's row says it, once,
on every engine installed here (issue 13: the `engine` fixture, tests/engines.py)."""
from pathlib import Path

from compplan.engine import load_plan, parse_period
from compplan.engine.data import load_folder
from engines import run_tables

ROOT = Path(__file__).resolve().parents[2]


def test_issue12_a_window_beside_an_empty_kpi_cell_runs_and_warns_once(tmp_path, engine):
    text = (ROOT / "plans" / "ae.yaml").read_text(encoding="utf-8").replace(
        "measures:\n", "measures:\n  ytd_booked: {value: ytd(sum(bookings))}\n", 1)
    (tmp_path / "ae.yaml").write_text(text, encoding="utf-8")
    compiled = load_plan(tmp_path / "ae.yaml")
    tables = load_folder(compiled.plan, ROOT / "plans" / "data" / "ae", [])
    result = run_tables(engine)(compiled, tables, parse_period("2026-Q1"))
    by = {pr.payee: pr for pr in result.payees}
    # eli's kpis row for 2026-Q1 has no csat; her deals in the quarter: 35,000.00, which
    # is also her year to date (the sample's data start in January)
    assert by["eli"].warnings == ["kpis.csat is empty for 2026-Q1: missing"]
    assert by["eli"].measures["ytd_booked"] == "35,000.00"
    assert all(not pr.warnings for pid, pr in by.items() if pid != "eli")
