"""Which version of a target is in force on each day, and a period's day-weighted value.

A target changed mid-period is a new version, in force from the day it names; the
earlier version stays in force on the days before. Attainment uses the version in
force on each day: a period's target is the average of its days' targets,

    sum over the period's days of (the value in force that day) / days in the period

so a monthly target of 3,000.00 raised to 3,600.00 from 21 April is worth
20/30 x 3,000.00 + 10/30 x 3,600.00 = 3,200.00 for April. A daily target simply takes
the version in force on its day. Only approved versions count: a proposal changes
nothing until it is approved.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Iterable, Sequence

from ..periods import Period, parse_period
from .model import Target, Worked, fmt
from .split import frac, round_half_up


def span_of(t: Target) -> tuple[dt.date, dt.date]:
    """The days a version is in force: its effective dates within its period."""
    p = parse_period(t.period)
    first = max(p.start, t.effective_from) if t.effective_from else p.start
    last = min(p.end, t.effective_to) if t.effective_to else p.end
    return first, last


def in_force(versions: Iterable[Target], day: dt.date) -> Target | None:
    """The approved version in force on `day`: the newest whose days include it."""
    best = None
    for t in versions:
        if t.status != "approved":
            continue
        first, last = span_of(t)
        if first <= day <= last and (best is None or t.version > best.version):
            best = t
    return best


def day_weighted(versions: Sequence[Target], period: Period, step, unit: str
                 ) -> Worked | None:
    """The value for `period` of one target's versions (all set for that period), by the
    version in force on each day; None if no approved version is in force on any day."""
    runs: list[list] = []  # [version or None, first day, days]
    day = period.start
    while day <= period.end:
        t = in_force(versions, day)
        if runs and runs[-1][0] is t:
            runs[-1][2] += 1
        else:
            runs.append([t, day, 1])
        day += dt.timedelta(days=1)
    if all(t is None for t, _, _ in runs):
        return None
    if len(runs) == 1:
        t = runs[0][0]
        return Worked(t.value, f"{fmt(t.value, unit)} (v{t.version})")
    exact = sum((frac(t.value) * Fraction(n, period.days) for t, _, n in runs if t),
                Fraction(0))
    value = round_half_up(exact, step)
    terms = []
    for t, first, n in runs:
        if t is None:
            terms.append(f"{n}/{period.days} days x nothing (no approved target from {first})")
        else:
            since = f" from {first}" if first != period.start else ""
            terms.append(f"{n}/{period.days} days x {fmt(t.value, unit)} (v{t.version}{since})")
    shown = Worked(value, " + ".join(terms) + f" = {fmt(value, unit)}")
    return shown
