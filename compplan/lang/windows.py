"""Windows in time (issue 20): a measure over other days than the period's own.

    ytd(x)                  the year to date: January 1 to the period's end
    qtd(x), mtd(x)          the quarter, the month to date
    trailing(x, 12 months)  the 12 months that end with the period (also days, weeks,
                            quarters, years, or the plan's own periods: `3 periods`)
    last_year(x)            the same period a year earlier (2025-03 for 2026-03)

`x` is an aggregate (`sum(sales)`, `count(meetings where held)`) or a target
(`quotas.amount`), worked out over the window's days from the data given to the run:
credits dated in the window, targets of the periods in it added up (a longer target
split by days or by its weights). The engine reads windows through one mechanism, the
one ytd() has always used (compplan/engine/windows.py); this module says what a window
is and checks where one is written.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import did_you_mean
from . import ast

# name: (fewest args, most args), merged into checked.FUNCTIONS
WINDOW_FUNCTIONS = {"ytd": (1, 1), "qtd": (1, 1), "mtd": (1, 1), "trailing": (2, 2),
                    "last_year": (1, 1)}

# the span a to-date window starts at
TO_DATE = {"ytd": "year", "qtd": "quarter", "mtd": "month"}

# a unit of trailing() as written -> as kept (singular); `period` is the plan's own
UNITS = {u: u.rstrip("s") for u in ("day", "days", "week", "weeks", "month", "months",
                                     "quarter", "quarters", "year", "years", "period",
                                     "periods")}

MAX_COUNT = 1000  # units in one trailing window (1,000 years still has dates)

# the plan's kinds of period from shortest to longest, and the most days each can have
RANK = {"day": 0, "week": 1, "half_month": 2, "month": 3, "quarter": 4, "half": 5, "year": 6}
MOST_DAYS = {"day": 1, "week": 7, "half_month": 16, "month": 31, "quarter": 92, "half": 184,
             "year": 366}
MONTHS = {"month": 1, "quarter": 3, "year": 12}  # a trailing unit's length in months
LEAST = {"day": "1 day", "week": "1 week", "half_month": "1 period", "month": "1 month",
         "quarter": "3 months", "half": "6 months", "year": "12 months"}


@dataclass(frozen=True)
class Window:
    """One window of a plan. `key` names the sets and rows read for it (`sales@ytd`,
    `quotas@trailing_12_month`): one per distinct window, however often it is written."""

    function: str  # ytd | qtd | mtd | trailing | last_year
    count: int = 0  # trailing only
    unit: str = ""  # trailing only: day | week | month | quarter | year | period

    @property
    def key(self) -> str:
        if self.function == "trailing":
            return f"trailing_{self.count}_{self.unit}"
        return self.function

    def words(self) -> str:
        """The window as a statement names it: 'the 12 months to the period's end'."""
        if self.function in TO_DATE:
            return f"the {TO_DATE[self.function]} to date"
        if self.function == "last_year":
            return "the same period last year"
        unit = self.unit if self.count == 1 else self.unit + "s"
        return f"the {self.count} {unit} to the period's end"


def window_of(node: ast.Node) -> Window | None:
    """The window a call writes (None if it is not a window call, or not a valid one)."""
    if not isinstance(node, ast.Call) or node.name not in WINDOW_FUNCTIONS:
        return None
    if node.name != "trailing":
        return Window(node.name)
    if len(node.args) != 2 or not isinstance(node.args[1], ast.Duration):
        return None
    d = node.args[1]
    unit = UNITS.get(d.unit.lower())
    if unit is None or d.count != d.count.to_integral_value() or not 1 <= d.count <= MAX_COUNT:
        return None
    return Window("trailing", int(d.count), unit)


def windows_in(nodes) -> dict[str, Window]:
    """Every window written in these expressions, by key, in the order first written."""
    out: dict[str, Window] = {}
    for node in nodes:
        for n in ast.walk(node):
            w = window_of(n)
            if w is not None:
                out.setdefault(w.key, w)
    return out


