"""Two cores for one run: the payee stage split between two processes.

Measures and earnings of one payee depend only on that payee's data (team() aside), so
the payees can be worked out in two halves at once. The parent forks after the data is
prepared (the child shares it, copy on write), works the first half while the child
works the second, then appends the child's lines after its own: the output is the same,
byte for byte, as a single-process run. The child sends back its payees' summaries
(components, totals, warnings), not its lines.

Only where fork() exists, for runs large enough to repay it, and not for plans that use
team() (a manager needs their reports' figures first).
"""
from __future__ import annotations

import os
import pickle
import sys
import traceback

MIN_CREDITS = 50_000  # below this, one process is as quick


def worth_it(compiled, prepared, workers: int | None) -> bool:
    if workers is not None and workers < 2:
        return False
    if not hasattr(os, "fork") or compiled.uses_team:
        return False
    if workers is None and (os.cpu_count() or 1) < 2:
        return False
    n = sum(len(rows) for sets in prepared.credits.values() for rows in sets.values())
    return n >= MIN_CREDITS


def pay_in_two(pay, compiled, prepared, period, writer, order):
    half = len(order) // 2
    first, second = order[:half], order[half:]
    part = writer.part("2")
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child process
        code = 0
        try:
            os.close(read_fd)
            result = pay(compiled, prepared, period, part, second)
            part.finish()
            data = pickle.dumps((result.payees, result.warnings))
        except BaseException:
            code = 1
            data = pickle.dumps(traceback.format_exc())
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        os._exit(code)
    os.close(write_fd)
    try:
        result = pay(compiled, prepared, period, writer, first)
    except BaseException:
        os.kill(child, 9)
        os.waitpid(child, 0)
        os.close(read_fd)
        part.discard()
        raise
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(child, 0)
    payload = pickle.loads(data) if data else "the worker process died"
    if status != 0 or isinstance(payload, str):
        part.discard()
        raise RuntimeError(f"the second worker failed:\n{payload}")
    payees, warnings = payload
    writer.absorb(part)
    result.payees.extend(payees)
    result.payees.sort(key=lambda p: p.payee)
    result.warnings.extend(warnings)
    return result
