"""Who reports to whom, on each day: the payees' `manager` column, and reporting lines
with dates.

A rep who moves from one manager to another on the 15th is credited to the old
manager's rollups and team() before that day and to the new one's from it. The dates
come from an input of reporting lines (`payee:`, `manager:`, `start:`, `end:`), one row
per payee and span; on a day no row covers, the payees table's `manager` column says
(the manager now, as HR has it). An undated credit goes to that manager too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import Problem
from .data import ROW, Table

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class ReportingLine:
    """One reporting line: `payee` reported to `manager` from `first` to `last`."""

    manager: str
    first: dt.date | None  # None: since ever
    last: dt.date | None  # None: still
    row: int


class Hierarchy:
    """The manager of each payee on each day."""

    def __init__(self, payees: dict[str, dict], manager_col: str | None,
                 dated: dict[str, list[ReportingLine]] | None = None, span: tuple | None = None):
        self.payees, self.manager_col = payees, manager_col
        self.dated = dated or {}
        self.span = span  # the run's first and last day

    @property
    def has_dates(self) -> bool:
        return bool(self.dated)

    def default(self, pid: str) -> str | None:
        """The payees table's manager: on any day no reporting line covers."""
        m = self.payees.get(pid, {}).get(self.manager_col) if self.manager_col else None
        return str(m) if m else None

    def manager_at(self, pid: str, day: dt.date | None) -> str | None:
        if day is not None:
            for line in self.dated.get(pid, ()):
                if (line.first is None or line.first <= day) and \
                        (line.last is None or day <= line.last):
                    return line.manager
        return self.default(pid)

    def spans(self, pid: str, first: dt.date, last: dt.date) -> list[tuple[str, dt.date,
                                                                             dt.date]]:
        """(manager, from, to) for the payee over [first, last], in order: one span
        when the manager did not change."""
        cuts = {first}
        for line in self.dated.get(pid, ()):
            for d in (line.first, line.last + ONE_DAY if line.last else None):
                if d is not None and first < d <= last:
                    cuts.add(d)
        points = sorted(cuts)
        out: list[list] = []
        for i, start in enumerate(points):
            end = points[i + 1] - ONE_DAY if i + 1 < len(points) else last
            mgr = self.manager_at(pid, start)
            if out and out[-1][0] == mgr:
                out[-1][2] = end
            else:
                out.append([mgr, start, end])
        return [(m, a, b) for m, a, b in out if m]

    def reports(self, first: dt.date, last: dt.date) -> dict[str, list[tuple[str, dt.date,
                                                                             dt.date]]]:
        """manager -> [(report, from, to)] over [first, last]: a report who moved in the
        period is listed under each manager, for their days."""
        out: dict[str, list] = {}
        for pid in self.payees:
            if pid in self.dated:
                for mgr, a, b in self.spans(pid, first, last):
                    out.setdefault(mgr, []).append((pid, a, b))
            else:
                mgr = self.default(pid)
                if mgr:
                    out.setdefault(mgr, []).append((pid, first, last))
        return out


def reports_within(reports: dict[str, list], pid: str, a: dt.date, b: dt.date) -> list[tuple]:
    """The payee's reports (report, from, to) over the days a to b, from `reports`
    (Hierarchy.reports): whom team() adds up for a manager's part of the period."""
    out = []
    for r, ra, rb in reports.get(pid, ()):
        lo, hi = max(ra, a), min(rb, b)
        if lo <= hi:
            out.append((r, lo, hi))
    return out


def check_loops(h: Hierarchy, first: dt.date, last: dt.date, file: str,
                problems: list[Problem]) -> None:
    """Managers in a loop on some day of the period (each day a reporting line starts or
    ends is looked at): a loop would credit a rollup for ever."""
    days = {first}
    for lines in h.dated.values():
        for line in lines:
            for d in (line.first, line.last + ONE_DAY if line.last else None):
                if d is not None and first <= d <= last:
                    days.add(d)
    for day in sorted(days):
        for pid in h.dated:
            seen = [pid]
            cur = h.manager_at(pid, day)
            while cur:
                if cur in seen:
                    problems.append(Problem(file, None, None, f"on {day} managers form a "
                                            "loop: " + " -> ".join(seen + [cur]),
                                            "a payee cannot manage themselves, directly or "
                                            "not", code="manager-cycle",
                                            row=h.dated[pid][0].row))
                    return
                seen.append(cur)
                cur = h.manager_at(cur, day)


def build(compiled, tables: dict[str, Table], payees: dict[str, dict],
          problems: list[Problem], span: tuple | None = None) -> Hierarchy:
    """The hierarchy of a run, its reporting lines checked: payees and managers known,
    dates in order, no two lines of a payee on the same day."""
    plan = compiled.plan
    payees_inp = plan.inputs.get("payees")
    manager_col = payees_inp.manager if payees_inp is not None else None
    name = reporting_input(plan)
    if name is None or name not in tables:
        return Hierarchy(payees, manager_col, span=span)
    inp, table = plan.inputs[name], tables[name]
    dated: dict[str, list[ReportingLine]] = {}

    def bad(row, column, message, hint, code):
        problems.append(Problem(table.file, None, None, message, hint, code=code,
                                row=row[ROW], column=inp.rename.get(column, column)))

    for row in table.rows:
        pid, mgr = str(row.get(inp.payee) or ""), row.get(inp.manager)
        first = row.get(inp.start) if inp.start else None
        last = row.get(inp.end) if inp.end else None
        if pid not in payees:
            bad(row, inp.payee, f"unknown payee '{pid}'", "add them to payees, or correct "
                "the id", "unknown-payee")
            continue
        if not mgr or str(mgr) not in payees:
            bad(row, inp.manager, f"manager '{mgr or ''}' of payee '{pid}' is not a payee",
                "add the manager to payees", "unknown-payee")
            continue
        if first and last and last < first:
            bad(row, inp.end, f"the reporting line of '{pid}' ends on {last}, before it "
                f"starts on {first}", "swap the dates", "bad-value")
            continue
        line = ReportingLine(str(mgr), first, last, row[ROW])
        for other in dated.get(pid, ()):
            if _overlap(line, other):
                bad(row, inp.start or inp.end, f"payee '{pid}' has two managers on the same "
                    f"days: this line and row {other.row}", "end one line the day before the "
                    "next starts", "overlap")
                break
        else:
            dated.setdefault(pid, []).append(line)
    return Hierarchy(payees, manager_col, dated, span)


def reporting_input(plan) -> str | None:
    """The input of dated reporting lines: one with `manager:` that is not `payees`."""
    for name, inp in plan.inputs.items():
        if name != "payees" and inp.manager and not inp.key:
            return name
    return None


def _overlap(a: ReportingLine, b: ReportingLine) -> bool:
    lo = max(a.first or dt.date.min, b.first or dt.date.min)
    hi = min(a.last or dt.date.max, b.last or dt.date.max)
    return lo <= hi