def check_call(resolver, node: ast.Call, scope) -> None:
    """A window call where it is written: its argument an aggregate or a target, in a
    measure or an earning, and (for trailing) a length that holds the whole period.
    `resolver` is the name-resolution pass (compplan/lang/resolve.py), which visits the
    argument as any other."""
    from .checked import AGGREGATES  # (checked imports this module's table)
    c, name = resolver.c, node.name
    arg = node.args[0]
    sym = resolver.sym
    ok = isinstance(arg, ast.Call) and arg.name in AGGREGATES or (
        isinstance(arg, ast.Ref) and len(arg.parts) == 2 and
        sym.tables.get(arg.parts[0]) is not None and
        sym.tables[arg.parts[0]].kind == "per_payee")
    if not ok:
        what = {"ytd": "year to date", "qtd": "quarter to date", "mtd": "month to date",
                "trailing": "over the window", "last_year": "for the same period last year"}
        c.error(arg.pos, f"{name}() takes an aggregate or a target, {what[name]}",
                f"e.g. {_example(name, 'sum(bookings)')} or {_example(name, 'quotas.amount')}",
                code=f"{name}-arg" if name == "ytd" else "window")
    if not scope.sees_payee():
        c.error(node.pos, f"{name}() is per payee; use it in a measure or an earning",
                code="scope")
    resolver.visit(arg, scope)
    kind = c.plan.period if c.plan is not None else None
    if name == "trailing":
        _check_length(c, node, kind)
    elif name in ("qtd", "mtd") and kind in RANK and RANK[kind] > RANK[TO_DATE[name]]:
        c.error(node.pos, f"{name}() is the {TO_DATE[name]} to date, shorter than this "
                f"plan's period ({kind})",
                "use ytd(), or trailing(x, N months)", code="window")


def _example(name: str, arg: str) -> str:
    return f"trailing({arg}, 12 months)" if name == "trailing" else f"{name}({arg})"


def _check_length(c, node: ast.Call, kind: str | None) -> None:
    """trailing()'s second argument: a whole number of a unit of time, at least the
    plan's period (a window shorter than the period would leave some of it out)."""
    length = node.args[1]
    if not isinstance(length, ast.Duration):
        c.error(length.pos, "trailing()'s length is a number and a unit of time",
                "e.g. trailing(sum(bookings), 12 months) or trailing(sum(bookings), 3 periods)",
                code="window")
        return
    unit = UNITS.get(length.unit.lower())
    if unit is None:
        c.error(length.unit_pos or length.pos, f"'{length.unit}' is not a unit of time",
                did_you_mean(length.unit, sorted(UNITS)) or
                "write days, weeks, months, quarters, years or periods", code="window")
        return
    n = length.count
    if n != n.to_integral_value() or n < 1 or n > MAX_COUNT:
        c.error(length.pos, f"a trailing window is a whole number of {unit}s from 1 to "
                f"{MAX_COUNT}, not {n}", "e.g. trailing(sum(bookings), 12 months)",
                code="window")
        return
    if kind in RANK and not covers(int(n), unit, kind):
        c.error(length.pos, f"{_count_words(n, unit)} is shorter than this plan's period "
                f"({kind}): the window would leave part of the period out",
                f"make it at least a {kind.replace('_', ' ')}, e.g. trailing(x, "
                f"{LEAST[kind]})", code="window")


def _count_words(n: Decimal, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def covers(count: int, unit: str, kind: str) -> bool:
    """Whether `count` units ending with a period's last day hold every day of the period,
    whichever period of `kind` it is."""
    if unit == "period":
        return True
    if unit in MONTHS:
        months = count * MONTHS[unit]
        need = {"quarter": 3, "half": 6, "year": 12}.get(kind, 1)
        return months >= need
    days = count * (7 if unit == "week" else 1)
    return days >= MOST_DAYS[kind]
