"""Issue 12: lines.csv and payees.csv are the same text, byte for byte, from both engines.

The Python engine is the reference, except where its text was inconsistent, which the
SQL engine could not follow and a reader cannot rely on:
- an exact value kept the places its arithmetic left (`2400.00` on one line, `4000.000`
  on the next, `50000.0` for a renewal at half credit, `0E+2` for a zero basis); both
  engines now write every number outside the amount and formula columns without
  trailing zeros (`4000`, `50000`, `0`), as `compplan sql`'s lines do;
- payees.csv wrote a component with no line as `0` and one whose lines paid nothing
  as `0.00`; both now write `0.00` (the currency's places);
- a plan with team() streamed each payee's lines as it was paid (reports before their
  manager) while payees.csv lists payees in id order; lines.csv now lists them in id
  order too;
- DuckDB's COPY ended lines in LF, Python's csv writer in CRLF (RFC 4180): both CRLF.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]
FILES = ("lines.csv", "payees.csv", "results.json")


def _run(plan: Path, data: Path, period: str, engine: str, out: Path) -> Path:
    r = CliRunner().invoke(cli, ["run", str(plan), "--data", str(data), "--period", period,
                                 "--out", str(out), "--engine", engine, "-q"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (folder,) = [p for p in out.glob("*/*") if (p / "lines.csv").exists()]
    return folder


def _both(tmp_path, plan: Path, data: Path, period: str) -> tuple[Path, Path]:
    py = _run(plan, data, period, "python", tmp_path / "python")
    dk = _run(plan, data, period, "duckdb", tmp_path / "duckdb")
    for name in FILES:
        a, b = (py / name).read_bytes(), (dk / name).read_bytes()
        if a != b:  # the first differing line, to say where
            for i, (x, y) in enumerate(zip(a.splitlines(True), b.splitlines(True))):
                assert x == y, f"{name} line {i + 1}"
        assert a == b, name
    return py, dk


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_issue12_csv_files_byte_identical_on_every_sample(tmp_path, sample):
    py, _dk = _both(tmp_path, PLANS / sample["plan"], PLANS / sample["data"], sample["period"])
    text = (py / "lines.csv").read_bytes()
    assert text.count(b"\r\n") == text.count(b"\n")  # every line ends in CRLF


def test_issue12_csv_texts_worked_by_hand(tmp_path):
    """ae.yaml: ann's second deal (70,000 new, after 60,000 of her 200,000 quota) pays
    40,000 x 4% + 30,000 x 8% = 1,600 + 2,400 = 4,000: the Python engine's Decimal is
    4000.000 (its tier parts 40000.0 x 0.04 = 1600.000), both write 4000 and
    `tier 1: 40000 x 0.04 = 1600; tier 2: 30000 x 0.08 = 2400`. Her first line starts the
    running basis at 0 (0 / 200,000) and ends it at 60,000 / 200,000 = 0.3. eli has no
    CSAT score, so no csat_bonus line: payees.csv says 0.00."""
    py, _dk = _both(tmp_path, PLANS / "ae.yaml", PLANS / "data" / "ae", "2026-Q1")
    import csv
    with (py / "lines.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ann = [r for r in rows if r["payee"] == "ann"]
    assert ann[1]["exact"] == "4000" and ann[1]["amount"] == "4000.00"
    assert ann[1]["tiers"] == "tier 1: 40000 x 0.04 = 1600; tier 2: 30000 x 0.08 = 2400"
    assert (ann[0]["basis_before"], ann[0]["basis_after"]) == ("0", "0.3")
    with (py / "payees.csv").open(encoding="utf-8", newline="") as fh:
        payees = {r["payee"]: r for r in csv.DictReader(fh)}
    assert payees["eli"]["csat_bonus"] == "0.00"


def _generate():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.generate


@pytest.mark.parametrize("plan", [PLANS / "ae.yaml", ROOT / "bench" / "plans" / "ae_scale.yaml"],
                         ids=["ae", "ae_scale_team"])
def test_issue12_csv_files_byte_identical_on_generated_data(tmp_path, plan):
    """bench/generate.py's data (120 payees under managers and directors, 3,000 deals of
    skewed sizes, renewals at half credit, missing KPI values). ae_scale.yaml pays a
    manager an override on team(): the Python engine pays R000001..R000008 before their
    manager R000000, and lines.csv still starts with R000000, as payees.csv does."""
    _generate()(tmp_path / "data", 120, 3000, seed=12)
    py, _dk = _both(tmp_path, plan, tmp_path / "data", "2026-Q1")
    payees = [ln.split(b",", 1)[0] for ln in (py / "lines.csv").read_bytes().splitlines()[1:]]
    assert payees == sorted(payees)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_issue12_lines_jsonl_byte_identical_on_every_sample(tmp_path, sample):
    """lines.jsonl (--jsonl) holds the values lines.csv writes, in the same one form
    from both engines: before, the Python engine wrote each Decimal's own text (exact
    `4000.000`, basis `0.3`) and the SQL engine its DECIMAL(38,16) (`4000.0000000000000000`,
    `0E-16`): the same values in two spellings a reader's script would have to undo."""
    files = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / engine
        r = CliRunner().invoke(cli, ["run", str(PLANS / sample["plan"]), "--data",
                                     str(PLANS / sample["data"]), "--period",
                                     sample["period"], "--out", str(out), "--engine",
                                     engine, "--jsonl", "-q"], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        (folder,) = [p for p in out.glob("*/*") if (p / "lines.jsonl").exists()]
        files[engine] = (folder / "lines.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(files["python"]) == len(files["duckdb"]) > 0
    for i, (a, b) in enumerate(zip(files["python"], files["duckdb"])):
        assert a == b, f"lines.jsonl line {i + 1}"


def test_issue12_lines_jsonl_worked_by_hand(tmp_path):
    """ae.yaml, ann's second deal (see test_issue12_csv_texts_worked_by_hand): 4,000 in
    the exact column and the tier parts 40000 x 0.04 = 1600, 30000 x 0.08 = 2400, the
    running basis 0.3 -> 0.65 (130,000 / 200,000), as lines.csv writes them."""
    import json
    r = CliRunner().invoke(cli, ["run", str(PLANS / "ae.yaml"), "--data",
                                 str(PLANS / "data" / "ae"), "--period", "2026-Q1", "--out",
                                 str(tmp_path), "--engine", "duckdb", "--jsonl", "-q"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (path,) = tmp_path.glob("*/*/lines.jsonl")
    ann = [json.loads(x) for x in path.open(encoding="utf-8") if '"payee": "ann"' in x]
    assert (ann[1]["amount"], ann[1]["exact"]) == ("4000.00", "4000")
    assert ann[1]["tiers"] == [{"tier": 1, "amount": "40000", "rate": "0.04", "pays": "1600"},
                               {"tier": 2, "amount": "30000", "rate": "0.08", "pays": "2400"}]
    assert (ann[1]["basis_before"], ann[1]["basis_after"]) == ("0.3", "0.65")
