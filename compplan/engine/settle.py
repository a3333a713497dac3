"""Payees settled at their own frequency (issue 20 item 7; the plan side is
compplan/lang/settle.py).

A run names one period of the plan's kind (2026-03b). A payee whose frequency is the
plan's is settled for that period; one settled by a longer kind (month) is settled for
the period of that kind that ends with it (2026-03, in the run of 2026-03b) and is not
in the runs of the periods before (2026-03a). Each group is worked out over its own
period by the same stages as any run (engine/run.py), with everyone's figures for that
period, so a manager settled monthly reads the month of reports settled twice a month.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Problem
from ..lang.settle import kinds_for, settles
from ..periods import Period, in_words, period_of
from .data import ROW, Table
from .ir import CompiledPlan


@dataclass
class Group:
    """The payees settled over one period in this run."""

    period: Period
    payees: set[str] = field(default_factory=set)


@dataclass
class Settlement:
    groups: list[Group]  # shortest period first
    later: dict[str, list[str]]  # kind -> payees settled in a later run of the plan
    problems: list[Problem]


def frequency_column(compiled: CompiledPlan) -> str | None:
    inp = compiled.plan.inputs.get("payees")
    return inp.frequency if inp is not None else None


def settlement(compiled: CompiledPlan, tables: dict[str, Table], period: Period) -> Settlement:
    """Who is settled over which period in a run of `period` (of the plan's kind)."""
    plan = compiled.plan
    col = frequency_column(compiled)
    inp = plan.inputs["payees"]
    table = tables.get("payees")
    groups: dict[str, Group] = {}
    later: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for row in table.rows if table is not None else ():
        pid = str(row[inp.key])
        kind = str(row.get(col) or plan.period).strip()
        if not settles(kind, plan.period):
            problems.append(Problem(
                table.file, None, None, f"'{kind}' is not a frequency a plan paid by "
                f"{in_words(plan.period)} can settle payee '{pid}' at",
                "write one of: " + ", ".join(kinds_for(plan.period)), code="bad-value",
                row=row[ROW], column=inp.rename.get(col, col)))
            continue
        own = period if kind == plan.period else period_of(kind, period.start)
        if own.end != period.end:
            later.setdefault(kind, []).append(pid)
            continue
        groups.setdefault(kind, Group(own)).payees.add(pid)
    ordered = sorted(groups.values(), key=lambda g: (g.period.days, g.period.start))
    return Settlement(ordered, later, problems)


def settled_later_payees(compiled: CompiledPlan, tables: dict[str, Table],
                         period: Period) -> dict[str, Period]:
    """The payees a run of `period` leaves to a later run (their frequency's period does
    not end with it), each with the period they are settled for: what carries over to
    them (a released hold, a clawback, a dispute) waits for the run that settles them.
    Empty for a plan without `frequency:`, or a period not of the plan's kind."""
    if not frequency_column(compiled) or period.kind != compiled.plan.period or \
            "payees" not in tables:
        return {}
    s = settlement(compiled, tables, period)
    return {p: period_of(kind, period.start) for kind, pids in s.later.items() for p in pids}


def live_note(period: Period, own: Period) -> str:
    """What the portal's live view of an open period tells a payee it does not settle
    (a monthly payee while 2026-03a is open): its figures are that period's only."""
    return (f"figures of {period.label} ({period.start.isoformat()} to "
            f"{period.end.isoformat()}) only: you are settled by "
            f"{own.kind.replace('_', ' ')} for {own.label}, in the run that ends on "
            f"{own.end.isoformat()}")


def settled_later(compiled: CompiledPlan, period: Period, later: dict[str, list[str]],
                  file: str) -> list[Problem]:
    """A warning per frequency whose payees this run leaves to a later one."""
    out = []
    for kind, pids in sorted(later.items()):
        own = period_of(kind, period.start)
        shown = ", ".join(sorted(pids)[:8]) + (f" and {len(pids) - 8} more"
                                              if len(pids) > 8 else "")
        out.append(Problem(file, None, None,
                           f"{len(pids)} payee{'s' if len(pids) != 1 else ''} settled by "
                           f"{in_words(kind)} {'are' if len(pids) != 1 else 'is'} not in "
                           f"{period.label}: {shown} (settled with {own.label}, in the run "
                           f"that ends on {own.end.isoformat()})", None, "warning",
                           "settled-later"))
    return out


def settled_note(period: Period) -> str:
    """What a payee settled over another period than the run's is told first."""
    return (f"settled by {period.kind.replace('_', ' ')}: {period.label} "
            f"({period.start.isoformat()} to {period.end.isoformat()})")


SETTLED = re.compile(r"^settled by [a-z ]+: (?P<label>\S+) \(")


def settled_period(pr) -> str | None:
    """The period a payee was settled for when it is not the run's (a monthly payee in
    the run of 2026-03b: '2026-03'), from the note settled_note() put first on their
    result (kept with the result in the store); None for the run's own."""
    for w in pr.warnings[:1]:
        m = SETTLED.match(w)
        if m:
            return m["label"]
    return None


def about_payees(w: Problem, payees: set[str]) -> bool:
    """Whether a run's warning is about one of `payees` (a runtime warning names its
    payee first: 'payee ann: division by zero'), or about no payee."""
    if w.code != "runtime" or not w.message.startswith("payee "):
        return True
    return w.message[6:].split(": ", 1)[0] in payees
