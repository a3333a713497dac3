"""The language's operators on plain values (Decimal, int, date, text, bool), shared by
whatever works values out in Python: the Python engine's closures (engine/python/) and
the folding of the plan's constants when the IR tree is built (constants.py). The SQL
engine writes the same meaning in SQL (engine/sql/exprs.py, decimals.py).
"""
from __future__ import annotations

import datetime as dt

from .money import OutOfRange, divide, multiply


def add(a, b):
    """a + b; a date and whole days make a date."""
    if isinstance(a, dt.date):
        return a + dt.timedelta(days=int(b))
    if isinstance(b, dt.date):
        return b + dt.timedelta(days=int(a))
    return a + b


def sub(a, b):
    """a - b; two dates make a number of days, a date less whole days a date."""
    if isinstance(a, dt.date):
        if isinstance(b, dt.date):
            return (a - b).days
        return a - dt.timedelta(days=int(b))
    return a - b


# products and quotients follow the one arithmetic rule both engines share (money.py)
ARITH = {"+": add, "-": sub, "*": multiply, "/": divide}
COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
           "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def placed(fn, pos):
    """fn, with an OutOfRange it raises placed at `pos` (the operator in the plan)."""
    def at(a, b):
        try:
            return fn(a, b)
        except OutOfRange as e:
            e.pos = e.pos or pos
            raise
    return at
