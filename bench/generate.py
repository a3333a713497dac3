"""Seeded sample data for the AE plan (plans/ae.yaml), at any scale.

    python bench/generate.py --payees 10000 --deals 1000000 --out /tmp/ae-1m

Payees form a manager hierarchy (one manager for every 8 reps, one director for every
8 managers); deal sizes are skewed (log-normal, so a few deals are large); quotas and
target incentives vary by rep; a few KPI values are missing. Same seed, same files.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from pathlib import Path

PRODUCTS = ["software", "software", "software", "hardware", "services"]
TYPES = ["new", "new", "new", "renewal", "upsell"]


def generate(out: Path, payees: int, deals: int, seed: int = 7, period: str = "2026-Q1") -> None:
    rnd = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    reps = [f"R{i:06d}" for i in range(payees)]
    with (out / "payees.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rep_id", "manager_id", "name", "region", "target_incentive"])
        for i, rep in enumerate(reps):
            # every 9th payee manages the next eight; every 81st manages eight managers
            if i % 81 == 0:
                mgr = ""
            elif i % 9 == 0:
                mgr = reps[(i // 81) * 81]
            else:
                mgr = reps[(i // 9) * 9]
            w.writerow([rep, mgr, f"Rep {i}", rnd.choice(["EMEA", "AMER", "APAC"]),
                        f"{rnd.randrange(20, 60) * 1000}.00"])
    start = dt.date(2026, 1, 1)
    with (out / "deals.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["deal_id", "rep_id", "close_date", "amount", "product", "type"])
        for i in range(deals):
            amount = min(5_000_000, math.exp(rnd.gauss(9.5, 1.1)))
            w.writerow([f"D{i:08d}", reps[rnd.randrange(payees)],
                        (start + dt.timedelta(days=rnd.randrange(90))).isoformat(),
                        f"{amount:.2f}", rnd.choice(PRODUCTS), rnd.choice(TYPES)])
    mean_booked = deals / payees * math.exp(9.5 + 1.1 ** 2 / 2) * 0.7
    with (out / "quotas.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rep_id", "period", "amount"])
        for rep in reps:
            w.writerow([rep, period, f"{max(1000, mean_booked * rnd.uniform(0.6, 1.4)):.2f}"])
    with (out / "kpis.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rep_id", "period", "csat"])
        for rep in reps:
            w.writerow([rep, period, "" if rnd.random() < 0.05 else rnd.randrange(70, 100)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payees", type=int, default=1000)
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    generate(Path(a.out), a.payees, a.deals, a.seed)


if __name__ == "__main__":
    main()
