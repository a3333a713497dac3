"""The SQL engine's form of each function of values (compplan/lang/functions.py).

A form takes the expression compiler and the call and gives the call as a `Num` (SQL
text and its decimal scale), meaning exactly what the Python engine's form means
(compplan/engine/functions.py): a missing argument makes the value missing (SQL's
least() and greatest() skip NULLs, so they are guarded), coalesce() works its
arguments out in turn (each compiled under the guard that those before it are
missing, for the division-by-zero warnings), and rounding is the language's, not the
database's (rounding.py). tests/lang/test_functions.py holds the two engines' forms to
each other on generated values.
"""
from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Callable

from . import dialect
from ...lang import ast
from ...lang.functions import forms_table
from ..functions import places_of
from . import decimals as dec, rounding
from .decimals import Num

Form = Callable[["ExprCompiler", ast.Call], Num]  # noqa: F821 (exprs.py imports this)

FORMS: dict[str, Form]
FORMS, form = forms_table()


class NotRun(Exception):
    """A call this engine cannot run (the plan is refused at the call's position)."""


def _scale(args: list[Num]) -> int | None:
    scales = [a.scale for a in args if a.scale is not None]
    return max(scales) if scales and len(scales) == len(args) else None


def _args(ex, n: ast.Call) -> list[Num]:
    return [ex.sql(a) for a in n.args]


@form("min", "max")
def _extreme(ex, n: ast.Call) -> Num:
    args = dec.align(*_args(ex, n))
    fn = "least" if n.name == "min" else "greatest"
    nulls = " OR ".join(f"{a.sql} IS NULL" for a in args)
    return Num(f"(CASE WHEN {nulls} THEN NULL ELSE {fn}({', '.join(a.sql for a in args)}) "
               "END)", _scale(args))


@form("clamp")
def _clamp(ex, n: ast.Call) -> Num:
    args = dec.align(*_args(ex, n))
    x, lo, hi = args
    return Num(f"(CASE WHEN {x.sql} IS NULL OR {lo.sql} IS NULL OR {hi.sql} IS NULL "
               f"THEN NULL ELSE greatest({lo.sql}, least({hi.sql}, {x.sql})) END)",
               _scale(args))


@form("coalesce")
def _coalesce(ex, n: ast.Call) -> Num:
    args: list[Num] = []
    for a in n.args:  # each argument only while those before it are missing
        with contextlib.ExitStack() as stack:
            for before in args:
                stack.enter_context(ex.guarded(f"{before.sql} IS NULL"))
            args.append(ex.sql(a))
    args = dec.align(*args)
    return Num(f"coalesce({', '.join(a.sql for a in args)})", _scale(args))


@form("abs")
def _abs(ex, n: ast.Call) -> Num:
    x = ex.sql(n.args[0])
    return Num(f"abs({x.sql})", x.scale)


MODES = {"floor": "floor", "ceil": "ceiling", "round": "half_up"}  # rounding.py's names


@form("floor", "ceil", "round")
def _rounded(ex, n: ast.Call) -> Num:
    places = places_of(n)
    r = rounding.round_to(ex.sql(n.args[0]), Decimal(1).scaleb(-places), MODES[n.name])
    if r is None:
        raise NotRun(f"{n.name}() to {places} places")
    return r


# DuckDB's parts of a date; weekday() is ISO's (Monday 1 to Sunday 7)
DATE_PARTS = {"year": "year", "month": "month", "day": "day", "quarter": "quarter",
              "weekday": "isodow"}


@form(*DATE_PARTS)
def _date_part(ex, n: ast.Call) -> Num:
    x = ex.sql(n.args[0])
    return Num(f"CAST(extract({dialect.current().date_part(DATE_PARTS[n.name])} FROM {x.sql}) "
               "AS DECIMAL(38,0))", 0)


@form("days_between")
def _days_between(ex, n: ast.Call) -> Num:
    a, b = _args(ex, n)
    return Num(f"CAST({dialect.current().days_between(a.sql, b.sql)} AS DECIMAL(38,0))", 0)
