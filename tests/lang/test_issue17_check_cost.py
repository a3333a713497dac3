"""Issue 17 item 5: the cost of a bad plan grows with its size, not its square.

`check` on a plan of 20,000 unknown keys took 62 s: every problem added was compared
with every one before it. Measured here by counting operations, not by a clock (the
project has no timed tests; bench/bench_check.py times it).
"""
import sys
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.errors import MAX_KEPT, Problem
from compplan.lang import check_source

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "plans" / "textbook.yaml").read_text()


def unknown_keys(n: int) -> str:
    return BASE + "".join(f"unknown_key_{i}: {i}\n" for i in range(n))


def test_issue17_item5_twenty_thousand_unknown_keys_compare_no_pairs(monkeypatch):
    compared = 0
    eq = Problem.__eq__

    def counting(a, b):
        nonlocal compared
        compared += 1
        return eq(a, b)
    monkeypatch.setattr(Problem, "__eq__", counting)
    c = check_source(unknown_keys(20_000), "plan.yaml")
    # before: each problem was compared with every earlier one, 20,000 x 19,999 / 2
    # = 199,990,000 comparisons; a set finds a problem seen before in one look
    assert compared < 20_000
    kept = [p for p in c.problems.items if p.code == "unknown-key"]
    assert len(kept) == MAX_KEPT == 200
    assert c.problems.more == {"error": 19_800}
    assert not c.ok
    last = c.problems.sorted()[-1]
    assert (last.message, last.code) == ("19800 more errors not shown (the first 200 are)",
                                         "more-problems")


def calls(text: str) -> int:
    """Python function calls made to check a plan: a measure of work, not of time."""
    n = 0

    def count(frame, event, arg):
        nonlocal n
        if event == "call":
            n += 1
    sys.setprofile(count)
    try:
        check_source(text, "plan.yaml")
    finally:
        sys.setprofile(None)
    return n


def test_issue17_item5_checking_grows_linearly_with_the_number_of_bad_keys():
    base = calls(BASE)
    small, large = calls(unknown_keys(500)) - base, calls(unknown_keys(2000)) - base
    # four times the keys: about four times the work (a quadratic check did sixteen)
    assert large < 6 * small, (small, large)


def test_issue17_item5_the_summary_counts_every_problem(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(unknown_keys(300))
    r = CliRunner().invoke(cli, ["check", str(plan)])
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert lines[-1] == "1 plan checked: 300 errors"
    assert f"{plan}: error: 100 more errors not shown (the first 200 are)" in lines
    assert r.output.count("unknown key 'unknown_key_") == 200
