"""Formula text both engines write: a value as a line shows it, the operators' signs and
precedence (for parentheses), a window in words with its days.

Neutral ground (issue 12 item 1): the Python engine's explaining closures
(engine/python/compile.py) and the SQL engine's formula columns (engine/sql/show.py)
must write the same text, so they share these.
"""
from __future__ import annotations

import datetime as dt

from ..lang import ast
from ..lang.types import MONEY, RATIO, Type
from .money import fmt_money, fmt_number, fmt_ratio
from .periods import Period
from .windows import span as window_span


def fmt_value(value, t: Type | None) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return f'"{value}"'
    kind = t.kind if t is not None else None
    if kind == MONEY:
        return fmt_money(value)
    if kind == RATIO:
        return fmt_ratio(value)
    return fmt_number(value)


SHOW_OP = {"+": "+", "-": "-", "*": "x", "/": "/"}
PREC = {ast.Conditional: 1, ast.Logic: 2, ast.Not: 4, ast.Compare: 5, ast.Between: 5,
        ast.InList: 5}


def precedence(node: ast.Node) -> int:
    """How tightly an operator binds, for parentheses in a formula's text."""
    if isinstance(node, ast.Binary):
        return 6 if node.op in "+-" else 7
    if isinstance(node, ast.Logic):
        return 2 if node.op == "or" else 3
    return PREC.get(type(node), 9)


def window_text(window, period: dict, kind: str) -> str:
    """A window named with its days, from the run's period (env.period's attributes)."""
    p = Period(kind, period["label"], period["start"], period["end"])
    s = window_span(window, p, kind)
    name = {"qtd": "quarter to date", "mtd": "month to date", "last_year": "last year",
            "trailing": f"trailing {window.count} {window.unit}{'s' * (window.count != 1)}"}
    return f"{name[window.function]} ({s.start.isoformat()} to {s.end.isoformat()})"
