"""Scale benchmark of issue 12: compplan against hand-written DuckDB and Polars.

    python bench/bench_scale.py                       # 1M deals / 10k payees
    python bench/bench_scale.py --size 10000000:50000 # 10M deals / 50k payees
    python bench/bench_scale.py --skip save          # leave a contender out

The plan is bench/plans/ae_scale.yaml (marginal tiers on running attainment, a cap, a
KPI-gated bonus, a SPIFF, a one-level manager override); bench/generate.py makes its
data (seeded, cached under /tmp). In the same run, each in a fresh process, it times:
  duckdb     bench/baselines/ae_duckdb.py, the plan written by hand as DuckDB SQL
  polars     bench/baselines/ae_polars.py, the plan written by hand in Polars
  compplan   `compplan run` on the Python engine (every line written, with formula,
             sources, tiers)
  sql        `compplan run --engine duckdb`: the plan compiled to SQL (issue 12)
  save       `compplan run --engine duckdb --save` into a fresh SQLite store: the lines
             from DuckDB into the store in bulk (issue 12 item 4)
  save-pg    the same into PostgreSQL (COMPPLAN_BENCH_PG, else
             postgresql://postgres@127.0.0.1:5432/test), in a schema of its own dropped
             after; the server's CPU is not in the process tree: read from its
             backends' /proc when the server runs on this machine (postgres CPU s)
  save-py    `compplan run --save` on the Python engine, into a fresh SQLite store
and prints wall seconds, CPU seconds (user + system of the process and its children),
peak memory (PSS of the process tree, sampled) and each one's ratio to the DuckDB
query. Every result is checked against the others to the cent, payee by payee and
component by component, so a fast wrong answer cannot pass; for the saves, the
lines as the store holds them. Every lines.csv must have compplan's 16 columns
(results.LINE_COLUMNS: the yardsticks write what compplan writes, issue 12), and the
run says which of them are byte for byte the same file.

    python bench/bench_scale.py --against /work/wt-base --rounds 2 --skip compplan ...

runs each contender also with another checkout's code (its cli.py and its baselines),
alternating this code and that one, round after round: an A/B in one run, at one load.
With more than one round, each contender's ratios to its round's DuckDB query are
summed up at the end: median, least and most (one round on a shared machine says little).
Run by hand; not a test.
"""
from __future__ import annotations

import argparse
import collections
import csv
import filecmp
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import treemem  # noqa: E402
from generate import generate  # noqa: E402

sys.path.insert(0, str(ROOT))
from compplan.engine.results import LINE_COLUMNS  # noqa: E402

PLAN = "bench/plans/ae_scale.yaml"


def agree(results: dict[str, dict]) -> list[str]:
    """The contenders' names, once each one's (payee, component) totals equal the
    first's to the cent; otherwise stop and say where they part (a fast wrong answer
    never passes)."""
    names = list(results)
    for other in names[1:]:
        if results[other] != results[names[0]]:
            bad = [k for k in set(results[other]) | set(results[names[0]])
                   if results[other].get(k) != results[names[0]].get(k)]
            raise SystemExit(f"{other} disagrees with {names[0]} on {len(bad)} "
                             f"(payee, component) totals, e.g. {sorted(bad)[:3]}")
    return names


