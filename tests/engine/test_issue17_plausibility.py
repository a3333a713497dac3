"""Issue 17 item 7: amounts no one means are warned about, in validate and run.

Ingested or file amounts of 9e17 and 1e-30 went through without a word (a draft total
of 150,000,000,000,044,937.66). Warnings, not errors: a human looks before the payout.
"""
import shutil
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan
from compplan.engine.data import load_folder
from compplan.engine.periods import parse_period
from compplan.engine.validate import validate_data

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"


def data_with(tmp_path, rows: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "plans" / "data" / "textbook", data)
    with (data / "deals.csv").open("a") as fh:
        fh.write(rows)
    return data


ODD = ("D90,ann,2026-01-20,900000000000000000\n"  # row 8 (the header is row 1)
       "D91,bob,2026-01-21,1e-30\n"                # row 9
       "D92,bob,2026-01-22,12.345\n"               # row 10
       "D93,bob,2026-01-22,12.340\n")              # 12.34: two decimals, written with three


def test_issue17_item7_validate_warns_on_implausible_amounts_and_decimals(tmp_path):
    data = data_with(tmp_path, ODD)
    compiled = load_plan(PLAN)
    got = [(p.severity, p.code, p.row, p.column, p.message)
           for p in validate_data(compiled, data, parse_period("2026-Q1"))
           if p.code in ("implausible-amount", "too-many-decimals")]
    assert got == [
        ("warning", "implausible-amount", 8, "amount", "amount 900000000000000000 is beyond "
         "the plausible range (more than 1,000,000,000,000 either way)"),
        ("warning", "too-many-decimals", 9, "amount",
         "amount 1E-30 has more decimals than USD has (2), and 1 more in this column"),
    ]


def test_issue17_item7_run_prints_them_and_keeps_them_in_results(tmp_path):
    data = data_with(tmp_path, ODD)
    r = CliRunner().invoke(cli, ["run", str(PLAN), "--data", str(data), "--period", "2026-Q1",
                                 "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (f"{data / 'deals.csv'}:8: warning: column amount: amount 900000000000000000 is "
            "beyond the plausible range") in r.stderr
    assert f"{data / 'deals.csv'}:9: warning: column amount: amount 1E-30 has more " \
        "decimals than USD has (2)" in r.stderr
    import json
    kept = json.loads((tmp_path / "out" / "textbook" / "2026-Q1" / "results.json").read_text())
    assert [w["message"][:30] for w in kept["warnings"]][:2] == [
        "amount 900000000000000000 is b", "amount 1E-30 has more decimals"]


def test_issue17_item7_a_plan_sets_its_own_bound(tmp_path):
    data = data_with(tmp_path, "D90,ann,2026-01-20,60000\n")
    plan = tmp_path / "plan.yaml"
    text = PLAN.read_text()
    assert "\ninputs:\n" in text and "\nparams:" not in text
    plan.write_text(text.replace("\ninputs:\n", "\nparams:\n  max_plausible_amount: 50_000\n"
                                 "\ninputs:\n"))
    got = [p.message for p in validate_data(load_plan(plan), data, parse_period("2026-Q1"))
           if p.code == "implausible-amount"]
    # deals D0 (80,000, December's: the whole file is looked at), D3 (64,000) and D90
    # (60,000) are over 50,000, and so are bob's quotas of 100,000 and 120,000: the
    # first of each column is named
    assert got == ["amount 80000 is beyond the plausible range (more than 50,000 either "
                   "way), and 2 more in this column",
                   "amount 100000 is beyond the plausible range (more than 50,000 either "
                   "way), and 1 more in this column"]


def test_issue17_item7_clean_data_has_no_such_warning(tmp_path):
    problems = validate_data(load_plan(PLAN), ROOT / "plans" / "data" / "textbook",
                             parse_period("2026-Q1"))
    assert not [p for p in problems if p.code in ("implausible-amount", "too-many-decimals")]
    tables = load_folder(load_plan(PLAN).plan, ROOT / "plans" / "data" / "textbook", [])
    assert max(r["amount"] for r in tables["deals"].rows) == D("80000")
