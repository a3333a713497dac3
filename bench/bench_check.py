"""How long `compplan check` takes on a large plan (run by hand, not by pytest).

    python bench/bench_check.py [--lines 1000] [--runs 20]

Generates a plan of about --lines lines (params, credits, measures, rate tables and
earnings that use each other) in a temporary folder, makes sure it checks clean, then
prints:

  * building the expression parser (Lark reads the grammar and makes LALR tables; once
    per process),
  * the first check_file (parser already built),
  * the best and the median of --runs further check_file calls.

Target: well under a second for a 1,000-line plan.

    python bench/bench_check.py --unknown-keys 20000

times instead a bad plan: the textbook plan and N unknown top-level keys (issue 17: 62 s
for 20,000 when every problem was compared with all before it; now linear, and only the
first 200 are kept).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compplan.lang import check_file  # noqa: E402
from compplan.lang.parse import parser  # noqa: E402

HEADER = """\
plan: bench-large
name: Generated plan for the checker benchmark
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
rounding: {to: 0.01, mode: half_up}

inputs:
  payees: {key: rep_id, manager: manager_id,
           columns: {name: text, region: text, target_incentive: money}}
  deals:  {key: deal_id, payee: rep_id, date: close_date,
           columns: {amount: money, product: text, type: text, units: integer}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
  kpis:   {payee: rep_id, period: period, columns: {csat: number, nps: number},
           missing: null}
"""


def generate(n: int) -> str:
    """A plan of about 12.5 * n + 25 lines; every definition is used and it checks clean."""
    out = [HEADER, "\nparams:\n"]
    for i in range(n):
        out.append(f"  rate_{i}: {(i % 20) + 1}%\n")
        out.append(f"  spiff_{i}: {250 + i}\n")
    out.append("\ncredits:\n")
    for i in range(n // 4):
        out.append(f"  credit_{i}:\n"
                   f"    from: deals\n"
                   f"    when: product != \"services\" and amount > {1000 + i}\n"
                   f"    value: amount * (rate_{i} if type == \"renewal\" else 100%)\n")
    out.append("\nmeasures:\n")
    for i in range(n):
        src = f"sum(credit_{i % (n // 4)})"
        out.append(f"  booked_{i}: {src} + sum(deals.amount where type == \"new\" "
                   f"and units >= {i % 7})\n")
        out.append(f"  attainment_{i}: booked_{i} / quotas.amount\n")
    out.append("\nrates:\n")
    for i in range(n // 2):
        out.append(f"  tiers_{i}:\n"
                   f"    basis: attainment_{i}\n"
                   f"    mode: {'marginal' if i % 2 else 'whole'}\n"
                   f"    at_boundary: upper\n"
                   f"    tiers:\n"
                   f"      - {{to: 50%, rate: {2 + i % 3}%}}\n"
                   f"      - {{from: 50%, to: 100%, rate: {4 + i % 3}%}}\n"
                   f"      - {{from: 100%, to: 150%, rate: {8 + i % 3}%}}\n"
                   f"      - {{from: 150%, rate: {12 + i % 3}%}}\n")
    out.append("\nearnings:\n")
    for i in range(n // 2):
        out.append(f"  commission_{i}:\n"
                   f"    value: tiered(tiers_{i}, booked_{i}) + spiff_{i}\n"
                   f"    cap: 250% * payee.target_incentive\n")
        out.append(f"  bonus_{i}:\n"
                   f"    when: kpis.csat >= 85 and attainment_{i} >= 100%\n"
                   f"    value: payee.target_incentive * min(kpis.csat / 90, 1.2) * 10%"
                   f" if payee.region == \"EMEA\" else round(booked_{i} * rate_{i}, 2)\n")
    return "".join(out)


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bad_plan(n: int) -> None:
    text = (Path(__file__).resolve().parents[1] / "plans" / "textbook.yaml").read_text()
    text += "".join(f"unknown_key_{i}: {i}\n" for i in range(n))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        got = []
        took = _time(lambda: got.append(check_file(path)))
    c = got[0]
    print(f"{n} unknown keys ({len(text) // 1024} KB): {took:.2f} s, "
          f"{len(c.problems.items)} problems kept, {sum(c.problems.more.values())} counted")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1000, help="about how many lines")
    ap.add_argument("--runs", type=int, default=20, help="timed check_file runs")
    ap.add_argument("--unknown-keys", type=int, default=0,
                    help="time a plan of this many unknown keys instead")
    args = ap.parse_args()
    if args.unknown_keys:
        bad_plan(args.unknown_keys)
        return
    n = max(4, round((args.lines - 25) / 12.5))
    text = generate(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.yaml"
        path.write_text(text, encoding="utf-8")

        parser.cache_clear()
        build = _time(parser)
        first_result = []
        first = _time(lambda: first_result.append(check_file(path)))
        checked = first_result[0]
        if not checked.ok:
            for p in checked.problems.sorted()[:10]:
                print(f"{p.where}: {p.message}", file=sys.stderr)
            sys.exit("the generated plan does not check clean; fix the generator")
        runs = [_time(lambda: check_file(path)) for _ in range(args.runs)]

    lines = text.count("\n")
    print(f"plan: {lines} lines, {len(checked.exprs)} expressions, "
          f"{len(checked.order)} definitions")
    print(f"build the expression parser (once per process): {build * 1000:8.1f} ms")
    print(f"first check_file (parser built):                 {first * 1000:8.1f} ms")
    print(f"check_file, best of {args.runs}:                        "
          f"{min(runs) * 1000:8.1f} ms")
    print(f"check_file, median of {args.runs}:                      "
          f"{statistics.median(runs) * 1000:8.1f} ms")
    print(f"per 1,000 lines (best):                          "
          f"{min(runs) * 1000 * 1000 / lines:8.1f} ms")


if __name__ == "__main__":
    main()
