"""Proposing targets: the planner's rules, each value with the formula that gave it.

    top_down     a total split between payees (or territories) by weights, with a floor
                 and a cap per payee; the parts add up to the total exactly
    growth       last year's actual x (1 + growth)
    seasonality  a year's target split by month (or week) weights learnt from history,
                 or given
    ramp         a new hire's share of a full target by month of service (25/50/75/100%)
    prorate      a partial period: days (or working days) active over the period's

Values are worked out exactly (Fractions, never floats) and rounded once, at the end,
to the KPI's step (`finish`); a split rounds by largest remainder so it still adds up.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from ..periods import Period, parse_period, period_of
from .calendar import Calendar
from .model import Worked, fmt
from .split import SplitError, frac, largest_remainder, round_half_up


class ProposeError(ValueError):
    """A rule that cannot be applied as given; the message says what to change."""


def _pct(x) -> str:
    return fmt(Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction)
               else Decimal(x), "ratio")


def _show(x, unit: str) -> str:
    if isinstance(x, Fraction):
        x = Decimal(x.numerator) / Decimal(x.denominator)
    return fmt(x, unit)


def _weight(x) -> str:
    """A weight as shown: whole numbers as they are, others to the cent (exact inside)."""
    x = frac(x)
    if x.denominator == 1:
        return fmt(Decimal(x.numerator), "number")
    return fmt(Decimal(x.numerator) / Decimal(x.denominator), "money")


def finish(w: Worked, step: Decimal, unit: str) -> Worked:
    """The exact value rounded half up to the KPI's step; the rounding shown if any."""
    rounded = round_half_up(w.value, step)
    if frac(rounded) == frac(w.value):
        return Worked(rounded, w.how)
    return Worked(rounded, f"{w.how} -> {fmt(rounded, unit)} (rounded to {step})")


# ------------------------------------------------------------------------- top-down

def top_down(total: Decimal, weights: Mapping[str, object], *, floor: Decimal | None = None,
             cap: Decimal | None = None, step: Decimal = Decimal("0.01"),
             unit: str = "money", basis: str = "weight") -> dict[str, Worked]:
    """Split `total` between payees by weights, each at least `floor`, at most `cap`.

    Payees whose share would fall below the floor get the floor, those above the cap get
    the cap, and what is left is split between the others by their weights: the one
    level x such that the sum of min(max(x * weight, floor), cap) is the total. The
    free parts are rounded by largest remainder, so the whole adds up to the cent.
    """
    ids = list(weights)
    if not ids:
        raise ProposeError("no one to split the total between")
    w = {i: frac(weights[i]) for i in ids}
    if any(v < 0 for v in w.values()):
        raise ProposeError("a weight is negative")
    T = frac(total)
    F = frac(floor) if floor is not None else Fraction(0)
    C = frac(cap) if cap is not None else None
    n = len(ids)
    if F * n > T:
        raise ProposeError(f"the floor {fmt(floor, unit)} for {n} payees needs "
                           f"{_show(F * n, unit)}, more than the total {fmt(total, unit)}")
    if C is not None and C * n < T:
        raise ProposeError(f"the cap {fmt(cap, unit)} for {n} payees allows only "
                           f"{_show(C * n, unit)}, less than the total {fmt(total, unit)}")
    if C is not None and C < F:
        raise ProposeError("the cap is below the floor")
    W = sum(w.values(), Fraction(0))
    if W == 0:
        raise ProposeError("the weights add up to 0: nothing to split the total by")

    def clamp(x):
        x = max(x, F)
        return min(x, C) if C is not None else x

    def g(level):
        return sum((clamp(level * w[i]) for i in ids), Fraction(0))

    # the level x lies between two breakpoints (where a payee leaves floor or meets cap)
    points = sorted({F / w[i] for i in ids if w[i]} |
                    ({C / w[i] for i in ids if w[i]} if C is not None else set()))
    lo = Fraction(0)
    hi = None
    for p in points:
        if g(p) >= T:
            hi = p
            break
        lo = p
    mid = (lo + hi) / 2 if hi is not None else lo + 1
    at_floor = [i for i in ids if mid * w[i] <= F]
    at_cap = [i for i in ids if C is not None and mid * w[i] >= C and i not in at_floor]
    free = [i for i in ids if i not in at_floor and i not in at_cap]
    fixed = F * len(at_floor) + (C * len(at_cap) if C is not None else 0)
    pool = T - fixed
    out: dict[str, Worked] = {}
    naive = {i: T * w[i] / W for i in ids}
    share = f"{fmt(total, unit)} x {{w}} / {_weight(W)} ({basis})"
    for i in at_floor:
        out[i] = Worked(Decimal(F.numerator) / F.denominator,
                        f"{share.format(w=_weight(w[i]))} = {_show(naive[i], unit)}"
                        + (f", below the floor: {fmt(floor, unit)}" if floor is not None
                           else ""))
    for i in at_cap:
        out[i] = Worked(Decimal(C.numerator) / C.denominator,
                        f"{share.format(w=_weight(w[i]))} = {_show(naive[i], unit)}, "
                        f"above the cap: {fmt(cap, unit)}")
    if free:
        pool_dec = Decimal(pool.numerator) / Decimal(pool.denominator)
        try:
            parts = largest_remainder(pool_dec, [w[i] for i in free], step)
        except SplitError as e:
            raise ProposeError(f"{e}: the total, floor and cap must be in steps of {step}")
        W_free = sum((w[i] for i in free), Fraction(0))
        if at_cap or (at_floor and F):
            taken = []
            if at_cap:
                taken.append(f"{_show(C * len(at_cap), unit)} at the cap")
            if at_floor and F:
                taken.append(f"{_show(F * len(at_floor), unit)} at the floor")
            head = f"({fmt(total, unit)} - " + " - ".join(taken) + ")"
        else:
            head = fmt(total, unit)
        for i, part in zip(free, parts):
            rounded = "" if frac(part) == pool * w[i] / W_free else " (largest remainder)"
            out[i] = Worked(part, f"{head} x {_weight(w[i])} / "
                                  f"{_weight(W_free)} ({basis}) = "
                                  f"{fmt(part, unit)}{rounded}")
    return {i: out[i] for i in ids}


