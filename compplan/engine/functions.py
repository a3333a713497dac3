"""The Python engine's form of each function of values (compplan/lang/functions.py).

A form takes the compiled arguments (closures `(env, row) -> value`) and the call, and
gives the call's closure. A missing argument makes the value missing, as everywhere in
the language, except in coalesce(), whose arguments are worked out in turn only while
those before them are missing (a division in a later argument is not made, nor warned
of, once an earlier one has a value). The SQL engine's forms are in
compplan/engine/sql/functions.py; tests/lang/test_functions.py holds the two to each
other.
"""
from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any, Callable

from ..lang import ast
from ..lang.functions import forms_table

Fn = Callable[[Any, Any], Any]
Form = Callable[[list[Fn], ast.Call], Fn]

FORMS: dict[str, Form]
FORMS, form = forms_table()


@form("min", "max")
def _extreme(args: list[Fn], n: ast.Call) -> Fn:
    pick = min if n.name == "min" else max

    def extreme(env, row):
        vals = [a(env, row) for a in args]
        return None if any(v is None for v in vals) else pick(vals)
    return extreme


@form("clamp")
def _clamp(args: list[Fn], n: ast.Call) -> Fn:
    x, lo, hi = args

    def clamp(env, row):
        v, a, b = x(env, row), lo(env, row), hi(env, row)
        return None if None in (v, a, b) else max(a, min(b, v))
    return clamp


@form("coalesce")
def _coalesce(args: list[Fn], n: ast.Call) -> Fn:
    def coalesce(env, row):
        for a in args:
            v = a(env, row)
            if v is not None:
                return v
        return None
    return coalesce


# round() is half up, floor() and ceil() toward minus and plus infinity (docs/language.md)
ROUNDING = {"floor": decimal.ROUND_FLOOR, "ceil": decimal.ROUND_CEILING,
            "round": decimal.ROUND_HALF_UP}


def places_of(n: ast.Call) -> int:
    """round(x, places): the places as written (the checker made sure it is whole)."""
    return int(n.args[1].value) if n.name == "round" and len(n.args) == 2 else 0


@form("abs")
def _abs(args: list[Fn], n: ast.Call) -> Fn:
    x = args[0]
    return lambda env, row: None if (v := x(env, row)) is None else abs(v)


@form("floor", "ceil", "round")
def _rounded(args: list[Fn], n: ast.Call) -> Fn:
    x, q, mode = args[0], Decimal(1).scaleb(-places_of(n)), ROUNDING[n.name]

    def rounded(env, row):
        v = x(env, row)
        return None if v is None else Decimal(v).quantize(q, rounding=mode)
    return rounded


# weekday() is ISO's: Monday 1 to Sunday 7
DATE_PARTS = {"year": lambda d: d.year, "month": lambda d: d.month, "day": lambda d: d.day,
              "quarter": lambda d: (d.month - 1) // 3 + 1, "weekday": lambda d: d.isoweekday()}


@form(*DATE_PARTS)
def _date_part(args: list[Fn], n: ast.Call) -> Fn:
    x, part = args[0], DATE_PARTS[n.name]
    return lambda env, row: None if (v := x(env, row)) is None else part(v)


@form("days_between")
def _days_between(args: list[Fn], n: ast.Call) -> Fn:
    a, b = args

    def days(env, row):
        x, y = a(env, row), b(env, row)
        return None if x is None or y is None else (y - x).days
    return days
