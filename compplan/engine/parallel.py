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


from .. import forked

MIN_CREDITS = 50_000  # below this, one process is as quick


def worth_it(compiled, prepared, workers: int | None) -> bool:
    if workers is not None and workers < 2:
        return False
    if not forked.available() or compiled.uses_team:
        return False
    n = sum(len(rows) for sets in prepared.credits.values() for rows in sets.values())
    return n >= MIN_CREDITS


def pay_in_two(pay, compiled, prepared, period, writer, order):
    half = len(order) // 2
    part = writer.part("2")

    def second():
        result = pay(compiled, prepared, period, part, order[half:])
        part.finish()
        return result.payees, result.warnings
    try:
        result, (payees, warnings) = forked.in_two(
            lambda: pay(compiled, prepared, period, writer, order[:half]), second)
    except BaseException:
        part.discard()
        raise
    writer.absorb(part)
    result.payees.extend(payees)
    result.payees.sort(key=lambda p: p.payee)
    result.warnings.extend(warnings)
    return result
