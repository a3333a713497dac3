"""The language's functions: one registry, one record per function (issue 12 item 1).

A record says everything the project knows about a function: its name and how many
arguments it takes, how it is called (the hint when a call has the wrong arguments),
its kind, whether a line's formula shows the call with its arguments' values
(`min(80,000.00, 75,000.00)`), and, for the functions of values, the rule that types a
call, its Python implementation, its SQL form and its row of the functions table in
docs/language.md. Everything else reads the registry:

    the checker          arity, usage, type rule (resolve.py, typecheck.py, percent.py)
    the Python engine    `python`, wrapped in closures (engine/python/functions.py)
    the SQL engine       `sql`, compiled by engine/sql/functions.py; the dialects'
                         differences (a date part's name, days between dates) are hooks
                         of engine/sql/dialect.py named in the form, not forms per dialect
    docs/language.md     the functions table is `doc_table()` (a test compares them)
    the plan schema      the functions an editor offers (model.py)

A function of values with no SQL form says why (`python_only`); a plan that calls it is
refused by the SQL engine when it compiles, at the call (engine/sql/cover.py), and
tests/lang/test_issue12_registry.py fails for a record with neither. Functions of
other kinds (aggregates over a set, rate tables, team(), group(), prorate(), windows in
time) read the plan, not only their arguments' values: each engine compiles them where
it compiles what they read, and their record names the section that documents them.

The Python implementations are the language's meaning on plain values (Decimal, date):
no engine machinery, so the registry stays in the language layer and both engines, and
the compile-time folding of constants, read the same code.
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

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

# the functions whose Python and SQL forms are in their record
BY_VALUE = (VALUES, DATES)

# types a call from its arguments' types: (checker, call, types) -> type; raises
# UnitError for a call the language refuses
TypeRule = Callable[[object, ast.Call, list[Type]], Type]

# the call -> a function of its arguments' values (the call gives what is written out,
# such as round()'s places, once, when the plan compiles)
Implementation = Callable[[ast.Call], Callable[..., Any]]


@dataclass(frozen=True)
class Sql:
    """A function's SQL form, as data engine/sql/functions.py compiles.

    `template` is filled with the arguments' SQL (`{0}`, `{1}` ..., `{args}`: all of
    them joined by ', ') and the dialect's hooks (`{part}`: the dialect's name of the
    date part `part`; `{days}`: the dialect's whole days from `{0}` to `{1}`).
    `scale` is the result's decimal scale: "args" (the arguments' common one) or a
    number. `aligned` brings the arguments to one scale first; `guarded` makes the value
    missing when an argument is (SQL's least() and greatest() skip NULLs); `lazy`
    compiles each argument under the guard that those before it are missing
    (coalesce(), for the division-by-zero warnings). `rounding` (floor, ceiling,
    half_up) rounds the first argument to the call's places with the language's
    rounding (sql/rounding.py), not the database's."""

    template: str = ""
    scale: int | str = "args"
    aligned: bool = False
    guarded: bool = False
    lazy: bool = False
    part: str | None = None
    rounding: str | None = None


@dataclass(frozen=True)
class Doc:
    """A row of docs/language.md's functions table. Records in a row with the same
    `gives` and `example` share one row (`year(d)`, `month(d)`, `day(d)`)."""

    call: str     # `round(x)`, `round(x, places)`
    gives: str
    example: str


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
    python: Implementation | None = None
    # True: a missing argument makes the value missing, and the implementation gets the
    # values; False: it gets the arguments as thunks, worked out only as it asks
    strict: bool = True
    sql: Sql | None = None
    python_only: str | None = None  # why there is no SQL form (the SQL engine refuses)
    picks: bool = False  # its value is one of its arguments' (min, max, clamp, coalesce)
    doc: Doc | None = None
    see: str | None = None  # or the heading of docs/language.md that documents it

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


# ---------------------------------------------------------------- implementations
def places_of(n: ast.Call) -> int:
    """round(x, places): the places as written (the checker made sure it is whole)."""
    return int(n.args[1].value) if n.name == "round" and len(n.args) == 2 else 0


def _rounded(mode: str) -> Implementation:
    """round() is half up, floor() and ceil() toward minus and plus infinity
    (docs/language.md), to the places written in the call."""
    def make(n: ast.Call):
        q = Decimal(1).scaleb(-places_of(n))
        return lambda x, *places: Decimal(x).quantize(q, rounding=mode)
    return make


def _first_present(n: ast.Call):
    """coalesce(): the arguments worked out in turn, only while those before them are
    missing (a division in a later argument is not made, nor warned of)."""
    def coalesce(*thunks):
        for t in thunks:
            v = t()
            if v is not None:
                return v
        return None
    return coalesce


def _of(f: Callable[..., Any]) -> Implementation:
    """An implementation that does not depend on the call."""
    return lambda n: f


# ---------------------------------------------------------------- the registry
def _values(name, fewest, most, doc: Doc, python: Implementation, sql: Sql, usage=None,
            rule=_numeric, **kw) -> Function:
    return Function(name, fewest, most, VALUES, usage, shows_call=True, type_rule=rule,
                    python=python, sql=sql, doc=doc, **kw)


def _chooser(name, fewest, most, doc: Doc, python: Implementation, sql: Sql, usage=None,
             **kw) -> Function:
    return _values(name, fewest, most, doc, python, sql, usage, _agreeing, picks=True, **kw)


def _rounding(name: str, mode: str, sql_mode: str, doc: Doc, usage=None, most=1) -> Function:
    return _values(name, 1, most, doc, _rounded(mode), Sql(rounding=sql_mode), usage)


# weekday() is ISO's: Monday 1 to Sunday 7 (SQL: isodow, named per dialect)
_PART = Doc("", "parts of a date (integers)", "`month(period.end)`")
_DATE_PARTS = {
    "year": (lambda d: d.year, "year", _PART),
    "month": (lambda d: d.month, "month", _PART),
    "day": (lambda d: d.day, "day", _PART),
    "quarter": (lambda d: (d.month - 1) // 3 + 1, "quarter",
                Doc("", "1 to 4", "`quarter(close_date)`")),
    "weekday": (lambda d: d.isoweekday(), "isodow",
                Doc("", "1 (Monday) to 7 (Sunday)", "`weekday(close_date) in [6, 7]`")),
}


def _date_part_record(name: str) -> Function:
    python, part, doc = _DATE_PARTS[name]
    return Function(name, 1, 1, DATES, type_rule=_date_part, python=_of(python),
                    sql=Sql("CAST(extract({part} FROM {0}) AS DECIMAL(38,0))", 0, part=part),
                    doc=Doc(f"`{name}(d)`", doc.gives, doc.example))


_WINDOW_DOCS = {
    "ytd": Doc("`ytd(x)`", "an aggregate or a target worked out for the year so far, up to "
               "the end of the period (see [ytd()](#ytd-year-to-date-measures))",
               "`ytd(sum(bookings))`, `ytd(quotas.amount)`"),
    "qtd": Doc("`qtd(x)`", "the same for the quarter, the month so far (see [Windows in "
               "time](#windows-in-time-trailing-qtd-mtd-last_year))", "`qtd(sum(bookings))`"),
    "mtd": Doc("`mtd(x)`", "the same for the quarter, the month so far (see [Windows in "
               "time](#windows-in-time-trailing-qtd-mtd-last_year))", "`qtd(sum(bookings))`"),
    "trailing": Doc("`trailing(x, N units)`", "the same over the N days, weeks, months, "
                    "quarters, years or periods that end with the period",
                    "`trailing(sum(bookings), 12 months)`"),
    "last_year": Doc("`last_year(x)`", "the same for the period a year earlier",
                     "`last_year(sum(bookings))`"),
}

# in the order of docs/language.md's functions table
_TABLE = [
    _chooser("min", 1, None, Doc("`min(a, b, ...)`", "the smallest value",
                                 "`min(booked, 50_000)`"),
             _of(lambda *vs: min(vs)), Sql("least({args})", aligned=True, guarded=True),
             aggregate=True),
    _chooser("max", 1, None, Doc("`max(a, b, ...)`", "the largest value",
                                 "`max(attainment, 0%)`"),
             _of(lambda *vs: max(vs)), Sql("greatest({args})", aligned=True, guarded=True),
             aggregate=True),
    _values("abs", 1, 1, Doc("`abs(x)`", "`x` without its sign",
                             "`abs(booked - quotas.amount)`"),
            _of(abs), Sql("abs({0})")),
    _rounding("round", decimal.ROUND_HALF_UP, "half_up",
              Doc("`round(x)`, `round(x, places)`", "`x` rounded to a whole number, or to "
                  "`places` decimals (written out: `round(x, 2)`)", "`round(attainment, 4)`"),
              "round(x) or round(x, places)", most=2),
    _rounding("floor", decimal.ROUND_FLOOR, "floor",
              Doc("`floor(x)`", "`x` rounded down to a whole number", "`floor(kpis.csat)`")),
    _rounding("ceil", decimal.ROUND_CEILING, "ceiling",
              Doc("`ceil(x)`", "`x` rounded up to a whole number", "`ceil(booked / 1000)`")),
    _chooser("clamp", 3, 3, Doc("`clamp(x, low, high)`", "`x`, but no less than `low` and "
                                "no more than `high`", "`clamp(attainment, 0%, 200%)`"),
             _of(lambda x, lo, hi: max(lo, min(hi, x))),
             Sql("greatest({1}, least({2}, {0}))", aligned=True, guarded=True),
             "clamp(x, low, high)"),
    _chooser("coalesce", 2, None, Doc("`coalesce(x, y, ...)`", "the first value that is not "
                                      "missing", "`coalesce(kpis.csat, 0)`"),
             _first_present, Sql("coalesce({args})", aligned=True, lazy=True),
             "coalesce(x, fallback)", strict=False),
    *(_date_part_record(p) for p in _DATE_PARTS),
    Function("days_between", 2, 2, DATES, "days_between(start, end)",
             type_rule=_days_between, python=_of(lambda a, b: (b - a).days),
             sql=Sql("CAST({days} AS DECIMAL(38,0))", 0),
             doc=Doc("`days_between(a, b)`", "the days from date `a` to date `b` (integer)",
                     "`days_between(payee.hired, period.end)`")),
    Function("prorate", 1, 2, PLAN, doc=Doc(
        "`prorate(x)`, `prorate(x, months)`", "`x` scaled by the share of the period the "
        "payee was active, in days (or months) (see [start and end](#the-payees-table))",
        "`prorate(quotas.amount)`")),
    Function("team", 1, 2, PLAN, doc=Doc(
        "`team(m)`, `team(m, levels)`", "a measure or earning `m` added up over the payee's "
        "reports (see [team()](#manager-overrides-team))", "`team(booked)`")),
    *(Function(w, lo, hi, WINDOW, "trailing(sum(bookings), 12 months)"
               if w == "trailing" else None, doc=_WINDOW_DOCS[w])
      for w, (lo, hi) in WINDOW_FUNCTIONS.items()),
    *(Function(a, 1, 1, AGGREGATE, aggregate=True, see="Aggregates")
      for a in ("sum", "count", "avg", "distinct")),
    Function("tiered", 1, 2, RATES, "tiered(rate_table) or tiered(rate_table, amount)",
             see="Rate functions"),
    Function("rate", 1, 2, RATES, "rate(rate_table) or rate(rate_table, basis)",
             see="Rate functions"),
    Function("lookup", 2, None, RATES, "lookup(table, key, ...)", see="Rate functions"),
    Function("group", 2, 2, PLAN, "group(booked, payee.team): booked added up over the "
             "payee's team", see="Groups of payees: group()"),
]

REGISTRY: dict[str, Function] = {f.name: f for f in _TABLE}

# the names the checker and engines ask about
FUNCTIONS = {f.name: f.arity for f in _TABLE}  # name: (fewest, most)
AGGREGATES = {f.name for f in _TABLE if f.aggregate}
DATE_PARTS = {f.name for f in _TABLE if f.kind == DATES and f.name != "days_between"}
SHOWS_CALL = tuple(f.name for f in _TABLE if f.shows_call)
BY_NAME = tuple(f.name for f in _TABLE if f.kind in BY_VALUE)
PICKS = tuple(f.name for f in _TABLE if f.picks)  # the value is one of the arguments'


def usage(name: str) -> str | None:
    f = REGISTRY.get(name)
    return f.usage if f is not None else None


def of_kind(name: str, *kinds: str) -> bool:
    """Whether `name` is a function of one of these kinds (AGGREGATE, RATES ...)."""
    f = REGISTRY.get(name)
    return f is not None and f.kind in kinds


def doc_table() -> str:
    """docs/language.md's functions table, made from the records (consecutive records
    that give the same with the same example share a row)."""
    rows: list[list[str]] = []
    for f in _TABLE:
        if f.doc is None:
            continue
        if rows and rows[-1][1:] == [f.doc.gives, f.doc.example]:
            rows[-1][0] += ", " + f.doc.call
        else:
            rows.append([f.doc.call, f.doc.gives, f.doc.example])
    lines = ["| Function | Gives | Example |", "|---|---|---|"]
    lines += [f"| {call} | {gives} | {example} |" for call, gives, example in rows]
    return "\n".join(lines)


if __name__ == "__main__":  # python -m compplan.lang.functions: the docs' table
    print(doc_table())
