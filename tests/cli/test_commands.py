"""The engine's commands as finance and comp admins use them: run, validate, test, demo."""
import csv
import json
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
TEXTBOOK = str(ROOT / "plans" / "textbook.yaml")
TEXTBOOK_DATA = str(ROOT / "plans" / "data" / "textbook")


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_writes_results_whose_lines_add_up_to_each_payees_total(tmp_path):
    r = invoke("run", TEXTBOOK, "--data", TEXTBOOK_DATA, "--period", "2026-Q1",
               "--out", str(tmp_path), "--jsonl")
    assert r.exit_code == 0, r.output
    folder = tmp_path / "textbook" / "2026-Q1"
    assert sorted(p.name for p in folder.iterdir()) == [
        "lines.csv", "lines.jsonl", "payees.csv", "results.json"]
    lines = list(csv.DictReader((folder / "lines.csv").open()))
    payees = {p["payee"]: p for p in csv.DictReader((folder / "payees.csv").open())}
    for pid, p in payees.items():
        assert sum(D(ln["amount"]) for ln in lines if ln["payee"] == pid) == D(p["total"])
    # ann, the sample's banded example: 50,000 x 5% + 50,000 x 6% + 2,000 x 7% = 5,640.00
    assert D(payees["ann"]["banded"]) == D("5640.00")
    jsonl = [json.loads(x) for x in (folder / "lines.jsonl").open()]
    assert len(jsonl) == len(lines)
    summary = json.loads((folder / "results.json").read_text())
    assert D(summary["total"]) == sum(D(p["total"]) for p in payees.values())
    assert "TOTAL" in r.output


def test_run_on_bad_data_writes_nothing_and_exits_1(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in Path(TEXTBOOK_DATA).iterdir():
        (data / f.name).write_text(f.read_text())
    deals = (data / "deals.csv").read_text().splitlines()
    deals[1] = deals[1].rsplit(",", 1)[0] + ",12x"  # a bad amount in the first deal
    (data / "deals.csv").write_text("\n".join(deals) + "\n")
    r = invoke("run", TEXTBOOK, "--data", str(data), "--period", "2026-Q1",
               "--out", str(tmp_path / "out"))
    assert r.exit_code == 1
    assert "deals.csv:2: error: column amount: '12x' is not an amount" in r.output
    assert not (tmp_path / "out" / "textbook" / "2026-Q1" / "lines.csv").exists()


def test_run_refuses_a_period_of_the_wrong_kind(tmp_path):
    r = invoke("run", TEXTBOOK, "--data", TEXTBOOK_DATA, "--period", "2026-03",
               "--out", str(tmp_path))
    assert r.exit_code == 2
    assert "'2026-03' is a month, but the plan pays by quarter" in r.output


def test_validate_passes_clean_data_and_lists_warnings(tmp_path):
    r = invoke("validate", TEXTBOOK, "--data", TEXTBOOK_DATA, "--period", "2026-Q1")
    assert r.exit_code == 0, r.output
    # the sample holds one deal from December, outside the quarter: a warning, not an error
    assert "deals.csv:2: warning: column close_date: dated 2025-12-15, outside 2026-Q1" \
        in r.output
    assert r.output.strip().endswith("0 errors, 1 warning")
    r = invoke("validate", TEXTBOOK, "--data", TEXTBOOK_DATA, "--period", "2026-Q1",
               "--format", "json")
    assert r.exit_code == 0
    assert all(p["severity"] == "warning" for p in json.loads(r.output))


def test_plan_scenarios_pass_and_a_wrong_expectation_fails_with_the_difference(tmp_path):
    r = invoke("test", TEXTBOOK)
    assert r.exit_code == 0, r.output
    assert r.output.strip().endswith("4 passed, 0 failed")
    broken = tmp_path / "textbook.yaml"
    broken.write_text(Path(TEXTBOOK).read_text().replace("ann: {banded: 5640.00}",
                                                         "ann: {banded: 5600.00}"))
    r = invoke("test", str(broken))
    assert r.exit_code == 1
    assert "payee ann banded: expected 5600.00, got 5,640.00" in r.output
    assert "3 passed, 1 failed" in r.output


def test_demo_checks_tests_and_runs_every_sample(sample_demo):
    r, _ = sample_demo  # tests/conftest.py: run once, its statements read elsewhere too
    assert r.exit_code == 0, r.output
    import yaml  # every sample listed, however many there are
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    assert r.output.count("== ") == len(samples["samples"]) >= 7
    assert "FAIL" not in r.output
