"""team(): a manager's figures added up from their reports' (engine/pay.py).

Why a reader of figures and not closures: each payee's Env holds its team() (env.team),
and team() reads the run's payees. As closures over pay_payees' locals they made a
cycle (an Env -> its team closure -> the run's dict of Envs -> the Env) that kept every
payee's Env, with its rows, sets and caches, alive until the cyclic collector ran; and
the live run pauses and freezes the collector while a batch is worked out
(engine/live.py), so the collector may never come to them. The reader keeps each
payee's figures (the Env's own earnings and measures dicts, which it fills as it goes),
never the Env, and an Env's team() refers to the reader, not the reader to the Env: an
Env is freed by reference counting as soon as the run lets go of it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .hierarchy import reports_within


class TeamReader:
    """What team() reads in one pay_payees: payees worked out in it (`finished`),
    those of an earlier working out (`earlier`, a live batch's untouched payees), and a
    report's figures over part of the period (moved between managers in it), worked
    out once each by `part(pid, first, last, team_of)` (pay.py's _part_env)."""

    def __init__(self, reports: dict, whole: tuple[dt.date, dt.date], earlier: dict | None,
                 part: Callable[..., Any]):
        self.reports, self.whole, self.earlier, self.part = reports, whole, earlier, part
        self.done: dict[str, tuple[dict, dict]] = {}  # payee -> (earnings, measures)
        self.partials: dict[tuple, tuple[dict, dict]] = {}

    def finished(self, pid: str, env) -> None:
        """The payee's figures, read as the run fills them (reports before managers)."""
        self.done[pid] = (env.earnings, env.measures)

    def of(self, pid: str, first: dt.date | None = None, last: dt.date | None = None):
        """env.team for the payee over `first` to `last` (the whole period by default)."""
        return TeamOf(self, pid, first or self.whole[0], last or self.whole[1])

    def value(self, r: str, a: dt.date, b: dt.date, name: str):
        if (a, b) == self.whole:
            got = self.done.get(r)
            if got is not None:
                return got[0].get(name, got[1].get(name))
            if self.earlier and r in self.earlier:
                done = self.earlier[r]
                return done.components.get(name, done.measure_values.get(name))
            return None
        # a report for part of the period (moved to or from this manager in it): their
        # figures worked out on the credits and the share of targets of those days
        key = (r, a, b)
        got = self.partials.get(key)
        if got is None:
            env = self.part(r, a, b, self.of)
            got = self.partials[key] = (env.earnings, env.measures)
        return got[0].get(name, got[1].get(name))

    def total(self, pid: str, a: dt.date, b: dt.date, name: str, levels: int | None):
        out, frontier, depth = Decimal(0), reports_within(self.reports, pid, a, b), 1
        while frontier and (levels is None or depth <= levels):
            nxt = []
            for r, ra, rb in frontier:
                v = self.value(r, ra, rb, name)
                if v is not None:
                    out += v
                nxt.extend(reports_within(self.reports, r, ra, rb))
            frontier, depth = nxt, depth + 1
        return out


class TeamOf:
    """One payee's team(name, levels): the sum of `name` over their reports, `levels`
    deep (None: all), over the days first to last."""

    __slots__ = ("reader", "pid", "first", "last")

    def __init__(self, reader: TeamReader, pid: str, first: dt.date, last: dt.date):
        self.reader, self.pid, self.first, self.last = reader, pid, first, last

    def __call__(self, name: str, levels: int | None):
        return self.reader.total(self.pid, self.first, self.last, name, levels)
