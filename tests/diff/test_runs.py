"""`compplan diff RUN_A RUN_B`: stored runs line by line, each difference put down to the
plan, the data, the period or both, on SQLite and PostgreSQL. Figures by hand from the
textbook sample (tests/diff/test_impact.py has the bookings: ann 102,000; bob 104,000
on a 100,000 quota; cy 5,000 on 10,000)."""
import json
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.diff.runs import diff_runs
from compplan.engine import load_plan
from compplan.store import lifecycle

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"
DATA = ROOT / "plans" / "data" / "textbook"


def save(store, plan: Path, data: Path, period: str = "2026-Q1") -> int:
    return lifecycle.save_run(store, load_plan(plan), data, period, "fin").run.id


def runs(store, a: int, b: int):
    with store.session() as s:
        return diff_runs(s, a, b)


def lines(d) -> list[tuple]:
    return [(ln.payee, ln.key, ln.before, ln.after, ln.cause) for ln in d.lines]


def plan_b(tmp_path) -> Path:
    """Another plan id (so both runs are kept), bands tier 2 at 6.5% instead of 6%."""
    text = PLAN.read_text().replace("plan: textbook", "plan: textbook-b")
    text = text.replace("- {to: 100_000, rate: 6%}", "- {to: 100_000, rate: 6.5%}")
    path = tmp_path / "textbook-b.yaml"
    path.write_text(text)
    return path


def data_b(tmp_path) -> Path:
    """The sample data with bob's D4 at 30,000 instead of 25,000 (bob: 109,000, 109%)."""
    folder = tmp_path / "data-b"
    folder.mkdir()
    for f in DATA.iterdir():
        (folder / f.name).write_text(f.read_text().replace("D4,bob,2026-03-20,25000",
                                                           "D4,bob,2026-03-20,30000"))
    return folder


def test_the_plan_changed(store, tmp_path):
    a, b = save(store, PLAN, DATA), save(store, plan_b(tmp_path), DATA)
    d = runs(store, a, b)
    assert (d.plan_changed, d.data_changed, d.cause) == (True, False, "plan")
    # 50,000 more at 0.5% for the two payees above 100,000 of bookings
    assert lines(d) == [
        ("ann", "banded|bonus|", D("5640.00"), D("5890.00"), "plan"),
        ("bob", "banded|bonus|", D("5780.00"), D("6030.00"), "plan"),
    ]
    assert [c.label for c in d.plan_diff.changes] == ["plan", "bands tier 2 rate"]


def test_the_plan_and_the_data_changed_each_line_put_down_to_its_cause(store, tmp_path):
    a = save(store, PLAN, DATA)
    b = save(store, plan_b(tmp_path), data_b(tmp_path))
    d = runs(store, a, b)
    assert d.cause == "plan and data"
    assert d.files == [("deals.csv", "changed")]
    # The old plan on the new data tells them apart:
    #   ann banded   old data, new rate: 2,500 + 3,250 + 140 = 5,890; the old plan on
    #                the new data still pays 5,640                          -> plan
    #   bob banded   109,000: 2,500 + 3,250 + 9,000 x 7% = 6,380; the old plan on the
    #                new data 6,130 is neither old nor new                  -> both
    #   bob step     100,000 x 3% + 9,000 x 5% = 3,450, as the old plan on the new
    #                data gives it                                          -> data
    #   bob whole    109,000 x 5% = 5,450                                   -> data
    assert lines(d) == [
        ("ann", "banded|bonus|", D("5640.00"), D("5890.00"), "plan"),
        ("bob", "banded|bonus|", D("5780.00"), D("6380.00"), "plan and data"),
        ("bob", "step_commission|bonus|", D("3200.00"), D("3450.00"), "data"),
        ("bob", "whole_commission|bonus|", D("5200.00"), D("5450.00"), "data"),
    ]
    payees = [(p.payee, p.before, p.after, p.cause) for p in d.payees]
    assert payees == [("ann", D("5640.00"), D("5890.00"), "plan"),
                      ("bob", D("14180.00"), D("15280.00"), "plan and data")]
    r = CliRunner().invoke(cli, ["diff", str(a), str(b), "--db", store.url])
    assert r.exit_code == 1, r.output
    out = r.output
    assert "data: changed (" in out and "deals.csv changed)" in out
    assert "bands tier 2 rate: 6% -> 6.5%" in out  # the plan's own changes
    rows = [ln.split() for ln in out.splitlines()]
    assert ["bob", "step_commission|bonus|", "3,200.00", "3,450.00", "+250.00", "data"] \
        in rows
    assert ["TOTAL", "20,370.00", "21,720.00", "+1,350.00"] in rows
    data = json.loads(CliRunner().invoke(cli, ["diff", str(a), str(b), "--db", store.url,
                                               "--format", "json"]).output)
    assert data["changed"] == "plan and data"
    assert [ln["cause"] for ln in data["lines"]] == ["plan", "plan and data", "data", "data"]
    md = CliRunner().invoke(cli, ["diff", str(a), str(b), "--db", store.url,
                                  "--format", "markdown"]).output
    assert "| bob | step_commission\\|bonus\\| | 3,200.00 | 3,450.00 | +250.00 | data |" in md


def test_another_period_on_the_same_plan_and_data(store):
    q1, q2 = save(store, PLAN, DATA), save(store, PLAN, DATA, "2026-Q2")
    d = runs(store, q1, q2)
    assert (d.plan_changed, d.data_changed, d.cause) == (False, False, "period")
    # no deal closes in Q2 of the sample: every payee's pay drops to 0
    assert [(p.payee, p.after, p.cause) for p in d.payees] == [
        ("ann", D("0.00"), "period"), ("bob", D("0.00"), "period"),
        ("cy", D("0.00"), "period")]


def test_a_run_against_itself_and_a_missing_run(store):
    a = save(store, PLAN, DATA)
    r = CliRunner().invoke(cli, ["diff", str(a), str(a), "--db", store.url])
    assert r.exit_code == 0 and "no payee or line differs" in r.output
    r = CliRunner().invoke(cli, ["diff", str(a), "99", "--db", store.url])
    assert r.exit_code == 2 and "there is no run 99" in r.output
