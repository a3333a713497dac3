"""The plan's constants worked out once, when the IR tree is built (engine/ir.py):
params in dependency order, the bounds and rates of plan-wide tier tables, curve
points, lookup rows and defaults. Both engines read the values the tree holds.

The checker lets a constant read only literals and params (resolve.py's param, tier,
bound and const scopes), so its operators and functions of values are all there is:
this walks the node with the operators of engine/operations.py and the registry's
Python implementations (compplan/lang/functions.py), the same code the Python engine's
closures run, and depends on no engine. A division by zero gives missing, as in a
rule (a constant has no run to warn in).
"""
from __future__ import annotations

from typing import Any

from ..lang import ast
from ..lang.check import Checked
from ..lang.functions import BY_VALUE, REGISTRY
from .money import divide, multiply
from .operations import ARITH, COMPARE, placed

LITERALS = (ast.Number, ast.String, ast.Boolean, ast.DateLit)


class NotConstant(Exception):
    """A node that reads more than literals and params (the checker refuses such a
    constant, so this is a defect, not the plan's)."""


class Constants:
    """Values of constant nodes; `params` fills as params are worked out (dependency
    order), so a later param reads an earlier one."""

    def __init__(self, checked: Checked):
        self.c = checked
        self.params: dict[str, Any] = {}

    def value(self, n: ast.Node) -> Any:
        if isinstance(n, LITERALS):
            return n.value
        m = getattr(self, "v_" + type(n).__name__, None)
        if m is None:
            raise NotConstant(f"{type(n).__name__} at {n.pos}")
        return m(n)

    def fast_once(self, node: ast.Node):
        """The value as a closure `(env, row) -> value`: what engine/tables.py asks of
        whatever works a table's bounds out (for a payee, the Python engine)."""
        v = self.value(node)
        return lambda env, row: v

    def v_Missing(self, n):
        return None

    def v_Ref(self, n):
        res = self.c.resolved[n]
        if res.kind != "param":
            raise NotConstant(f"'{n.dotted}' at {n.pos}")
        return self.params[res.name]

    def v_Negate(self, n):
        v = self.value(n.operand)
        return None if v is None else -v

    def v_Binary(self, n):
        if n.op == "/":
            a, b = self.value(n.left), self.value(n.right)
            if a is None or b is None or b == 0:
                return None
            return placed(divide, n.pos)(a, b)
        a = self.value(n.left)
        if a is None:  # the right side is not worked out (as in the Python engine)
            return None
        b = self.value(n.right)
        op = placed(multiply, n.pos) if n.op == "*" else ARITH[n.op]
        return None if b is None else op(a, b)

    def v_Compare(self, n):
        if n.op in ("==", "!=") and (isinstance(n.left, ast.Missing) or
                                     isinstance(n.right, ast.Missing)):
            # `x == missing` asks whether x has a value: true or false, never unknown
            other = n.right if isinstance(n.left, ast.Missing) else n.left
            return (self.value(other) is None) == (n.op == "==")
        a, b = self.value(n.left), self.value(n.right)
        return None if a is None or b is None else COMPARE[n.op](a, b)

    def v_Between(self, n):
        v, a, b = self.value(n.value), self.value(n.low), self.value(n.high)
        return None if v is None or a is None or b is None else a <= v <= b

    def v_InList(self, n):
        v = self.value(n.value)
        if v is None:  # `x in [a, missing]` is true when x is missing
            lists_missing = any(isinstance(i, ast.Missing) for i in n.items)
            return (not n.negated) if lists_missing else None
        return any(v == self.value(i) for i in n.items) != n.negated

    def v_Logic(self, n):
        a = self.value(n.left)
        if n.op == "and":
            if a is False:
                return False
            b = self.value(n.right)
            if b is False:
                return False
            return None if a is None or b is None else True
        if a is True:
            return True
        b = self.value(n.right)
        if b is True:
            return True
        return None if a is None or b is None else False

    def v_Not(self, n):
        v = self.value(n.operand)
        return None if v is None else not v

    def v_Conditional(self, n):
        return self.value(n.then) if self.value(n.cond) is True else self.value(n.otherwise)

    def v_Call(self, n):
        f = REGISTRY.get(n.name)
        if f is None or f.kind not in BY_VALUE or n.where is not None:
            raise NotConstant(f"{n.name}() at {n.pos}")
        impl = f.python(n)
        if not f.strict:  # coalesce(): each argument only while those before are missing
            return impl(*[(lambda a=a: self.value(a)) for a in n.args])
        vals = [self.value(a) for a in n.args]
        return None if any(v is None for v in vals) else impl(*vals)

