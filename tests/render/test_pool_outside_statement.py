"""A manager in no team: their statement neither lists the team pool at 0.00 nor says
"Please check" over it (the manager sample, plans/manager.yaml).

The sample's managers are in no team by design (`missing: null`, team empty), and the
pool's `members` takes reps only. Before, every manager's statement listed "Team pool
0 0.00", "Team booked: missing" and a red "Please check ... Your comp team has been
told" over the run's warning "team_pool: payee max has no team; no share of a pool".

Worked by hand (the sample's own comment): max's team books 140,000 + 80,000 + 90,000
= 310,000 on a 300,000 quota: 300,000 x 1% + 10,000 x 2% = 3,200.00; override 5% x
19,800 of the reps' commission = 990.00; max is paid 4,190.00. ana, a rep in team
north, shares its pool of 2% x 310,000 = 6,200.00 by bookings: 6,200 x 140,000 /
310,000 = 2,800.00.
"""
from __future__ import annotations

import html as html_mod
import json
import re

from click.testing import CliRunner

from compplan.cli.main import cli

from .conftest import ROOT


def _page_text(path) -> str:
    t = path.read_text()
    t = re.sub(r"<style.*?</style>|<script.*?</script>", "", t, flags=re.S)
    return html_mod.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t)))


def _statements(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    r = runner.invoke(cli, ["run", str(ROOT / "plans" / "manager.yaml"), "--data",
                            str(ROOT / "plans" / "data" / "manager"), "--period", "2026-Q1",
                            "--save", "--out", "out", "--engine", "python"],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["statements", "1", "--out", "st", "-q", "--no-curve",
                            "--format", "html", "--format", "json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return tmp_path / "st"


def test_a_manager_in_no_team_has_no_pool_line_and_no_please_check(tmp_path, monkeypatch):
    st = _statements(tmp_path, monkeypatch)
    page = _page_text(st / "max" / "team-2026-2026-Q1-max.html")
    summary = page[page.index("Summary"):page.index("Figures")]
    assert summary == ("Summary Component Lines Amount (USD) Manager commission on team "
                       "bookings 1 3,200.00 Manager override 1 990.00 Total 4,190.00 "
                       "Progress Attainment: 103.33% ")
    figures = page[page.index("Figures"):page.index("Lines", page.index("Figures"))]
    assert figures == ("Figures Booked (own deals, or the team's for a manager) 310,000.00 "
                       "Attainment 103.33% ")
    assert "Please check" not in page and "has no team" not in page
    # the auditor's section still shows every figure the run worked out
    assert "team_booked = missing" in page
    # the JSON keeps every component, as for the rep commission a manager is not paid
    data = json.loads((st / "max" / "team-2026-2026-Q1-max.json").read_text())
    assert {c["component"]: c["amount"] for c in data["components"]}["team_pool"] == "0"
    assert data["total"] == "4190.00"


def test_a_rep_in_a_team_still_sees_the_pool_and_the_teams_figure(tmp_path, monkeypatch):
    st = _statements(tmp_path, monkeypatch)
    page = _page_text(st / "ana" / "team-2026-2026-Q1-ana.html")
    assert "Team pool 1 2,800.00" in page
    figures = page[page.index("Figures"):page.index("Lines", page.index("Figures"))]
    assert "Team booked 310,000.00" in figures