# --------------------------------------------------------------------------- growth

def growth(base: Decimal, rate: Decimal, unit: str = "money", label: str = "last year",
           show=None) -> Worked:
    """Last year's actual grown by `rate` (8% -> x 1.08); exact, rounded by `finish`.
    `show` writes the figures (default: by unit; a KPI displayed as a ratio passes its
    own, so a close rate reads 0.25, not 25%)."""
    value = frac(base) * (1 + frac(rate))
    show = show or (lambda v: _show(v, unit))
    return Worked(value, f"{label} {show(base)} x (1 + {fmt(rate, 'ratio')}) = "
                         f"{show(value)}")


# ---------------------------------------------------------------------- seasonality

def _number_of(period: Period, kind: str) -> int:
    """Month 1-12 or ISO week 1-53 of the year: what a seasonal weight is keyed by."""
    if kind == "month":
        return period.start.month
    if kind == "quarter":
        return (period.start.month - 1) // 3 + 1
    if kind == "week":
        return period.start.isocalendar()[1]
    raise ProposeError(f"seasonality is by month, quarter or week, not {kind}")


def learn_seasonality(history: Mapping[str, Decimal], kind: str = "month"
                      ) -> dict[int, Fraction]:
    """Weights by month (or quarter, week) learnt from history: each number's share of
    all the history, over every year given. {period label: actual} -> {number: share}."""
    sums: dict[int, Fraction] = {}
    for label, actual in history.items():
        p = parse_period(label)
        if p.kind != kind:
            continue
        n = _number_of(p, kind)
        sums[n] = sums.get(n, Fraction(0)) + frac(actual)
    whole = sum(sums.values(), Fraction(0))
    if whole == 0:
        raise ProposeError(f"no {kind}ly history to learn seasonality from")
    return {n: s / whole for n, s in sorted(sums.items())}


