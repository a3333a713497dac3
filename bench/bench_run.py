"""End-to-end benchmark: the AE plan (plans/ae.yaml) from CSV to written results.

    python bench/bench_run.py                 # 100k and 1M deals
    python bench/bench_run.py --deals 100000  # one size

For each size it generates seeded data (bench/generate.py, cached under /tmp), then
times, in fresh processes:
  compplan   `compplan run plans/ae.yaml ...`, all line items written
  baseline   a hand-written plain-Python loop over the same plan (below), writing the
             same number of lines, the yardstick on this machine
and prints wall time, peak memory (the process tree's resident memory, sampled) and the
ratio compplan / baseline, since absolute seconds depend on the machine.
Run by hand; it is not a test.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402


def tree_rss(pid: int) -> int:
    """Memory (bytes) of a process and all its descendants: the proportional set size,
    so pages a forked worker still shares with its parent are counted once."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.25)  # reading smaps_rollup costs: do not slow the run down
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()}")
    return elapsed, peak


BASELINE = r'''
import csv, sys, datetime as dt
from decimal import Decimal as D, ROUND_HALF_UP
data, out = sys.argv[1], sys.argv[2]
cent = D("0.01")
payees = {r["rep_id"]: r for r in csv.DictReader(open(f"{data}/payees.csv"))}
quota = {r["rep_id"]: D(r["amount"]) for r in csv.DictReader(open(f"{data}/quotas.csv"))}
csat = {r["rep_id"]: (D(r["csat"]) if r["csat"] else None)
        for r in csv.DictReader(open(f"{data}/kpis.csv"))}
deals = {}
start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
for r in csv.DictReader(open(f"{data}/deals.csv")):
    d = dt.date.fromisoformat(r["close_date"])
    if not (start <= d <= end) or r["product"] == "services":
        continue
    credit = D(r["amount"]) * (D("0.5") if r["type"] == "renewal" else 1)
    deals.setdefault(r["rep_id"], []).append((d, r["deal_id"], credit))
tiers = [(D("0.5"), D("0.04")), (D("1"), D("0.08")), (D("1.5"), D("0.12")), (None, D("0.16"))]
with open(f"{out}/lines.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    for rep in sorted(payees):
        q = quota[rep]
        run, paid, booked = D(0), D(0), D(0)
        for d, deal, credit in sorted(deals.get(rep, ())):
            lo_amt, hi_amt, pay, parts = run, run + credit, D(0), []
            prev = D(0)
            for bound, rate in tiers:
                b = bound * q if bound is not None else None
                lo, hi = max(lo_amt, prev), (hi_amt if b is None else min(hi_amt, b))
                if hi > lo:
                    pay += (hi - lo) * rate
                    parts.append(f"{hi - lo:,.2f} x {rate}")
                prev = b if b is not None else prev
            line = pay.quantize(cent, ROUND_HALF_UP)
            paid += line
            run = hi_amt
            w.writerow([rep, deal, "commission", line, " + ".join(parts), d, credit,
                        run / q])
        cap = (D("2.5") * D(payees[rep]["target_incentive"])).quantize(cent)
        if paid > cap:
            w.writerow([rep, "", "cap", cap - paid])
        att = run / q
        c = csat[rep]
        if c is not None and c >= 85 and att >= 1:
            w.writerow([rep, "", "csat_bonus", (1000 * min(c / 90, D("1.2"))).quantize(cent)])
'''


def main() -> None:
    ap = argparse.ArgumentParser(description="End-to-end AE plan benchmark")
    ap.add_argument("--deals", type=int, action="append")
    ap.add_argument("--payees-per-deal", type=float, default=0.01)
    a = ap.parse_args()
    sizes = a.deals or [100_000, 1_000_000]
    print(f"{'deals':>9} {'payees':>7} {'what':9} {'seconds':>8} {'peak MB':>8} {'ratio':>6}")
    for deals in sizes:
        payees = max(10, int(deals * a.payees_per_deal))
        data = Path(f"/tmp/compplan-bench-{payees}-{deals}")
        if not (data / "deals.csv").exists():
            generate(data, payees, deals)
        out = Path(f"/tmp/compplan-bench-out-{deals}")
        out.mkdir(exist_ok=True)
        script = out / "baseline.py"
        script.write_text(BASELINE)
        base_t, base_m = measure([sys.executable, str(script), str(data), str(out)])
        t, m = measure([sys.executable, str(ROOT / "cli.py"), "run", "plans/ae.yaml",
                        "--data", str(data), "--period", "2026-Q1", "--out", str(out)])
        lines = sum(1 for _ in open(out / "ae-2026" / "2026-Q1" / "lines.csv")) - 1
        print(f"{deals:>9} {payees:>7} {'baseline':9} {base_t:8.2f} {base_m / 1e6:8.0f}")
        print(f"{deals:>9} {payees:>7} {'compplan':9} {t:8.2f} {m / 1e6:8.0f} "
              f"{t / base_t:6.2f}   ({lines:,} lines)")


if __name__ == "__main__":
    main()
