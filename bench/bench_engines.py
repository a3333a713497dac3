"""Engine benchmark of issue 13: the AE plan on DuckDB, PostgreSQL and Spark, and how
each grows from 1M to 10M deals.

    python bench/bench_engines.py                          # 1M/10k and 10M/50k, all three
    python bench/bench_engines.py --size 1000000:10000     # one size
    python bench/bench_engines.py --engine duckdb --engine postgres
    python bench/bench_engines.py --master local[2]        # Spark's master (the default)
    python bench/bench_engines.py --code /work/main --code .  # A/B: each engine of each
                                                           # checkout, alternating

The plan is bench/plans/ae_scale.yaml, its data bench/generate.py's (seeded, cached under
/tmp, as bench_scale.py makes it). For each size, each engine runs `compplan run PLAN
--engine E` in a fresh process, writing payees.csv and lines.csv as a user's run does:
  duckdb    the plan as SQL in embedded DuckDB
  postgres  the plan as one SQL script inside PostgreSQL (COMPPLAN_BENCH_PG, else
            postgresql://postgres@127.0.0.1:5432/test); its search path starts at a
            schema of the bench's own, dropped after. The server's CPU is not in the
            client's process tree: it is read from the postgres processes' /proc
            (bench_scale.server_cpu), so other sessions' work on a shared server counts
  spark     the plan as Spark SQL, `--master local[2]`: the driver JVM (which in local
            mode is the executors too) is a child of the command, so it is in the tree
It prints wall seconds, CPU seconds (user + system of the process tree: what the
finished children report, or what /proc showed of each process while it ran, whichever
is more, since a JVM its parent does not wait for reports to nobody), peak memory (PSS
of the process tree, sampled), and for each engine how each grows from the smallest
size to the largest. Every engine's lines are checked against the others' to the cent,
payee by payee and component by component, so a fast wrong answer cannot pass.
Peak memory is also given by process (java: Spark's driver JVM; python: the client, with
its DuckDB), so that a growth can be told to the JVM or to the client.

A separate script, not an option of bench_scale.py: that one compares compplan with the
plan written by hand, one size at a time; this one compares engines across sizes (its
table needs every size's figures before it can say how they grow), and reuses
bench_scale's measuring and checking. Run by hand; not a test.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_scale import PG, PLAN, agree, server_cpu, totals  # noqa: E402
from bench_scale import measure as scale_measure, pg_schema as scale_pg_schema  # noqa: E402,E501
from generate import generate  # noqa: E402

ENGINES = ("duckdb", "postgres", "spark")
SIZES = ("1000000:10000", "10000000:50000")


def data_for(deals: int, payees: int) -> Path:
    """bench/generate.py's data at this size, made once (under a temporary name, then
    renamed: another bench may be reading the cached folder meanwhile)."""
    data = Path(f"/tmp/compplan-scale-{payees}-{deals}")
    if not (data / "kpis.csv").exists():
        part = Path(f"{data}.part{os.getpid()}")
        generate(part, payees, deals)
        if not (data / "kpis.csv").exists():
            shutil.rmtree(data, ignore_errors=True)
            part.rename(data)
        else:
            shutil.rmtree(part, ignore_errors=True)
    return data


def measure(cmd: list[str], env: dict | None = None, parts: dict | None = None,
            cwd: Path | None = None) -> tuple[float, float, int]:
    """bench_scale.measure, a failed run raised (the others still run)."""
    return scale_measure(cmd, env, failed=RuntimeError, parts=parts, cwd=cwd)


def pg_schema() -> str | None:
    return scale_pg_schema("bench_engines", "postgres left out")


def drop_schema(name: str) -> None:
    import psycopg
    with psycopg.connect(PG, autocommit=True) as c:
        c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def command(engine: str, data: Path, out: Path, schema: str | None, master: str) -> list[str]:
    cmd = [sys.executable, "cli.py", "run", PLAN, "--data", str(data), "--period", "2026-Q1",
           "--out", str(out), "--engine", engine, "--quiet"]
    if engine == "postgres":
        cmd += ["--dsn", f"{PG}?options=-csearch_path%3D{schema}"]
    if engine == "spark":
        cmd += ["--master", master]
    return cmd


def available_memory_gb() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 ** 2
    return 0.0


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", action="append",
                    help=f"DEALS:PAYEES (default {' and '.join(SIZES)})")
    ap.add_argument("--engine", action="append", choices=ENGINES,
                    help="an engine to run (default all three)")
    ap.add_argument("--master", default="local[2]", help="Spark's master (default local[2])")
    ap.add_argument("--code", action="append", type=Path,
                    help="a checkout whose cli.py runs (default this one's); given twice or "
                         "more, each engine runs on each checkout in turn (an A/B)")
    ap.add_argument("--min-free-gb", type=float, default=8.0,
                    help="wait before a run of 5M deals or more until this much memory "
                         "is available (default 8)")
    a = ap.parse_args()
    sizes = [tuple(int(x) for x in s.split(":")) for s in (a.size or SIZES)]
    engines = a.engine or list(ENGINES)
    codes = [c.resolve() for c in a.code] if a.code else [ROOT]
    runs = [(e, c) for e in engines for c in codes]

    def label(engine: str, code: Path) -> str:
        return engine if len(codes) == 1 else f"{engine}@{code.name}"
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024 ** 3:.0f} GB; "
          f"python {sys.version.split()[0]}; Spark master {a.master}")
    print(f"machine load (1, 5, 15 min): {load()}")
    print(f"{'deals':>10} {'payees':>7} {'engine':9} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}"
          f"  server CPU s (postgres); peak MB by process")
    figures: dict[str, dict[int, tuple[float, float, int]]] = {label(*r): {} for r in runs}
    for deals, payees in sizes:
        data = data_for(deals, payees)
        work = Path(tempfile.mkdtemp(prefix="compplan-engines-"))
        results = {}
        try:
            for engine, code in runs:
                name = label(engine, code)
                schema = pg_schema() if engine == "postgres" else None
                if engine == "postgres" and schema is None:
                    continue
                while deals >= 5_000_000 and available_memory_gb() < a.min_free_gb:
                    print(f"  (waiting: {available_memory_gb():.1f} GB available, "
                          f"{a.min_free_gb:.0f} wanted)", flush=True)
                    time.sleep(30)
                server = server_cpu()
                parts: dict[str, int] = {}
                env = dict(os.environ, PYTHONPATH=str(code))
                try:
                    wall, cpu, peak = measure(command(engine, data, work / name, schema,
                                                      a.master), env, parts, code)
                except RuntimeError as e:
                    print(f"{deals:>10} {payees:>7} {name:9} failed: {e}", flush=True)
                    continue
                finally:
                    if schema is not None:
                        drop_schema(schema)
                server = server_cpu() - server
                figures[name][deals] = (wall, cpu, peak)
                shown = ", ".join(f"{n} {b / 1e6:,.0f}" for n, b in
                                  sorted(parts.items(), key=lambda x: -x[1]) if b >= 5e6)
                print(f"{deals:>10} {payees:>7} {name:9} {wall:8.2f} {cpu:8.2f} "
                      f"{peak / 1e6:8.0f}" + (f"  {server:.2f}" if engine == "postgres"
                                              else "") + f"  ({shown}; load {load()})",
                      flush=True)
                results[name] = totals(work / name / "ae-scale" / "2026-Q1" / "lines.csv")
                shutil.rmtree(work / name, ignore_errors=True)
            names = agree(results)
            if names:
                total = sum(results[names[0]].values())
                print(f"{'':>19} {', '.join(names)} agree to the cent per payee and "
                      f"component: total {total:,} in {len(results[names[0]]):,} "
                      "(payee, component) totals", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if len(sizes) > 1:
        small, large = min(s[0] for s in sizes), max(s[0] for s in sizes)
        print(f"growth from {small:,} to {large:,} deals ({large / small:.0f}x the data):")
        print(f"{'engine':9} {'wall':>7} {'CPU':>7} {'peak':>7}")
        for engine, by in figures.items():
            if small in by and large in by:
                (w0, c0, p0), (w1, c1, p1) = by[small], by[large]
                print(f"{engine:9} {w1 / w0:6.1f}x {c1 / c0:6.1f}x {p1 / p0:6.2f}x")
    print(f"machine load (1, 5, 15 min): {load()}")


if __name__ == "__main__":
    main()