def _cpu_of(pid: int) -> float | None:
    """user + system seconds of one process itself, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(") ", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SHARED = "vfork copy, left out"


def measure(cmd: list[str], env: dict | None = None, failed=SystemExit,
            parts: dict[str, int] | None = None, cwd: Path | None = None
            ) -> tuple[float, float, int]:
    """(wall s, CPU s, peak PSS bytes) of a command and everything it starts. The CPU is
    also sampled per process from /proc: a JVM that pyspark starts and does not wait
    for never reports its time to its parent (bench_engines.py). A command that fails
    raises `failed` with the end of its stderr. `parts`: filled with each process
    name's own peak PSS (java: Spark's driver JVM; python: the client and its DuckDB),
    the processes of one name summed at each sample, and under SHARED the largest PSS
    left out of a sample as a process ran in its parent's address space (a vfork or
    posix_spawn before its exec: counted, it doubled the JVM). `cwd`: where it runs
    (ROOT)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=cwd or ROOT, env=env)
    peak, seen, done = 0, {}, threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            # the tree's figure is one sample's processes summed, a process that runs
            # in its parent's address space (vfork, posix_spawn) left out: treemem.py
            total, by_name, shared = treemem.sample(proc.pid)
            peak = max(peak, total)
            for pid, _ in treemem.tree(proc.pid):
                cpu = _cpu_of(pid)
                if cpu is not None:
                    seen[pid] = max(seen.get(pid, 0.0), cpu)
            if parts is not None:
                for name, size in by_name.items():
                    parts[name] = max(parts.get(name, 0), size)
                if shared:
                    parts[SHARED] = max(parts.get(SHARED, 0), shared)
            time.sleep(0.2)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise failed(f"{' '.join(cmd)} failed:\n{err.decode()[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, max(cpu, sum(seen.values())), peak


def totals(lines_csv: Path, strict: bool = True) -> dict[tuple[str, str], Decimal]:
    """Pay per (payee, component) from a lines file: what every contender must agree on.
    The file must have lines.csv's columns, in order: a yardstick that writes fewer
    columns does less work than compplan, and its figure would flatter it. Not `strict`
    (another checkout's code, measured beside this one): said, not refused."""
    out: dict[tuple[str, str], Decimal] = collections.defaultdict(Decimal)
    with lines_csv.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != LINE_COLUMNS:
            if strict:
                raise SystemExit(f"{lines_csv}: columns {reader.fieldnames}, not lines.csv's "
                                 f"{LINE_COLUMNS}")
            print(f"{'':>18} {lines_csv.parent.parent.name}/{lines_csv.parent.name}: "
                  f"{len(reader.fieldnames)} columns, not lines.csv's {len(LINE_COLUMNS)}")
        for r in reader:
            out[(r["payee"], r["component"])] += Decimal(r["amount"])
    return {k: v for k, v in out.items() if v}


def store_totals(db: Path) -> dict[tuple[str, str], Decimal]:
    """Pay per (payee, component) from the lines a save stored."""
    out: dict[tuple[str, str], Decimal] = collections.defaultdict(Decimal)
    con = sqlite3.connect(db)
    try:
        for payee, component, amount in con.execute(
                "SELECT payee, component, amount FROM line_items"):
            out[(payee, component)] += Decimal(amount)
    finally:
        con.close()
    return {k: v for k, v in out.items() if v}


PG = os.environ.get("COMPPLAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_schema(prefix: str = "bench", without: str = "save-pg skipped") -> str | None:
    """A fresh schema of the bench's own (None: no server; `without` says what is left
    out)."""
    try:
        import psycopg
        with psycopg.connect(PG, connect_timeout=3, autocommit=True) as c:
            name = f"{prefix}_{os.getpid()}"
            c.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            c.execute(f"CREATE SCHEMA {name}")
            return name
    except Exception as e:  # noqa: BLE001 - any failure: nothing to measure against
        print(f"{without}: no PostgreSQL at {PG} ({type(e).__name__})")
        return None


def pg_totals(schema: str) -> dict[tuple[str, str], Decimal]:
    """Pay per (payee, component) from the lines the PostgreSQL save stored; the schema
    is dropped after."""
    import psycopg
    out: dict[tuple[str, str], Decimal] = collections.defaultdict(Decimal)
    with psycopg.connect(PG, autocommit=True) as c:
        for payee, component, amount in c.execute(
                f"SELECT payee, component, amount FROM {schema}.line_items"):
            out[(payee, component)] += Decimal(amount)
        c.execute(f"DROP SCHEMA {schema} CASCADE")
    return {k: v for k, v in out.items() if v}


def server_cpu() -> float:
    """CPU seconds of every postgres process on this machine so far, with those of the
    backends that have ended (the postmaster's children's time): 0 if none. The server
    is shared, so what other sessions make it do meanwhile counts too."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if stat.split(") ")[0].endswith("(postgres"):
            fields = stat.rsplit(") ", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def contenders(py: str, code: Path, data: Path, work: Path, schema: str | None) -> dict:
    """Each contender's command, run from this checkout's top folder (the plan's path, and
    so the rules' positions, are the same for every checkout) with `code`'s cli.py and
    baselines; the lines file or store each one leaves in `work`."""
    cli = str(code / "cli.py")
    run = [py, cli, "run", PLAN, "--data", str(data), "--period", "2026-Q1", "--quiet"]
    cmds = {
        "duckdb": [py, str(code / "bench/baselines/ae_duckdb.py"), str(data), str(work / "duckdb")],
        "polars": [py, str(code / "bench/baselines/ae_polars.py"), str(data), str(work / "polars")],
        "compplan": run + ["--out", str(work / "compplan")],
        "sql": run + ["--out", str(work / "sql"), "--engine", "duckdb"],
        "save": run + ["--out", str(work / "save"), "--engine", "duckdb", "--save", "--db",
                       f"sqlite:///{work / 'store.db'}"],
        "save-pg": run + ["--out", str(work / "save-pg"), "--engine", "duckdb", "--save",
                          "--db", f"{PG}?options=-csearch_path%3D{schema}"],
        "save-py": run + ["--out", str(work / "save-py"), "--save", "--db",
                          f"sqlite:///{work / 'store-py.db'}"],
    }
    files = {"duckdb": work / "duckdb" / "lines.csv", "polars": work / "polars" / "lines.csv",
             "compplan": work / "compplan" / "ae-scale" / "2026-Q1" / "lines.csv",
             "sql": work / "sql" / "ae-scale" / "2026-Q1" / "lines.csv",
             "save": work / "store.db", "save-py": work / "store-py.db"}
    return {what: (cmd, files.get(what)) for what, cmd in cmds.items()}


def same_bytes(files: dict[str, Path]) -> str:
    """Which lines.csv files are byte for byte the same (groups of names)."""
    groups: list[list[str]] = []
    for name, path in files.items():
        for g in groups:
            if filecmp.cmp(files[g[0]], path, shallow=False):
                g.append(name)
                break
        else:
            groups.append([name])
    return "; ".join(" = ".join(g) for g in groups)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", action="append", help="DEALS:PAYEES (default 1000000:10000)")
    ap.add_argument("--skip", action="append", default=[],
                    help="leave out a contender: duckdb, polars, compplan, sql, save, "
                         "save-pg, save-py")
    ap.add_argument("--against", type=Path,
                    help="another checkout: each contender also run with its code, "
                         "alternately (named `what@base`)")
    ap.add_argument("--rounds", type=int, default=1, help="run every contender this often")
    a = ap.parse_args()
    sizes = [tuple(int(x) for x in s.split(":")) for s in (a.size or ["1000000:10000"])]
    py = sys.executable
    codes = [("", ROOT)] + ([("@base", a.against.resolve())] if a.against else [])
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if a.against:
        print(f"@base: the code of {a.against}")
    print(f"{'deals':>10} {'payees':>7} {'what':14} {'wall s':>7} {'CPU s':>7} {'peak MB':>8} "
          f"{'x duckdb (wall)':>16} {'(CPU)':>6}")
    for deals, payees in sizes:
        data = Path(f"/tmp/compplan-scale-{payees}-{deals}")
        if not (data / "deals.csv").exists():
            generate(data, payees, deals)
        ratios: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
        for _round in range(a.rounds):
            for name, pair in _round_of(a, py, codes, data, deals, payees).items():
                ratios[name].append(pair)
        if a.rounds > 1 and ratios:  # none without the DuckDB query (--skip duckdb)
            summary(ratios)
        print(f"machine load (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def summary(ratios: dict[str, list[tuple[float, float]]]) -> None:
    """Each contender's ratios to the DuckDB query of its own round, over the rounds:
    median, least and most. On a shared 2-core machine the same command varies by a
    fifth between rounds, so one round's ratio says little; the median of several does."""
    print(f"{'':>18} over {len(next(iter(ratios.values())))} rounds, x duckdb of the same "
          "round: median (least-most)")
    for name, pairs in ratios.items():
        walls, cpus = sorted(w for w, _ in pairs), sorted(c for _, c in pairs)
        print(f"{'':>18} {name:14} wall {statistics.median(walls):.2f} ({walls[0]:.2f}-"
              f"{walls[-1]:.2f})  CPU {statistics.median(cpus):.2f} ({cpus[0]:.2f}-"
              f"{cpus[-1]:.2f})")


def _round_of(a, py: str, codes, data: Path, deals: int, payees: int
              ) -> dict[str, tuple[float, float]]:
    """Every contender once with each code, alternately; their results checked. Returns
    each contender's (wall, CPU) ratio to this round's DuckDB query."""
    work = Path(tempfile.mkdtemp(prefix="compplan-scale-"))
    schema = pg_schema() if "save-pg" not in a.skip else None
    runs = {tag: contenders(py, code, data, work / (tag[1:] or "this"), schema)
            for tag, code in codes}
    base = base_cpu = None
    results, csvs, payees_csvs = {}, {}, {}
    ratios: dict[str, tuple[float, float]] = {}
    for what in runs[""]:
        if what in a.skip or (what == "save-pg" and schema is None):
            continue
        for tag, _code in codes:
            cmd, file = runs[tag][what]
            name = what + tag
            if what == "save-pg" and tag:  # one schema a round: the base's save lands
                pg_totals(schema)          # in it after this code's is read (and dropped)
                schema_again = pg_schema()
                cmd = [c.replace(schema, schema_again) for c in cmd]
            server = server_cpu()
            wall, cpu, peak = measure(cmd)
            server = server_cpu() - server
            base = base or (wall if name == "duckdb" else None)
            base_cpu = base_cpu or (cpu if name == "duckdb" else None)
            ratio = ""
            if base:
                ratios[name] = (wall / base, cpu / base_cpu)
                ratio = f"{ratios[name][0]:16.2f} {ratios[name][1]:6.2f}"
            print(f"{deals:>10} {payees:>7} {name:14} {wall:7.2f} {cpu:7.2f} {peak / 1e6:8.0f} "
                  f"{ratio}" + (f"  (+ postgres server {server:.2f} CPU s)"
                                if what == "save-pg" else ""), flush=True)
            if what == "save-pg":
                results[name] = pg_totals(schema_again if tag else schema)
            elif file is not None and file.exists():
                results[name] = store_totals(file) if what.startswith("save") \
                    else totals(file, strict=not tag)
                if not what.startswith("save"):
                    csvs[name] = file
                    if (file.parent / "payees.csv").exists():  # compplan's own runs
                        payees_csvs[name] = file.parent / "payees.csv"
    names = agree(results)
    if names:
        total = sum(results[names[0]].values())
        print(f"{'':>18} all of {', '.join(names)} agree to the cent: total {total:,}")
    if csvs:
        print(f"{'':>18} lines.csv byte for byte the same: {same_bytes(csvs)}")
    if len(payees_csvs) > 1:
        print(f"{'':>18} payees.csv byte for byte the same: {same_bytes(payees_csvs)}")
    shutil.rmtree(work, ignore_errors=True)
    return ratios


if __name__ == "__main__":
    main()
