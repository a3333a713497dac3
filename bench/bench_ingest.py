"""Live ingest benchmark (issue 8): a batch of new deals on a period already holding
many, until the affected payees' figures are worked out again.

    python bench/bench_ingest.py --payees 10000 --deals 1000000 --batch 1000

Loads the generated AE data into a LiveRun (bench/generate.py), then times `ingest` of
batches of new deals for random reps, and reports the median and worst batch. Run by
hand; not a test.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from generate import generate  # noqa: E402

from compplan.engine import load_plan, parse_period  # noqa: E402
from compplan.engine.data import load_folder  # noqa: E402
from compplan.engine.live import LiveRun  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description="live ingest benchmark")
    ap.add_argument("--payees", type=int, default=10_000)
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--batches", type=int, default=5)
    a = ap.parse_args()
    data = Path(f"/tmp/compplan-bench-{a.payees}-{a.deals}")
    if not (data / "deals.csv").exists():
        generate(data, a.payees, a.deals)
    compiled = load_plan(ROOT / "plans" / "ae.yaml")
    problems: list = []
    t = time.perf_counter()
    tables = load_folder(compiled.plan, data, problems)
    live = LiveRun(compiled, tables, parse_period("2026-Q1"))
    print(f"open period loaded and worked out: {time.perf_counter() - t:.1f} s "
          f"({a.deals:,} deals, {a.payees:,} payees)")
    rnd = random.Random(11)
    times = []
    for b in range(a.batches):
        batch = [{"deal_id": f"LIVE-{b}-{i}", "rep_id": f"R{rnd.randrange(a.payees):06d}",
                  "close_date": "2026-03-31", "amount": f"{rnd.randrange(1000, 90000)}.00",
                  "product": "software", "type": "new"} for i in range(a.batch)]
        t = time.perf_counter()
        got = live.ingest("deals", batch)
        times.append(time.perf_counter() - t)
        assert got.accepted == a.batch, got.rejected[:3]
        print(f"batch {b + 1}: {a.batch:,} deals, {len(got.affected):,} payees worked out "
              f"again in {times[-1]:.2f} s")
    print(f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s")


if __name__ == "__main__":
    main()
