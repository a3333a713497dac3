"""The language's functions, in one table (issue 12 item 1).

Each function is declared once here: its name, how many arguments it takes, how it is
called (the hint when a call has the wrong arguments), its kind, whether a line's
formula shows the call with its arguments' values (`min(80,000.00, 75,000.00)`), and,
for the functions of values, the rule that types a call. The checker's passes read this
table; each engine gives a form for every function of values, keyed by the same name
(compplan/engine/functions.py for the Python engine, compplan/engine/sql/functions.py
for the SQL engine), and tests/lang/test_functions.py holds both to it and to each
other. Functions of other kinds (aggregates over a set, rate tables, team(), group(),
prorate(), windows in time) read the plan, not only their arguments' values: each engine
compiles them where it compiles what they read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import ast
from .types import DATE, INTEGER, Type, UnitError, article, unify
from .windows import WINDOW_FUNCTIONS

# what a function works on, which decides who compiles it
VALUES = "values"        # its arguments' values only: an engine form by name
DATES = "dates"          # a date's part, or days between dates: an engine form by name
AGGREGATE = "aggregate"  # over a set's rows (sum, count ...)
RATES = "rates"          # a rate table: tiered(), rate(), lookup()
PLAN = "plan"            # what the plan arranges: team(), group(), prorate()
WINDOW = "window"        # over other days than the period's (windows.py)

# the functions whose Python and SQL forms are by name (engine/functions.py,
# engine/sql/functions.py)
BY_VALUE = (VALUES, DATES)

# types a call from its arguments' types: (checker, call, types) -> type; raises
# UnitError for a call the language refuses
TypeRule = Callable[[object, ast.Call, list[Type]], Type]


@dataclass(frozen=True)
class Function:
    name: str
    fewest: int
    most: int | None  # None: as many as given
    kind: str
    usage: str | None = None  # how it is called, said when a call's arguments are wrong
    shows_call: bool = False  # a formula shows `name(arg values)`, not only the value
    aggregate: bool = False   # also an aggregate when given one set (min, max)
    type_rule: TypeRule | None = None

    @property
    def arity(self) -> tuple[int, int | None]:
        return self.fewest, self.most


# ---------------------------------------------------------------- type rules
def _agreeing(checker, n: ast.Call, ts: list[Type]) -> Type:
    """min, max, clamp, coalesce: the arguments' common type."""
    for other in ts:
        for arg in n.args:
            checker.bare.meets_ratio(arg, other)
    t = ts[0]
    for other in ts[1:]:
        t = unify(t, other, f"the values given to {n.name}()")
    if n.name != "coalesce" and not t.numeric and t.kind != DATE:
        raise UnitError(f"{n.name}() needs numbers, amounts or dates, not {article(t)}")
    return t


def _numeric(checker, n: ast.Call, ts: list[Type]) -> Type:
    """abs, floor, ceil, round: the argument's own type; round()'s places written out."""
    if not ts[0].numeric:
        raise UnitError(f"{n.name}() needs a number or an amount, not {article(ts[0])}")
    if n.name == "round" and len(n.args) == 2:
        places = n.args[1]
        if not isinstance(places, ast.Number) or places.percent or \
                places.value != places.value.to_integral_value():
            checker.c.error(places.pos, "round()'s places must be a whole number written out",
                            "e.g. round(x, 2)", code="wrong-type")
    return ts[0]


def _date_part(checker, n: ast.Call, ts: list[Type]) -> Type:
    if ts[0].kind != DATE:
        raise UnitError(f"{n.name}() needs a date, not {article(ts[0])}")
    return Type(INTEGER)


def _days_between(checker, n: ast.Call, ts: list[Type]) -> Type:
    for t in ts:
        if t.kind != DATE:
            raise UnitError(f"days_between() needs two dates, not {article(t)}")
    return Type(INTEGER)


# ---------------------------------------------------------------- the table
def _values(name, fewest, most, usage=None, rule=_numeric, aggregate=False) -> Function:
    return Function(name, fewest, most, VALUES, usage, shows_call=True, aggregate=aggregate,
                    type_rule=rule)


def _dates(name, fewest, most, rule, usage=None) -> Function:
    return Function(name, fewest, most, DATES, usage, type_rule=rule)


_TABLE = [
    _values("min", 1, None, None, _agreeing, aggregate=True),
    _values("max", 1, None, None, _agreeing, aggregate=True),
    _values("clamp", 3, 3, "clamp(x, low, high)", _agreeing),
    _values("coalesce", 2, None, "coalesce(x, fallback)", _agreeing),
    _values("abs", 1, 1),
    _values("round", 1, 2, "round(x) or round(x, places)"),
    _values("floor", 1, 1),
    _values("ceil", 1, 1),
    *(_dates(p, 1, 1, _date_part) for p in ("year", "month", "day", "quarter", "weekday")),
    _dates("days_between", 2, 2, _days_between, "days_between(start, end)"),
    *(Function(a, 1, 1, AGGREGATE, aggregate=True) for a in ("sum", "count", "avg",
                                                             "distinct")),
    Function("tiered", 1, 2, RATES, "tiered(rate_table) or tiered(rate_table, amount)"),
    Function("rate", 1, 2, RATES, "rate(rate_table) or rate(rate_table, basis)"),
    Function("lookup", 2, None, RATES, "lookup(table, key, ...)"),
    Function("team", 1, 2, PLAN),
    Function("prorate", 1, 2, PLAN),
    Function("group", 2, 2, PLAN,
             "group(booked, payee.team): booked added up over the payee's team"),
    *(Function(w, lo, hi, WINDOW, "trailing(sum(bookings), 12 months)"
               if w == "trailing" else None) for w, (lo, hi) in WINDOW_FUNCTIONS.items()),
]

REGISTRY: dict[str, Function] = {f.name: f for f in _TABLE}

# the names the checker and engines ask about
FUNCTIONS = {f.name: f.arity for f in _TABLE}  # name: (fewest, most)
AGGREGATES = {f.name for f in _TABLE if f.aggregate}
DATE_PARTS = {f.name for f in _TABLE if f.kind == DATES and f.name != "days_between"}
SHOWS_CALL = tuple(f.name for f in _TABLE if f.shows_call)
BY_NAME = tuple(f.name for f in _TABLE if f.kind in BY_VALUE)


def usage(name: str) -> str | None:
    f = REGISTRY.get(name)
    return f.usage if f is not None else None


def forms_table() -> tuple[dict, Callable]:
    """An engine's forms by function name, and the decorator that files a form under
    one or more names (`@form("floor", "ceil", "round")`)."""
    table: dict = {}

    def form(*names: str):
        def register(f):
            for name in names:
                table[name] = f
            return f
        return register
    return table, form
