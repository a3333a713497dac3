"""Values the checker can know without data: a literal, a negated one, or a param that
is one (`to: tier_meetings` with `tier_meetings: 20`). Tier bounds and curve points may
be expressions of params; when they reduce to a number this way, the checker can also
check their order, and otherwise the engine checks it when the plan compiles."""
from __future__ import annotations

from decimal import Decimal

from . import ast
from .checked import Checked


class Known:
    """A value known at check time, and the text to show it by in messages."""

    def __init__(self, value: Decimal, text: str, percent: bool):
        self.value, self.text, self.percent = value, text, percent

    def __lt__(self, other):
        return self.value < other.value

    def __le__(self, other):
        return self.value <= other.value

    def __gt__(self, other):
        return self.value > other.value


def known(c: Checked, node: ast.Node | None, depth: int = 0) -> Known | None:
    """The value of `node` if it is a number written out, or a param that is one."""
    if isinstance(node, ast.Number):
        return Known(node.value, node.text, node.percent)
    if isinstance(node, ast.Negate):
        inner = known(c, node.operand, depth)
        return None if inner is None else Known(-inner.value, "-" + inner.text,
                                                inner.percent)
    if isinstance(node, ast.Ref) and depth < 20:
        res = c.resolved.get(node)
        if res is not None and res.kind == "param":
            inner = known(c, c.expr("params", res.name), depth + 1)
            return None if inner is None else Known(inner.value, f"{res.name} ({inner.text})",
                                                    inner.percent)
    return None


def is_plain_number(c: Checked, node: ast.Node | None) -> bool:
    """A number written without '%' (and not 0), or a param that is one."""
    k = known(c, node)
    return k is not None and not k.percent and k.value != 0


def is_zero(c: Checked, node: ast.Node | None) -> bool:
    """0 written out (or a param that is 0): 0% and 0 money alike, so it agrees with any
    unit."""
    k = known(c, node)
    return k is not None and k.value == 0
