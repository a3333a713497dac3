"""A payee's live figures as the pages show them, every number from the engine.

The parts of the period a bar can show (today, this week, this month: stakes.py reads
them through the live run's `span()`), what each component has earned, the team's rows
and how much of the period has gone. Nothing here computes pay itself: it picks, labels
and formats what the engine worked out, so the portal can never disagree with a run.
(The bars with money at stake are stakes.py's, the estimator estimator.py's.)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..engine.results import PayeeResult
from ..lang.types import RATIO
from ..periods import Period, parse_period
from ..render.locale import Fmt
from .live import LivePlan, Portal



def pct(value, f: Fmt) -> str:
    """A ratio as a page shows it, to a tenth of a percent in the reader's locale:
    1.08333 -> '108.3%' (en), '108,3%' (vi); None -> '—'."""
    if value is None:
        return "—"
    return f.percent((Decimal(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), 1)


def ratio_measures(lp: LivePlan) -> list[str]:
    return [m.name for m in lp.compiled.measures
            if m.expr.type is not None and m.expr.type.kind == RATIO]


def headline(lp: LivePlan) -> str | None:
    """The measure a bar shows: 'attainment' if the plan has it, else its first ratio."""
    names = ratio_measures(lp)
    return "attainment" if "attainment" in names else (names[0] if names else None)


def _part(kind: str, label: str, start: dt.date, end: dt.date, period: Period) -> Period:
    start, end = max(start, period.start), min(end, period.end)
    if kind == "month" and (start, end) == (parse_period(label).start, parse_period(label).end):
        return parse_period(label)
    return Period("span", label, start, end)


def parts(lp: LivePlan, today: dt.date) -> list[tuple[str, Period]]:
    """Today, this week, this month and the period, each once (a monthly plan's month
    is its period), cut to the period."""
    p = lp.period
    monday = today - dt.timedelta(days=today.weekday())
    month = parse_period(f"{today.year}-{today.month:02d}")
    out = [("Today", _part("day", today.isoformat(), today, today, p)),
           ("This week", _part("week", f"week of {monday.isoformat()}", monday,
                               monday + dt.timedelta(days=6), p)),
           (today.strftime("%B"), _part("month", month.label, month.start, month.end, p)),
           (p.label, p)]
    seen, kept = set(), []
    for title, part in out:
        key = (part.start, part.end)
        if key not in seen:
            seen.add(key)
            kept.append((title, part))
    return kept


@dataclass
class Earned:
    name: str
    label: str
    amount: Decimal
    shown: str


def earned(lp: LivePlan, result: PayeeResult, f: Fmt) -> list[Earned]:
    """Each component the payee has a line or an amount in (a rep's page does not list
    the managers' components at 0), its amount in the page's money format `f`."""
    labels = {e.name: e.label for e in lp.compiled.earnings}
    with_lines = {ln.component for ln in result.lines}
    return [Earned(k, labels.get(k, k.replace("_", " ").capitalize()), v, f.money(v))
            for k, v in result.components.items() if v or k in with_lines]


# ------------------------------------------------------------------ the team

def elapsed(portal: Portal, lp: LivePlan) -> Decimal:
    """The share of the period gone by, counting today."""
    today = portal.today(lp)
    return Decimal((today - lp.period.start).days + 1) / Decimal(lp.period.days)


@dataclass
class TeamRow:
    payee: str
    name: str
    depth: int
    manager: str
    attainment: Decimal | None
    attainment_shown: str
    pace: Decimal | None  # attainment on this pace at the period's end
    pace_shown: str
    behind: bool
    total: Decimal
    total_shown: str


SORTS = ("name", "attainment", "pace", "total")


def team(portal: Portal, lp: LivePlan, manager: str, f: Fmt, sort: str = "attainment",
         descending: bool = True) -> list[TeamRow]:
    """The manager's reports, each with the headline's attainment, its pace and pay, in
    the reader's format `f`."""
    head = headline(lp)
    gone = elapsed(portal, lp)
    rows = []
    for pid, depth in lp.reports(manager):
        result = lp.run.payee(pid)
        att = result.measure_values.get(head) if result is not None and head else None
        att = Decimal(att) if att is not None else None
        pace = att / gone if att is not None and gone else None
        total = result.total if result is not None else Decimal(0)
        rows.append(TeamRow(pid, lp.payee_name(pid), depth, lp.managers.get(pid, ""), att,
                            pct(att, f), pace, pct(pace, f), pace is not None and pace < 1,
                            total, f.money(total)))
    if sort == "name":
        rows.sort(key=lambda r: r.name.lower(), reverse=descending)
    else:
        missing = Decimal("-1e30")
        rows.sort(key=lambda r: getattr(r, sort) if getattr(r, sort) is not None
                  else missing, reverse=descending)
    return rows