def seasonal_split(total: Decimal, span: Period, kind: str, weights: Mapping[int, object],
                   step: Decimal = Decimal("0.01"), unit: str = "money"
                   ) -> list[tuple[Period, Worked]]:
    """A span's target (a year's) split into its months (or quarters, weeks) by seasonal
    weights; the parts add up to the total exactly."""
    parts = list(periods_in(span, kind))
    ws = [frac(weights.get(_number_of(p, kind), 0)) for p in parts]
    values = largest_remainder(total, ws, step)
    whole = sum(ws, Fraction(0))
    out = []
    for p, w, v in zip(parts, ws, values):
        exact = frac(total) * w / whole
        note = "" if exact == frac(v) else " (largest remainder)"
        out.append((p, Worked(v, f"{fmt(total, unit)} x {_pct(w / whole)} ({kind} "
                                 f"{_number_of(p, kind)} seasonality) = {fmt(v, unit)}{note}")))
    return out


def periods_in(span: Period, kind: str):
    """The periods of a kind that start within a span, in order (weeks by ISO week)."""
    day = span.start
    seen = set()
    while day <= span.end:
        p = period_of(kind, day)
        if p.label not in seen:
            seen.add(p.label)
            yield p
        day += dt.timedelta(days=1)


# --------------------------------------------------------------------------- by days

def split_by_working_days(total: Decimal, span: Period, kind: str, calendar: Calendar,
                          territory: str | None = None, step: Decimal = Decimal("0.01"),
                          unit: str = "money") -> list[tuple[Period, Worked]]:
    """A target split into days (or weeks, months) in proportion to their working days in
    the territory; a part with no working day gets nothing (and for days, no row). A
    week that crosses the span's edge counts only its days inside the span."""
    parts = list(periods_in(span, kind))
    counts = [len(calendar.working_days(max(p.start, span.start), min(p.end, span.end),
                                        territory)) for p in parts]
    whole = sum(counts)
    if whole == 0:
        raise ProposeError(f"{span.label} has no working day"
                           + (f" in {territory}" if territory else ""))
    values = largest_remainder(total, counts, step)
    out = []
    for p, c, v in zip(parts, counts, values):
        if c == 0:
            if kind != "day":
                out.append((p, Worked(v, f"no working day in {p.label}")))
            continue
        exact = frac(total) * c / whole
        note = "" if exact == frac(v) else " (largest remainder)"
        out.append((p, Worked(v, f"{fmt(total, unit)} x {c} / {whole} working days = "
                                 f"{fmt(v, unit)}{note}")))
    return out


# --------------------------------------------------------------- ramp and proration

def service_month(hired: dt.date, period: Period) -> int:
    """The period's month of service: 1 for the month the payee was hired in."""
    return (period.start.year - hired.year) * 12 + period.start.month - hired.month + 1


def ramp(full: Worked, hired: dt.date | None, period: Period, schedule: Sequence,
         unit: str = "money") -> Worked:
    """A new hire's target: the full target times the ramp share of their month of
    service (25/50/75/100% for the first four); past the ramp, the full target."""
    if hired is None or not schedule:
        return full
    month = service_month(hired, period)
    if month < 1:
        return Worked(Fraction(0), f"not yet hired in {period.label} (hired {hired})")
    if month > len(schedule):
        return full
    share = frac(schedule[month - 1])
    value = frac(full.value) * share
    return full.then(value, f"x {_pct(share)} (ramp, month {month} of {len(schedule)} "
                            f"since hire on {hired}) = {_show(value, unit)}")


def prorate(w: Worked, period: Period, start: dt.date | None, end: dt.date | None,
            calendar: Calendar | None = None, territory: str | None = None,
            unit: str = "money") -> Worked:
    """A target for a partial period: x days active / days of the period (working days,
    given a calendar). A payee active the whole period keeps the full value."""
    first = max(period.start, start) if start else period.start
    last = min(period.end, end) if end else period.end
    if calendar is not None:
        active = len(calendar.working_days(first, last, territory)) if first <= last else 0
        days = calendar.count(period, territory)
        word = "working days"
    else:
        active = max(0, (last - first).days + 1)
        days = period.days
        word = "days"
    if active == days:
        return w
    if days == 0:
        return w.then(Fraction(0), f"no {word} in {period.label}")
    value = frac(w.value) * Fraction(active, days)
    return w.then(value, f"x {active}/{days} {word} active = {_show(value, unit)}")
