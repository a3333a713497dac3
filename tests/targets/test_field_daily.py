"""End to end: the field team's daily KPI targets proposed from history, reviewed,
approved, exported and read by plans/field_daily.yaml for April 2026; then a target
changed mid-month, and the run that follows uses the version in force on each day."""
import csv
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import run_files

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "plans" / "data" / "field_daily"
PLAN = str(ROOT / "plans" / "field_daily.yaml")
KPIS = str(ROOT / "plans" / "kpis" / "field.yaml")
SET = ["--set", "field-2026-04"]


@pytest.fixture
def sh(tmp_path):
    run = CliRunner(env={"COMPPLAN_DB": f"sqlite:///{tmp_path / 't.db'}",
                         "COMPPLAN_USER": "planner"})

    def ok(*args):
        r = run.invoke(cli, ["targets", *args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.output
    ok.run = run
    return ok


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_daily_targets_from_history_to_a_paid_month(sh, tmp_path):
    out = sh("propose", *SET, "--kpis", KPIS, "--history", str(DATA / "history.csv"),
             "--payees", str(DATA / "payees.csv"), "--calendar", str(DATA / "calendar.yaml"),
             "--period", "2026-04", "--per", "day", "--growth", "8%", "--growth",
             "coverage=0%", "--growth", "lppc=5%", "--ramp", "25,50,75,100")
    # 4 daily KPIs x (24 North days + 3 x 25 days) = 396, and 3 monthly KPIs x 4 = 12
    assert "408 targets proposed" in out

    listed = sh("list", *SET, "--who", "rita", "--kpi", "revenue")
    # April 2025 revenue 9,500.00 grown 8% = 10,260.00, over North's 24 working days
    # (26 Mondays to Saturdays less Good Friday and the North's harvest festival on the
    # 10th) = 427.50 a day
    assert ("2025-04 actual 9,500.00 x (1 + 8%) = 10,260.00; 10,260.00 x 1 / 24 working "
            "days = 427.50") in listed
    assert "2026-04-10" not in listed and "2026-04-03" not in listed
    # ula joined on 16 March: no April 2025, so the others' average
    # (10,260 + 11,880 + 12,960) / 3 = 11,700.00, at 50% in her 2nd month = 5,850.00,
    # over the West's 25 working days = 234.00
    ula = sh("list", *SET, "--who", "ula", "--kpi", "revenue")
    assert ("no history: average of 3 others 11,700.00; x 50% (ramp, month 2 of 4 since "
            "hire on 2026-03-16) = 5,850.00; 5,850.00 x 1 / 25 working days = 234.00") in ula

    review = sh("review", *SET, "--kpis", KPIS, "--history", str(DATA / "history.csv"),
                "--period", "2026-04", "--charts", str(tmp_path / "charts"))
    # March attainment: rita 104%, sid 86%, tom 112%, ula 75% (2,100 of 2,800);
    # at last year's pace (April 2025 actual against the new target) nobody reaches
    # 100%: every target is 8% above it
    assert ("revenue (Revenue), 2026-04: 4 payees, total 40,950.00" in review)
    assert "2026-03 attainment: under 80% 1, 80-90% 1, 100-110% 1, 110-120% 1" in review
    assert "at last year's pace 0 of 3 reach 100% (0%; planners aim for 60-70%, below" \
        in review
    assert "flag ula: no history for 2025-04" in review
    assert (tmp_path / "charts" / "revenue.png").stat().st_size > 1000

    # nothing is approved yet: the plan file has no rows
    sh("export", *SET, "--approved", "--plan", PLAN, "--kpis", KPIS, "--data",
       str(tmp_path / "none"))
    assert _rows(tmp_path / "none" / "daily_targets.csv") == []

    assert "408 targets approved by finance" in sh("approve", *SET, "--as", "finance")
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    for name in ("daily_targets.csv", "month_targets.csv"):
        (data / name).unlink()
    out = sh("export", *SET, "--approved", "--plan", PLAN, "--kpis", KPIS, "--data",
             str(data))
    assert "99 rows of approved targets for input daily_targets" in out
    # what the pipeline writes is what plans/data/field_daily holds
    for name in ("daily_targets.csv", "month_targets.csv"):
        assert (data / name).read_text() == (DATA / name).read_text()

    daily = [r for r in _rows(data / "daily_targets.csv") if r["rep_id"] == "rita"]
    assert len(daily) == 24
    assert sum(D(r["revenue_target"]) for r in daily) == D("10260.00")
    # 108 calls (100 grown 8%) over 24 days: 4.5 a day -> 12 days of 5 and 12 of 4
    assert sum(int(r["pc_target"]) for r in daily) == 108
    assert sorted({r["pc_target"] for r in daily}) == ["4", "5"]

    result = run_files(PLAN, data, "2026-04")
    rita = result.payee("rita")
    # By hand from the data files (checked below) for rita:
    #   coverage 40 outlets / 40 = 100%           1,000 x 20% x 100%      = 200.00
    #   calls 110 / 108 = 101.85%                 1,000 x 20% x 1.018518  = 203.70
    #   lines per call 280 / (110 x 2.52) = 101.01%   1,000 x 10% x 1.0101 = 101.01
    #   new outlets 5 / 4 = 125% -> 120%          1,000 x 15% x 120%      = 180.00
    #   active outlets 33 / 32 = 103.125%         1,000 x 15% x 1.03125   = 154.69
    #   focus lines 60 / 65 = 92.31%              1,000 x 20% x 0.923077  = 184.62
    #   revenue 10,500 of 10,260: 10,260 x 2% + 240 x 3% = 205.20 + 7.20 = 212.40
    #   total 1,236.42
    assert rita.components == {
        "coverage_bonus": D("200.00"), "pc_bonus": D("203.70"), "lppc_bonus": D("101.01"),
        "new_outlet_bonus": D("180.00"), "aso_bonus": D("154.69"), "focus_bonus": D("184.62"),
        "revenue_commission": D("212.40")}
    assert rita.total == D("1236.42")
    lines = [r for r in _rows(data / "order_lines.csv") if r["rep_id"] == "rita"]
    assert sum(D(r["amount"]) for r in lines) == D("10500.00")
    assert len(lines) == 280 and len({r["visit_id"] for r in lines}) == 110
    assert len({r["outlet_id"] for r in lines}) == 33
    assert sum(r["focus"] == "true" for r in lines) == 60
    visits = [r for r in _rows(data / "visits.csv") if r["rep_id"] == "rita"]
    assert len({r["outlet_id"] for r in visits}) == 40
    opened = [r for r in _rows(data / "openings.csv") if r["rep_id"] == "rita"]
    assert sum(D(r["first_order"]) >= 50 for r in opened) == 5
    # every payee: the total of the month as the sample run shows it
    assert result.total == D("4551.66")

    # 21 April: rita's route grows and her coverage target goes from 40 to 46 outlets
    # for the rest of the month. April's target is then the version in force on each
    # day: 20/30 x 40 + 10/30 x 46 = 26.67 + 15.33 = 42 outlets, and coverage
    # 40 / 42 = 95.24% pays 1,000 x 20% x 0.952381 = 190.48 (9.52 less).
    out = sh("change", *SET, "--who", "rita", "--kpi", "coverage", "--period", "2026-04",
             "--value", "46", "--from", "2026-04-21", "--reason", "route R-North extended",
             "--as", "manager")
    target_id = out.split()[1].rstrip(":")
    # proposed only: the export still gives 40
    sh("export", *SET, "--approved", "--plan", PLAN, "--kpis", KPIS, "--data", str(data))
    assert _rows(data / "month_targets.csv")[0]["coverage_target"] == "40"
    sh("approve", *SET, "--id", target_id, "--as", "finance")
    out = sh("export", *SET, "--approved", "--plan", PLAN, "--kpis", KPIS, "--data",
             str(data))
    assert ("changed mid-period, day-weighted: rita coverage 2026-04: 20/30 days x 40 (v1) "
            "+ 10/30 days x 46 (v2 from 2026-04-21) = 42") in out
    assert _rows(data / "month_targets.csv")[0]["coverage_target"] == "42"
    rita = run_files(PLAN, data, "2026-04").payee("rita")
    assert rita.components["coverage_bonus"] == D("190.48")
    assert rita.total == D("1226.90")

    log = CliRunner(env=sh.run.env).invoke(cli, ["audit", "log"]).output
    assert "target.changed" in log and "route R-North extended" in log
    assert log.count("targets.approved") == 2 and "finance" in log


def test_import_reports_every_bad_cell_with_file_row_and_column(sh, tmp_path):
    sheet = tmp_path / "bottom_up.csv"
    sheet.write_text("who,kpi,period,value\n"
                     "rita,revenue,2026-04,10000\n"
                     "sid,revenu,2026-04,9000\n"
                     "tom,revenue,2026-13,9000\n"
                     "ula,coverage,2026-04,20.5\n"
                     "rita,revenue,2026-04,11000\n"
                     ",revenue,2026-04,1\n")
    r = sh.run.invoke(cli, ["targets", "import", str(sheet), *SET, "--kpis", KPIS])
    assert r.exit_code == 1
    where = str(sheet)
    assert f"{where}:3: error: column kpi: unknown KPI 'revenu'" in r.output
    assert "did you mean 'revenue'?" in r.output
    assert f"{where}:4: error: column period: '2026-13' is not a period" in r.output
    assert (f"{where}:5: error: column value: 20.5 is not a whole number of 1 (coverage is "
            "a count target)") in r.output
    assert f"{where}:6: error: column who: payee revenue" not in r.output
    assert f"{where}:6: error: column who: payee rita revenue 2026-04 is also on row 2" \
        in r.output
    assert f"{where}:7: error: column who: who is empty" in r.output


def test_export_and_import_round_trip_in_xlsx(sh, tmp_path):
    sheet = tmp_path / "in.csv"
    sheet.write_text("who,kpi,period,value,how\nrita,revenue,2026-04,10000.10,by hand\n"
                     "sid,revenue,2026-04,9000,by hand\n")
    assert "2 targets proposed" in sh("import", str(sheet), *SET, "--kpis", KPIS)
    sh("export", *SET, "--out", str(tmp_path / "out.xlsx"))
    assert "0 targets proposed" in sh("import", str(tmp_path / "out.xlsx"), "--set",
                                      "field-2026-04", "--kpis", KPIS)
    r = sh.run.invoke(cli, ["targets", "import", str(tmp_path / "out.xlsx"), "--set",
                            "copy", "--kpis", KPIS])
    assert "2 targets proposed" in r.output
    listed = sh("list", "--set", "copy")
    assert "10,000.10" in listed and "by hand" in listed


def test_reconcile_bottom_up_against_top_down(sh, tmp_path):
    # Top-down: the company's April revenue 40,000 split 20,000 / 20,000 between the
    # teams, and to the reps: rita 9,000, ula 11,000, sid 12,000, tom 8,000.
    # Bottom-up from the managers: rita 9,500, ula 10,000, sid 12,000, tom 10,000.
    #   team-nw: 19,500 - 20,000 = -500 (-2.5%); team-se: 22,000 - 20,000 = +2,000 (10%)
    #   company: 41,500 - 40,000 = +1,500 (3.75%)
    top = tmp_path / "top.csv"
    top.write_text("level,who,kpi,period,value\ncompany,company,revenue,2026-04,40000\n"
                   "team,team-nw,revenue,2026-04,20000\nteam,team-se,revenue,2026-04,20000\n"
                   "payee,rita,revenue,2026-04,9000\npayee,ula,revenue,2026-04,11000\n"
                   "payee,sid,revenue,2026-04,12000\npayee,tom,revenue,2026-04,8000\n")
    bottom = tmp_path / "bottom.csv"
    bottom.write_text("who,kpi,period,value\nrita,revenue,2026-04,9500\n"
                      "ula,revenue,2026-04,10000\nsid,revenue,2026-04,12000\n"
                      "tom,revenue,2026-04,10000\n")
    sh("import", str(top), "--set", "top", "--kpis", KPIS)
    sh("import", str(bottom), "--set", "bottom", "--kpis", KPIS)
    out = sh("reconcile", "--top-down", "top", "--bottom-up", "bottom", "--hierarchy",
             str(DATA / "hierarchy.csv"), "--kpi", "revenue", "--period", "2026-04")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert rows == [
        ["company", "company", "40,000.00", "41,500.00", "1,500.00", "3.75%"],
        ["team-nw", "team", "20,000.00", "19,500.00", "-500.00", "-2.5%"],
        ["rita", "payee", "9,000.00", "9,500.00", "500.00", "5.5556%"],
        ["ula", "payee", "11,000.00", "10,000.00", "-1,000.00", "-9.0909%"],
        ["team-se", "team", "20,000.00", "22,000.00", "2,000.00", "10%"],
        ["sid", "payee", "12,000.00", "12,000.00", "0.00", "0%"],
        ["tom", "payee", "8,000.00", "10,000.00", "2,000.00", "25%"]]
