"""Profile one 1,000-deal ingest through Portal.ingest (the portal's ingest path without
HTTP), issue 15: CPU-s a batch, and with --prof the cProfile tables.

    python bench/profile_ingest.py 10000 100000 [--prof]

Builds the AE plan's open period from bench/generate.py data in a temporary SQLite
store, takes one warm-up batch, then times three batches by process CPU (not wall: the
machine is shared). Run by hand; not a test.
"""
import cProfile
import datetime as dt
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from generate import generate  # noqa: E402

from compplan.engine import load_plan  # noqa: E402
from compplan.store import open_store  # noqa: E402
from compplan.web.live import Portal, open_period  # noqa: E402


def batch(rnd: random.Random, payees: int, b: int) -> list[dict]:
    return [{"deal_id": f"LIVE-{b}-{i}", "rep_id": f"R{rnd.randrange(payees):06d}",
             "close_date": "2026-03-31", "amount": f"{rnd.randrange(1000, 90000)}.00",
             "product": "software", "type": "new"} for i in range(1000)]


def main() -> None:
    payees, deals = int(sys.argv[1]), int(sys.argv[2])
    data = Path(f"/tmp/compplan-bench-{payees}-{deals}")
    if not (data / "deals.csv").exists():
        generate(data, payees, deals)
    folder = tempfile.mkdtemp(prefix="ingest15-")
    store = open_store(f"sqlite:///{folder}/b.db")
    plan = ROOT / "plans" / "ae.yaml"
    open_period(store, load_plan(plan), plan.read_bytes(), data, "2026-Q1", "bench")
    portal = Portal(store, dt.date(2026, 3, 31))
    portal.load()
    rnd = random.Random(3)
    portal.ingest("ae-2026", None, batch(rnd, payees, 0), actor="warm")
    cpus = []
    prof = cProfile.Profile() if "--prof" in sys.argv else None
    for b in range(1, 4):
        recs = batch(rnd, payees, b)
        c0 = time.process_time()
        if prof:
            prof.enable()
        r = portal.ingest("ae-2026", None, recs, actor="bench")
        if prof:
            prof.disable()
        cpus.append(time.process_time() - c0)
        assert r.accepted == 1000, r.as_dict()
    print(f"CPU-s per batch: {[round(c, 3) for c in cpus]} median {sorted(cpus)[1]:.3f}; "
          f"affected {r.affected}; load {os.getloadavg()[0]:.1f}")
    if prof:
        prof.dump_stats("/tmp/compplan-profile-ingest.out")
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
