"""How long team pools and subtotals take (issue 20), run by hand, not by pytest.

    python bench/bench_groups.py [--payees 5000] [--teams 500] [--deals 4]

Writes data for plans/team_pool.yaml (payees in --teams teams, --deals deals each on
average) and for plans/retail.yaml (the same payees, order lines on 28 days with a bill
of 3 lines each) into a temporary folder, runs each with the Python engine and prints
the seconds. Every member's own figures are worked out once and each group's sum once,
so the time grows with payees, not with payees x team size.

Measured on the 2-core machine while other work ran (2026-11-30): 5,000 payees in 500
teams, 20,000 deals: about 6 s.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compplan.engine import run_files  # noqa: E402


def write_pool(folder: Path, payees: int, teams: int, deals: int, rnd) -> None:
    with open(folder / "payees.csv", "w") as f:
        f.write("payee_id,name,team\n")
        for i in range(payees):
            f.write(f"p{i:06d},P{i},t{i % teams}\n")
    with open(folder / "quotas.csv", "w") as f:
        f.write("payee_id,period,amount\n")
        for i in range(payees):
            f.write(f"p{i:06d},2026-Q1,100000\n")
    with open(folder / "deals.csv", "w") as f:
        f.write("deal_id,rep_id,close_date,amount,customer\n")
        for j in range(deals * payees):
            f.write(f"D{j},p{rnd.randrange(payees):06d},2026-02-{rnd.randint(1, 28):02d},"
                    f"{rnd.randint(1000, 60000)},X\n")


def write_retail(folder: Path, payees: int, deals: int, rnd) -> None:
    with open(folder / "payees.csv", "w") as f:
        f.write("rep_id,name,store\n")
        for i in range(payees):
            f.write(f"p{i:06d},P{i},S{i % 50}\n")
    with open(folder / "order_lines.csv", "w") as f:
        f.write("line_id,rep_id,sold_on,bill_id,category,amount\n")
        n = 0
        for b in range(deals * payees):
            rep, day = f"p{rnd.randrange(payees):06d}", f"2026-03-{rnd.randint(1, 28):02d}"
            for cat in ("phone", "accessory", "laptop"):
                n += 1
                f.write(f"L{n},{rep},{day},B{b},{cat},{rnd.randint(10, 90000)}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--payees", type=int, default=5000)
    ap.add_argument("--teams", type=int, default=500)
    ap.add_argument("--deals", type=int, default=4)
    a = ap.parse_args()
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        pool, retail = Path(tmp) / "pool", Path(tmp) / "retail"
        pool.mkdir()
        retail.mkdir()
        write_pool(pool, a.payees, a.teams, a.deals, rnd)
        write_retail(retail, a.payees, a.deals, rnd)
        for plan, folder, period in (("team_pool.yaml", pool, "2026-Q1"),
                                     ("retail.yaml", retail, "2026-03")):
            t = time.perf_counter()
            result = run_files(ROOT / "plans" / plan, folder, period)
            print(f"{plan}: {len(result.payees)} payees, total {result.total}, "
                  f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
