"""Two cores for many statements: half the payees laid out in a forked process.

A statement takes about a quarter of a second (most of it WeasyPrint laying out the
PDF), and one payee's files depend on nothing but that payee's statement, so the
payees are split in two: the parent writes the first half while a forked child writes
the second and sends back what it wrote (the index entries). The child never touches
the store: everything it needs was read before the fork.

Only where fork() exists, with two cores or more, and for enough payees to repay it.
"""
from __future__ import annotations

from .. import forked

MIN_ITEMS = 2


def worth_it(n: int) -> bool:
    return forked.available() and n >= MIN_ITEMS


def map_in_two(fn, items: list) -> list:
    """[fn(x) for x in items], the second half in a child process; order kept."""
    if not worth_it(len(items)):
        return [fn(x) for x in items]
    return forked.map_in_two(fn, items)
