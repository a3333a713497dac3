"""The impact of a plan change on pay, on the textbook sample data, worked out by hand.

The change (three edits to plans/textbook.yaml):
  1. bands tier 2 (50,000 to 100,000 of bookings) pays 6.5% instead of 6%
  2. step tier 2 (from 100% attainment) pays 6% instead of 5%
  3. the whole-amount commission is gated on attainment >= 60% instead of a quota > 0

Q1 2026 bookings (D0 closed in December and does not count; D7 is split 60/30/10):
  ann  40,000 + 32,000 + 30,000 = 102,000, no quota
  bob  64,000 + 25,000 + 15,000 = 104,000, quota 100,000: 104%
  cy                               5,000, quota  10,000:  50%

  ann  banded: 50,000 x 0.5% more = +250.00; no quota, so no step or whole commission
       5,640.00 -> 5,890.00, +250.00 (+4.4%)
  bob  banded: +250.00 as ann; step: the 4,000 above 100% at 6% not 5% = +40.00;
       whole: 104% passes the new gate, 104,000 x 5% = 5,200.00 unchanged
       14,180.00 -> 14,470.00, +290.00 (+2.0%)
  cy   banded 250.00 and step 5,000 x 3% = 150.00 unchanged; whole: 50% fails the new
       gate, 150.00 -> 0
       550.00 -> 400.00, -150.00 (-27.3%)
  total 20,370.00 -> 20,760.00, +390.00 (+1.9%); 2 gain, 1 loses, none unchanged
"""
import csv
import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.diff.impact import impact
from compplan.lang import check_file

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"
DATA = ROOT / "plans" / "data" / "textbook"


@pytest.fixture
def new_plan(tmp_path):
    text = PLAN.read_text()
    for old, new, count in [
        ("      - {to: 100_000, rate: 6%}", "      - {to: 100_000, rate: 6.5%}", -1),
        ("      - {to: 100%, rate: 3%}\n      - {rate: 5%}",
         "      - {to: 100%, rate: 3%}\n      - {rate: 6%}", 1),  # step, not whole
    ]:
        assert text.count(old) >= 1, old
        text = text.replace(old, new, count)
    # whole_commission's condition (the first `when` after its name; a when_label follows)
    at = text.index("  whole_commission:")
    assert "when: quotas.amount > 0" in text[at:]
    text = text[:at] + text[at:].replace("when: quotas.amount > 0", "when: attainment >= 60%", 1)
    path = tmp_path / "textbook.yaml"
    path.write_text(text)
    return path


def test_per_payee_before_after_and_difference(new_plan):
    i = impact(check_file(PLAN), check_file(new_plan), DATA, "2026-Q1")
    got = {p.payee: (p.before, p.after, p.difference, p.direction) for p in i.payees}
    assert got == {
        "ann": (D("5640.00"), D("5890.00"), D("250.00"), "gains"),
        "bob": (D("14180.00"), D("14470.00"), D("290.00"), "gains"),
        "cy": (D("550.00"), D("400.00"), D("-150.00"), "loses"),
    }
    assert i.totals() == [("USD", D("20370.00"), D("20760.00"))]
    assert (i.count("gains"), i.count("loses"), i.count("unchanged")) == (2, 1, 0)
    assert [p.payee for p in i.movers()] == ["bob", "ann", "cy"]
    bob = next(p for p in i.payees if p.payee == "bob")
    assert bob.components_after["step_commission"] - bob.components_before[
        "step_commission"] == D("40.00")


def test_the_text_table(new_plan):
    r = CliRunner().invoke(cli, ["diff", str(PLAN), str(new_plan), "--data", str(DATA),
                                 "--period", "2026-Q1"])
    assert r.exit_code == 1, r.output
    out = r.output
    assert "bands tier 2 rate: 6% -> 6.5%" in out  # the plan's changes come first
    assert "step tier 2 rate: 5% -> 6%" in out
    assert "whole_commission when: quotas.amount > 0 -> attainment >= 60%" in out
    rows = [ln.split() for ln in out.splitlines()]
    assert ["ann", "Ann", "5,640.00", "5,890.00", "+250.00", "+4.4%"] in rows
    assert ["bob", "Bob", "14,180.00", "14,470.00", "+290.00", "+2.0%"] in rows
    assert ["cy", "Cy", "550.00", "400.00", "-150.00", "-27.3%"] in rows
    assert ["TOTAL", "USD", "20,370.00", "20,760.00", "+390.00", "+1.9%"] in rows
    assert "total cost change: USD +390.00 (+1.9%)" in out
    assert "3 payees: 2 gain, 1 lose, 0 unchanged" in out
    assert "largest movers: bob +290.00 (+2.0%), ann +250.00 (+4.4%), cy -150.00 (-27.3%)" \
        in out


def test_csv_for_finance_and_json(new_plan):
    args = ["diff", str(PLAN), str(new_plan), "--data", str(DATA), "--period", "2026-Q1"]
    r = CliRunner().invoke(cli, args + ["--format", "csv"])
    assert r.exit_code == 1
    assert list(csv.reader(io.StringIO(r.output))) == [
        ["payee", "name", "currency", "before", "after", "difference", "change_percent"],
        ["ann", "Ann", "USD", "5640.00", "5890.00", "250.00", "4.43"],
        ["bob", "Bob", "USD", "14180.00", "14470.00", "290.00", "2.05"],
        ["cy", "Cy", "USD", "550.00", "400.00", "-150.00", "-27.27"],
        ["TOTAL", "", "USD", "20370.00", "20760.00", "390.00", "1.91"],
    ]
    r = CliRunner().invoke(cli, args + ["--format", "json"])
    data = json.loads(r.output)
    assert data["impact"]["totals"] == [{"currency": "USD", "before": "20370.00",
                                         "after": "20760.00", "difference": "390.00",
                                         "change": "0.0191"}]
    assert (data["impact"]["gain"], data["impact"]["lose"]) == (2, 1)
    assert [c["label"] for c in data["plan"]["changes"]] == [
        "bands tier 2 rate", "step tier 2 rate", "whole_commission when"]
    r = CliRunner().invoke(cli, args + ["--format", "markdown", "--top", "1"])
    assert "| **TOTAL USD** |  | **20,370.00** | **20,760.00** | **+390.00** | **+1.9%** |" \
        in r.output
    assert "Largest movers: bob +290.00 (+2.0%)." in r.output


def test_the_same_plan_changes_nothing():
    r = CliRunner().invoke(cli, ["diff", str(PLAN), str(PLAN), "--data", str(DATA),
                                 "--period", "2026-Q1"])
    assert r.exit_code == 0, r.output
    assert "3 payees: 0 gain, 0 lose, 3 unchanged" in r.output


def test_bad_period_or_data_exit_2(new_plan, tmp_path):
    base = ["diff", str(PLAN), str(new_plan), "--data"]
    r = CliRunner().invoke(cli, base + [str(DATA), "--period", "2026-03"])
    assert r.exit_code == 2 and "is a month, but the plan pays by quarter" in r.output
    r = CliRunner().invoke(cli, base + [str(tmp_path / "nowhere"), "--period", "2026-Q1"])
    assert r.exit_code == 2 and "the data folder does not exist" in r.output
    r = CliRunner().invoke(cli, ["diff", str(PLAN), str(new_plan), "--period", "2026-Q1"])
    assert r.exit_code == 2 and "needs both --data and --period" in r.output
