"""Issue 18: `compplan demo` writes finance's example for the sample plans under
out/<plan>/<period>/finance/, and every file ties. Run on two samples (to be quick): the
AE plan (a finance file that capitalizes, and a pipeline) and the manager plan (a
finance file without contract terms).

The AE accrual as of 2026-02-28 is worked out payee by payee in
tests/web/test_issue18_finance_pages.py: 43,660.00 (commission 42,660.00, csat_bonus
1,000.00; West 10,400 + 12,500 + 1,560 = 24,460.00, East 7,800 + 4,800 = 12,600.00,
Central 800 + 5,800 = 6,600.00). Its forecast with the pipeline: low 46,460.00, expected
52,360.00, high 55,960.00 (same file). The contract costs are the README's: the quarter's
run pays 56,480.00 = 51,300.00 capitalized + 3,080.00 expensed by the practical expedient
+ 2,100.00 of CSAT bonus, not capitalized; 3,293.60 amortized, closing 48,006.40.
"""
import csv
import os
from decimal import Decimal
from pathlib import Path

import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _control(path: Path) -> dict[str, str]:
    return {row["control"]: row["value"] for row in _rows(path)}


def _demo(tmp_path, monkeypatch, names):
    plans = tmp_path / "plans"
    (plans / "data").mkdir(parents=True)
    (plans / "finance").mkdir()
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    chosen = [s for s in samples["samples"] if s["plan"] in names]
    (plans / "data" / "samples.yaml").write_text(yaml.safe_dump({"samples": chosen}))
    for s in chosen:
        os.symlink(ROOT / "plans" / s["plan"], plans / s["plan"])
        os.symlink(ROOT / "plans" / s["data"], plans / s["data"])
        os.symlink(ROOT / "plans" / "finance" / s["plan"], plans / "finance" / s["plan"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPPLAN_DB", raising=False)
    return CliRunner().invoke(cli, ["demo"], catch_exceptions=False)


def test_issue18_the_demo_writes_finances_example_and_it_ties(tmp_path, monkeypatch):
    r = _demo(tmp_path, monkeypatch, {"ae.yaml", "manager.yaml"})
    assert r.exit_code == 0, r.output
    fin = tmp_path / "out" / "ae-2026" / "2026-Q1" / "finance"
    assert ("finance: ae-2026 2026-Q1 as of 2026-02-28: 7 payees, 8 lines; earned to date "
            "USD 43,660.00; booked before 0.00 (nothing booked before); accrual 43,660.00"
            in r.output)

    # the register's lines add up to its control total, per component and cost centre too
    register = _rows(fin / "accrual-2026-02-28.csv")
    control = _control(fin / "accrual-2026-02-28-control.csv")
    lines = sum(Decimal(x["accrual"]) for x in register)
    assert lines == Decimal(control["accrual"]) == Decimal("43660.00")
    assert control["lines"] == str(len(register)) == "8"
    by_comp = {c: sum(Decimal(x["accrual"]) for x in register if x["component"] == c)
               for c in ("commission", "csat_bonus")}
    assert by_comp == {"commission": Decimal(control["component commission"]),
                       "csat_bonus": Decimal(control["component csat_bonus"])}
    assert by_comp == {"commission": Decimal("42660.00"), "csat_bonus": Decimal("1000.00")}
    assert [Decimal(control[f"cost centre {c}"]) for c in ("Central", "East", "West")] == \
        [Decimal("6600.00"), Decimal("12600.00"), Decimal("24460.00")]
    # the journal balances and books the same total
    journal = _rows(fin / "accrual-2026-02-28-journal.csv")
    assert sum(Decimal(x["debit"]) for x in journal) == \
        sum(Decimal(x["credit"]) for x in journal) == Decimal("43660.00")

    # the forecast: each outcome's plan total is its payees' sum
    forecast = _rows(fin / "forecast-2026-02-28.csv")
    plan = next(x for x in forecast if x["payee"] == "plan ae-2026")
    payees = [x for x in forecast if not x["payee"].startswith(("plan ", "team "))]
    for o in ("to_date", "at_pace", "low", "expected", "high"):
        assert sum(Decimal(x[f"pay_{o}"]) for x in payees) == Decimal(plan[f"pay_{o}"])
    assert [plan[f"pay_{o}"] for o in ("to_date", "low", "expected", "high")] == \
        ["43660.00", "46460.00", "52360.00", "55960.00"]

    # contract costs from the run approved and paid: the roll-forward ties to the run
    costs = fin / "contract-costs-2026-03"
    roll = {x["month"]: x for x in _rows(costs / "roll-forward.csv")}
    assert (roll["total"]["additions"], roll["total"]["amortization"],
            roll["total"]["closing"]) == ("51300.00", "3293.60", "48006.40")
    schedule = _rows(costs / "schedule.csv")
    assert sum(Decimal(x["additions"]) for x in schedule) == Decimal("51300.00")
    # 51,300.00 + 3,080.00 + 2,100.00 = 56,480.00, the run's pay: no difference
    assert "capitalized 51,300.00, amortized 3,293.60, closing 48,006.40; difference to " \
        "the paid run 0.00" in r.output
    assert (costs / "journal.csv").is_file()

    # the manager plan: accrual and forecast, and why no contract costs
    team = tmp_path / "out" / "team-2026" / "2026-Q1" / "finance"
    for name in ("accrual-2026-02-28.csv", "accrual-2026-02-28-control.csv",
                 "accrual-2026-02-28-journal.csv", "forecast-2026-02-28.csv"):
        assert (team / name).is_file(), name
    register = _rows(team / "accrual-2026-02-28.csv")
    control = _control(team / "accrual-2026-02-28-control.csv")
    assert sum(Decimal(x["accrual"]) for x in register) == Decimal(control["accrual"])
    assert "contract costs: none capitalized (manager.yaml has no capitalize: section: " \
        "the data carries no contract terms)" in r.output
    assert not list(team.glob("contract-costs-*"))

    # the demo's own store keeps only its draft runs: the README's examples number on it
    r = CliRunner(env={"COMPPLAN_DB": "sqlite:///out/demo.db"}).invoke(
        cli, ["runs"], catch_exceptions=False)
    assert [ln.split()[:4] for ln in r.output.splitlines()[1:]] == [
        ["1", "ae-2026", "2026-Q1", "draft"], ["2", "team-2026", "2026-Q1", "draft"]]
