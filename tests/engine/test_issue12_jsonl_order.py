"""Issue 12 (one text from both engines): lines.jsonl lists payees in id order, as
lines.csv and payees.csv do, on a team() plan too.

The Python engine pays a manager after everyone below (team(commission) reads their
pay), so lines come out in pay order; the writer puts lines.csv back in payee order at
close and, before this test, left lines.jsonl in pay order: two files of one run that
disagreed on order. The manager sample's top manager vera is renamed abe here, so that
the payee paid last sorts first."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

PLANS = Path(__file__).resolve().parents[2] / "plans"


def _payee_runs(payees: list[str]) -> list[str]:
    """Each payee once, in the order their lines first appear."""
    out: list[str] = []
    for p in payees:
        if not out or out[-1] != p:
            out.append(p)
    return out


def test_issue12_lines_jsonl_in_payee_order_like_lines_csv(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for f in (PLANS / "data" / "manager").iterdir():
        (data / f.name).write_text(re.sub(r"\bvera\b", "abe", f.read_text("utf-8")), "utf-8")
    r = CliRunner().invoke(cli, ["run", str(PLANS / "manager.yaml"), "--data",
                                 str(data), "--period", "2026-Q1",
                                 "--engine", "python", "--out", str(tmp_path), "--jsonl",
                                 "-q"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = tmp_path / "team-2026" / "2026-Q1"
    with (out / "lines.csv").open(encoding="utf-8", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    json_rows = [json.loads(x) for x in (out / "lines.jsonl").open(encoding="utf-8")]
    order = _payee_runs([row["payee"] for row in csv_rows])
    assert order[0] == "abe"  # paid last, after everyone below her
    assert order == sorted(order) and len(order) == len(set(order))
    # the same lines in the same order: payee and line number, one for one
    assert [(d["payee"], int(d["line"])) for d in json_rows] == \
        [(row["payee"], int(row["line"])) for row in csv_rows]
