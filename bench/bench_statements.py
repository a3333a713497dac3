"""Statements per second (issue 14): `compplan statements` for a generated AE run.

    python bench/bench_statements.py --payees 100 --deals 9000
    python bench/bench_statements.py --payees 1000 --deals 90000 --formats html,csv,json
    python bench/bench_statements.py --payees 100 --code /tmp/old-statements   # main's code
    python bench/bench_statements.py --payees 100 --formats pdf --pdf-engine weasyprint
    python bench/bench_statements.py --payees 200 --formats html,pdf --appendix

Generates seeded data (bench/generate.py, cached under /tmp), works the run out once,
then times writing every payee's statement (publish.write_result: the same work as
`compplan statements` on a stored run, without the store's read) in the formats asked
for, with and without payout curves, in a fresh process (its wall time, the CPU seconds
of it and everything it started, and the load average before and after: on a shared
machine wall time says little alone; CPU is sampled from /proc every 0.5 s, since a
browser's processes are not counted by getrusage). `--code DIR` runs another
checkout's compplan (e.g. `git archive main | tar -x -C /tmp/old-statements`) on the same
data, for a before/after figure on the same machine. Each row also gives the CPU a
statement and what that makes for 10,000 payees on 2 idle cores (CPU x 10,000 / 2: an
estimate). Run by hand; it is not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

CHILD = r"""
import json, sys, time
from pathlib import Path
from compplan.lang import check_file
from compplan.engine.ir import compile_plan
from compplan.engine.run import run_plan
from compplan.periods import parse_period
from compplan.render import publish, rows
plan, data, out, formats, curves, appendix = sys.argv[1:7]
compiled = compile_plan(check_file(plan))
tables, _ = rows.load(compiled, data)
result = run_plan(compiled, tables, parse_period("2026-Q1"))
t0, cpu0 = time.perf_counter(), time.process_time()
more = {"appendix": True} if appendix == "1" else {}  # older code has no appendix=
report = publish.write_result(result, compiled, data, out, formats=tuple(formats.split(",")),
                              curves=curves == "1", **more)
wall = time.perf_counter() - t0
print(json.dumps({"payees": len(report.entries), "wall": wall, "cpu_before": cpu0,
                  "lines": sum(e.lines for e in report.entries),
                  "problems": len(report.problems)}))
"""


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """CPU seconds so far of `root` and every process under it (from /proc), kept per
    process in `seen`: a browser's processes are not waited for by the bench, so
    getrusage alone would leave Chromium's work out."""
    tick = os.sysconf("SC_CLK_TCK")
    parents = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(d.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    def under(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, (0, 0))[0]
        return False
    for pid, (_, cpu) in parents.items():
        if under(pid):
            seen[pid] = max(seen.get(pid, 0.0), cpu)


def one(code: Path, data: Path, formats: str, curves: bool, engine: str,
        appendix: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), COMPPLAN_PDF_ENGINE=engine)
    seen: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT / "plans" / "ae.yaml"),
                                 str(data), out, formats, "1" if curves else "0",
                                 "1" if appendix else "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env, cwd=str(code))
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.5):
                _tree_cpu(proc.pid, seen)
        threading.Thread(target=sample, daemon=True).start()
        stdout, stderr = proc.communicate()
        done.set()
    if proc.returncode:
        raise SystemExit(stderr[-3000:])
    result = json.loads(stdout.strip().splitlines()[-1])
    # CPU of the child and everything under it, less what the child spent before the
    # statements (reading and running the plan); each process's last half second
    # may be missed: sampled every 0.5 s
    result["cpu"] = sum(seen.values()) - result["cpu_before"]  # the statements' part
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payees", type=int, default=100)
    ap.add_argument("--deals", type=int, default=None, help="default: 90 per payee")
    ap.add_argument("--formats", default="html,csv,json;html,pdf,csv,json",
                    help="';'-separated sets of formats to time")
    ap.add_argument("--curves", default="0,1", help="0: --no-curve, 1: with curves")
    ap.add_argument("--code", default=str(ROOT), help="the checkout whose compplan runs")
    ap.add_argument("--pdf-engine", default="auto", help="auto, chromium or weasyprint")
    ap.add_argument("--appendix", action="store_true",
                    help="PDFs with the auditor's appendix (statements --appendix)")
    a = ap.parse_args()
    deals = a.deals or a.payees * 90
    data = Path(tempfile.gettempdir()) / f"compplan-bench-statements-{a.payees}-{deals}"
    if not (data / "deals.csv").exists():
        generate(data, a.payees, deals)
    print(f"{a.payees} payees, {deals} deals, code {a.code}, PDF engine {a.pdf_engine}, "
          f"{os.cpu_count()} cores", flush=True)
    print(f"{'formats':<22} {'curves':>6} {'wall s':>8} {'statements/s':>13} {'lines':>8} "
          f"{'cpu s':>8} {'cpu ms each':>12} {'10k on 2 cores':>15} {'load before/after':>18}",
          flush=True)
    for formats in a.formats.split(";"):
        for curves in a.curves.split(","):
            load = os.getloadavg()[0]
            r = one(Path(a.code), data, formats, curves == "1", a.pdf_engine, a.appendix)
            each = r["cpu"] / r["payees"]
            # 10,000 payees on 2 idle cores: the CPU a statement, times 10,000, over the
            # 2 workers (an estimate: the work is per payee, rows indexed once)
            print(f"{formats:<22} {curves:>6} {r['wall']:>8.1f} "
                  f"{r['payees'] / r['wall']:>13.1f} {r['lines']:>8} {r['cpu']:>8.1f} "
                  f"{each * 1000:>12.1f} {each * 10_000 / 2:>13.0f} s "
                  f"{load:>8.1f} /{os.getloadavg()[0]:>5.1f}", flush=True)


if __name__ == "__main__":
    main()
