"""Two cores for one job: the second half of a list worked on in a forked process.

compplan is pure Python, so one process uses one core. Where the parts of a job are
independent (payees of a run, statements of payees), the parent forks, works the first
half while the child works the second, and the child sends its results back through a
pipe. The child shares everything read before the fork (copy on write) and touches no
database. Only where fork() exists and there are two cores or more.
"""
from __future__ import annotations

import os
import pickle
import sys
import traceback
from typing import Callable, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


def in_two(first: Callable[[], R], second: Callable[[], T]) -> tuple[R, T]:
    """(first(), second()), second() run in a forked child; its result must pickle.

    If either fails, the other is stopped and the error raised (the child's with its
    traceback)."""
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child process
        code = 0
        try:
            os.close(read_fd)
            data = pickle.dumps(second())
        except BaseException:
            code = 1
            data = pickle.dumps(traceback.format_exc())
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        os._exit(code)
    os.close(write_fd)
    try:
        mine = first()
    except BaseException:
        os.kill(child, 9)
        os.waitpid(child, 0)
        os.close(read_fd)
        raise
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(child, 0)
    # the payload comes from our own child process, never from outside
    payload = pickle.loads(data) if data else "the second process died"
    if status != 0 or isinstance(payload, str):
        raise RuntimeError(f"the second process failed:\n{payload}")
    return mine, payload


def map_in_two(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """[fn(x) for x in items], the second half in a child process; order kept."""
    half = len(items) // 2
    mine, theirs = in_two(lambda: [fn(x) for x in items[:half]],
                          lambda: [fn(x) for x in items[half:]])
    return mine + theirs
