"""Two cores for many statements: half the payees laid out in a forked process.

A statement takes about a quarter of a second (most of it WeasyPrint laying out the
PDF), and one payee's files depend on nothing but that payee's statement, so the
payees are split in two: the parent writes the first half while a forked child writes
the second and sends back what it wrote (the index entries). The child never touches
the store: everything it needs was read before the fork.

Only where fork() exists, with two cores or more, and for enough payees to repay it.
"""
from __future__ import annotations

import os
import pickle
import sys
import traceback

MIN_ITEMS = 2


def worth_it(n: int) -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and n >= MIN_ITEMS


def map_in_two(fn, items: list) -> list:
    """[fn(x) for x in items], the second half in a child process; order kept."""
    if not worth_it(len(items)):
        return [fn(x) for x in items]
    half = len(items) // 2
    first, second = items[:half], items[half:]
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child process
        code = 0
        try:
            os.close(read_fd)
            data = pickle.dumps([fn(x) for x in second])
        except BaseException:
            code = 1
            data = pickle.dumps(traceback.format_exc())
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        os._exit(code)
    os.close(write_fd)
    try:
        out = [fn(x) for x in first]
    except BaseException:
        os.kill(child, 9)
        os.waitpid(child, 0)
        os.close(read_fd)
        raise
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(child, 0)
    payload = pickle.loads(data) if data else "the second process died"
    if status != 0 or isinstance(payload, str):
        raise RuntimeError(f"writing statements in the second process failed:\n{payload}")
    return out + payload
