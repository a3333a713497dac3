"""Portal load benchmark (issue 8), on loopback: page views from many clients at once
with an ingest stream beside them, against the portal as `compplan serve` runs it.

    python bench/bench_portal.py --payees 10000 --deals 1000000 \\
        --clients 200 --views 6000 --batches 5 --batch 1000

Builds a store with the AE plan's generated data as the open period (bench/generate.py),
rep accounts and an ingest token; starts `compplan serve` (one uvicorn process: the live
period is in its memory); logs the reps in; then runs, side by side and bounded in count
and time:
  * `--clients` concurrent clients, each viewing rep pages (the HTML page, or the JSON
    it polls) until `--views` page views are done in all;
  * an ingest stream: `--batches` batches of `--batch` new deals for random reps, one
    after another, each timed from the POST until an affected rep's polled figures show
    it (the reply comes once the batch is stored and live, so that is the reply time
    plus one poll).
Then one more batch with nothing else running. Reports page views per second and
latency percentiles, and the ingest times. Run by hand; not a test.

A client polls the JSON as the page's script does: it sends back the ETag of its last
answer (If-None-Match), and an unchanged one is a 304 (issue 15). `--code DIR` serves
the portal of another checkout (main's, for an A/B) with the same clients.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
from generate import generate  # noqa: E402

import httpx2 as httpx  # noqa: E402

PASSWORD = "bench-password"


def build_store(url: str, data: Path, reps: list[str]) -> str:
    from compplan.engine import load_plan
    from compplan.store import open_store
    from compplan.web.auth import create_account, create_token
    from compplan.web.live import open_period
    store = open_store(url)
    plan = ROOT / "plans" / "ae.yaml"
    compiled = load_plan(plan)
    t = time.perf_counter()
    open_period(store, compiled, plan.read_bytes(), data, "2026-Q1", "bench")
    print(f"open period stored (data checked): {time.perf_counter() - t:.1f} s")
    with store.session() as db:
        for pid in reps:
            create_account(db, pid.lower(), "rep", PASSWORD, pid, pid, "bench", plan="ae-2026")
        _, token = create_token(db, "bench", "bench")
        db.commit()
    store.close()
    return token


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def log_in(client: httpx.AsyncClient, login: str) -> None:
    page = await client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = await client.post("/login", data={"login": login, "password": PASSWORD,
                                          "csrf": csrf, "next": "/"})
    assert r.status_code == 303, r.text[:300]


async def main_async(a, base: str, token: str, reps: list[str], payees: int) -> None:
    limits = httpx.Limits(max_connections=a.clients + 10, max_keepalive_connections=a.clients)
    sessions = []
    t = time.perf_counter()
    for pid in reps:
        c = httpx.AsyncClient(base_url=base, limits=limits, timeout=120)
        await log_in(c, pid.lower())
        sessions.append((c, pid))
    print(f"{len(sessions)} reps logged in: {time.perf_counter() - t:.1f} s")
    api = httpx.AsyncClient(base_url=base, timeout=300)
    rnd = random.Random(3)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    left = [a.views]
    stop_at = time.perf_counter() + a.max_seconds

    async def viewer(i: int) -> None:
        c, pid = sessions[i % len(sessions)]
        etag = None  # the last live.json's, sent back as the page's script does
        while left[0] > 0 and time.perf_counter() < stop_at:
            left[0] -= 1
            poll = rnd.random() < 0.5
            url = f"/plans/ae-2026/payees/{pid}" + ("/live.json" if poll else "")
            t0 = time.perf_counter()
            r = await c.get(url, headers={"If-None-Match": etag} if poll and etag else None)
            latencies.append(time.perf_counter() - t0)
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if poll and r.status_code == 200:
                etag = r.headers.get("etag")

    ingests: list[tuple[float, float, int, float]] = []  # reply, visible, payees, server

    async def one_batch(b: int) -> None:
        batch = [f"LIVE-{b}-{i},R{rnd.randrange(payees):06d},2026-03-31,"
                 f"{rnd.randrange(1000, 90000)}.00,software,new" for i in range(a.batch)]
        probe = batch[0].split(",")[1]
        watcher, _ = next(((c, p) for c, p in sessions if p == probe), (None, None))
        body = "deal_id,rep_id,close_date,amount,product,type\n" + "\n".join(batch) + "\n"
        t0 = time.perf_counter()
        r = await api.post("/api/plans/ae-2026/ingest", content=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "text/csv"})
        reply = time.perf_counter() - t0
        assert r.status_code == 200 and r.json()["accepted"] == a.batch, r.text[:500]
        # visible: a logged-in rep of the batch (or the first rep, by the API's count)
        c = watcher or sessions[0][0]
        pid = probe if watcher else sessions[0][1]
        seen = await c.get(f"/plans/ae-2026/payees/{pid}/live.json")
        assert seen.status_code == 200
        ingests.append((reply, time.perf_counter() - t0, r.json()["payees_updated"],
                        r.json()["seconds"]))

    async def stream() -> None:
        for b in range(a.batches):
            if time.perf_counter() > stop_at:
                break
            await one_batch(b)

    # make sure the first batch's probe rep is logged in: put reps of the batches first
    t = time.perf_counter()
    await asyncio.gather(stream(), *(viewer(i) for i in range(a.clients)))
    wall = time.perf_counter() - t
    n = len(latencies)
    print(f"\n{n:,} page views by {a.clients} concurrent clients in {wall:.1f} s "
          f"with {len(ingests)} ingest batches of {a.batch:,} beside them")
    print(f"  {n / wall:,.0f} page views/s; latency p50 {pct(latencies, .5) * 1000:.0f} ms, "
          f"p95 {pct(latencies, .95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
          f"statuses {statuses}")
    if ingests:
        replies = [x[0] for x in ingests]
        visible = [x[1] for x in ingests]
        print(f"  ingest under load: reply median {statistics.median(replies):.2f} s, worst "
              f"{max(replies):.2f} s; visible median {statistics.median(visible):.2f} s, "
              f"worst {max(visible):.2f} s; {ingests[0][2]:,} payees worked out again per "
              f"batch; in the portal (checked, stored, live) median "
              f"{statistics.median(x[3] for x in ingests):.2f} s")
        print("  visible, batch by batch: " + ", ".join(f"{x[1]:.2f}" for x in ingests)
              + " s (reply " + ", ".join(f"{x[0]:.2f}" for x in ingests) + ")")
    ingests.clear()
    cpu0 = _cpu(a.server_pid)
    for b in range(3):
        await one_batch(100 + b)
    cpu = (_cpu(a.server_pid) - cpu0) / 3
    replies = [x[0] for x in ingests]
    visible = [x[1] for x in ingests]
    print(f"  ingest alone (3 batches of {a.batch:,}): reply median "
          f"{statistics.median(replies):.2f} s, worst {max(replies):.2f} s; visible "
          f"median {statistics.median(visible):.2f} s, worst {max(visible):.2f} s; of which "
          f"checked, stored and taken live: median "
          f"{statistics.median(x[3] for x in ingests):.2f} s")
    # on a shared machine the wall time is the load's: the portal's own CPU a batch
    # (its threads, from /proc) is what an idle core would take, near enough
    print(f"  the portal's CPU a batch alone (and one poll): {cpu:.2f} CPU-s; load average "
          f"{os.getloadavg()[0]:.1f}")
    for c, _ in sessions:
        await c.aclose()
    await api.aclose()


def main() -> None:
    ap = argparse.ArgumentParser(description="portal load benchmark")
    ap.add_argument("--payees", type=int, default=10_000)
    ap.add_argument("--deals", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--views", type=int, default=6000)
    ap.add_argument("--reps", type=int, default=50, help="rep accounts the clients share")
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="the checkout whose portal is served (main's, for an A/B)")
    a = ap.parse_args()
    data = Path(f"/tmp/compplan-bench-{a.payees}-{a.deals}")
    if not (data / "deals.csv").exists():
        generate(data, a.payees, a.deals)
    folder = Path(tempfile.mkdtemp(prefix="compplan-bench-portal-"))
    url = f"sqlite:///{folder}/bench.db"
    rnd = random.Random(5)
    reps = [f"R{rnd.randrange(a.payees):06d}" for _ in range(a.reps)]
    reps = list(dict.fromkeys(reps))
    token = build_store(url, data, reps)
    env = {**os.environ, "COMPPLAN_SECRET": "bench", "PYTHONPATH": str(a.code.resolve())}
    t = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-c", "from compplan.cli.main import main; "
                               "main()", "serve", "--db", url, "--port", str(a.port),
                               "--as-of", "2026-03-31"], env=env, cwd=a.code.resolve(),
                              start_new_session=True)
    base = f"http://127.0.0.1:{a.port}"
    try:
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise SystemExit("the portal did not start")
            time.sleep(0.5)
        rss = _rss(server.pid)
        print(f"portal up with the open period worked out: {time.perf_counter() - t:.1f} s"
              f" ({a.deals:,} deals, {a.payees:,} payees; {rss})")
        a.server_pid = server.pid
        asyncio.run(main_async(a, base, token, reps, a.payees))
        print(f"  portal memory after: {_rss(server.pid)}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process so far, all its threads: /proc/PID/stat
    fields 14 and 15, in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> str:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return "RSS " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "RSS unknown"


if __name__ == "__main__":
    main()
