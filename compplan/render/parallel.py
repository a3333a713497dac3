"""Every core for many statements: payees laid out in forked worker processes.

A statement takes about a quarter of a second (most of it WeasyPrint laying out the
PDF), and one payee's files depend on nothing but that payee's statement, so the
payees are dealt out to one forked worker per core (interleaved, so slow and quick
payees mix). Each worker writes its results (the index entries) to a file of its own
and a byte per payee done to a shared pipe, which the parent reads to show progress.
The workers never touch the store: everything they need was read before the fork.

Only where fork() exists, with two cores or more, and for enough payees to repay it.
"""
from __future__ import annotations

import os
import pickle
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Callable

from .. import forked

MIN_ITEMS = 2
_AT_EXIT: list[Callable[[], None]] = []  # run in a worker before it exits (os._exit)


def at_worker_exit(fn: Callable[[], None]) -> None:
    """Have `fn` run when a worker process is done (it exits with os._exit, which runs
    no atexit handler): a browser a worker started is closed, not left behind."""
    if fn not in _AT_EXIT:
        _AT_EXIT.append(fn)


def worth_it(n: int) -> bool:
    return forked.available() and n >= MIN_ITEMS


def map_in_two(fn, items: list) -> list:
    """[fn(x) for x in items], the second half in a child process; order kept."""
    if not worth_it(len(items)):
        return [fn(x) for x in items]
    return forked.map_in_two(fn, items)


def map_over_cores(fn: Callable, items: list, progress: Callable[[int], None] | None = None,
                   workers: int | None = None,
                   weight: Callable[[object], int] | None = None) -> list:
    """[fn(x) for x in items] over the cores, order kept; `progress(n)` is called in
    this process as n more items are done (or, with `weight`, as items weighing n in
    all are: a batch of statements counts for each of them)."""
    weight = weight or (lambda x: 1)
    n = min(workers or os.cpu_count() or 1, len(items))
    if not worth_it(len(items)) or n < 2:
        out = []
        for x in items:
            out.append(fn(x))
            if progress:
                progress(weight(x))
        return out
    chunks = [list(range(i, len(items), n)) for i in range(n)]
    done_r, done_w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="compplan-workers-") as tmp:
        kids = []
        for k, idx in enumerate(chunks):
            path = Path(tmp) / f"{k}.pickle"
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the worker
                code = 0
                try:
                    os.close(done_r)
                    res = []
                    for i in idx:
                        res.append(fn(items[i]))
                        os.write(done_w, b"." * weight(items[i]))
                    data = pickle.dumps(res)
                except BaseException:
                    code, data = 1, pickle.dumps(traceback.format_exc())
                path.write_bytes(data)
                for done in _AT_EXIT:
                    try:
                        done()
                    except BaseException:  # noqa: BLE001 - the results are written
                        pass
                os._exit(code)
            kids.append((pid, path, idx))
        os.close(done_w)
        try:
            while True:
                got = os.read(done_r, 4096)
                if not got:
                    break  # every worker has finished (or died)
                if progress:
                    progress(len(got))
        finally:
            os.close(done_r)
        out: list = [None] * len(items)
        failed = None
        for pid, path, idx in kids:
            _, status = os.waitpid(pid, 0)
            # written by our own forked worker, never by anything outside
            payload = pickle.loads(path.read_bytes()) if path.exists() else \
                "a worker process died"
            if status != 0 or isinstance(payload, str):
                failed = failed or payload
                continue
            for i, r in zip(idx, payload):
                out[i] = r
    if failed is not None:
        raise RuntimeError(f"a worker process failed:\n{failed}")
    return out
