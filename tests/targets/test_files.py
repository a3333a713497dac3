"""Calendar and KPI catalogue files: problems with file, line and column."""
from compplan.engine import load_plan
from compplan.targets.calendar import load_calendar
from compplan.targets.kpis import check_against_plan, load_catalogue

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_catalogue_matches_the_daily_plan():
    cat, problems = load_catalogue(ROOT / "plans" / "kpis" / "field.yaml")
    assert problems == []
    assert list(cat.kpis) == ["revenue", "coverage", "productive_calls", "lppc",
                              "new_outlets", "aso", "focus_lines"]
    assert not cat.kpis["lppc"].adds_up and not cat.kpis["lppc"].ramps
    assert check_against_plan(cat, load_plan(ROOT / "plans" / "field_daily.yaml")) == []
    # the monthly field plan has no productive-call measure nor its target column
    problems = check_against_plan(cat, load_plan(ROOT / "plans" / "field.yaml"))
    assert any("has no measure 'productive_calls'" in p.message for p in problems)


def test_a_bad_catalogue_is_reported_where_it_is_wrong(tmp_path):
    path = tmp_path / "kpis.yaml"
    path.write_text("kpis:\n  revenue:\n    unit: dollars\n    measure: revenue\n"
                    "    target: revenue_target\n  calls:\n    unit: count\n"
                    "    measure: calls\n    taget: pc_target\n")
    _, problems = load_catalogue(path)
    got = [(p.line, p.col, p.message) for p in problems]
    assert (3, 11, "unit 'dollars' of KPI revenue is not one of money, count, ratio, "
            "number") in got
    assert (9, 5, "unknown key 'taget' in KPI calls") in got
    assert any(m.startswith("KPI calls needs 'target:'") for _, _, m in got)


def test_a_bad_calendar_is_reported_where_it_is_wrong(tmp_path):
    path = tmp_path / "cal.yaml"
    path.write_text("workdays: [mon, tue, funday]\nholidays:\n  all:\n    2026-02-30: x\n")
    cal, problems = load_calendar(path)
    got = [(p.line, p.col, p.message) for p in problems]
    assert got[0][:2] == (1, 11) and "funday" in got[0][2]
    assert (4, 5, "'2026-02-30' is not a date") in got
