"""Expressions compared by meaning: a normal form of the AST without positions.

Two expressions are the same rule when their normal forms are equal. The form drops
what only the writing carries (positions, brackets, `50_000` against `50000`, `8%`
against `0.08`, comments) and puts operands in one order where the order cannot change
the result:

    a + b, a * b, a == b, a != b     the two operands sorted (Decimal + and * are
                                     commutative exactly: each is one rounded operation)
    a > b, a >= b                    written as b < a, b <= a
    x in [p, q]                      the items sorted

`and`/`or` keep their order (the left side decides whether the right is evaluated),
and chains are not re-associated: (a + b) + c rounds differently from a + (b + c).

Names a plan renamed are written under their new names (`renames`), so a rule that
only follows a rename is not reported as changed. Only references the checker resolved
to a definition are renamed: a column that happens to share the name stays as it is.
"""
from __future__ import annotations

from ..lang import ast
from ..lang.windows import MONTHS, UNITS
from ..lang.symbols import Resolution

# Resolutions whose first name part is a definition of the plan (not a column)
_DEFINITIONS = {"param", "measure", "earning", "payee_table", "set", "set_column", "rate"}
_FLIP = {">": "<", ">=": "<="}


def _key(form) -> str:
    """A total order over normal forms of mixed kinds (for sorting operands)."""
    return repr(form)


def normal(node: ast.Node, resolved: dict | None = None,
           renames: dict[str, str] | None = None):
    """The normal form of an expression: nested tuples, hashable, position-free."""
    resolved = resolved or {}
    renames = renames or {}

    def n(x: ast.Node):
        if isinstance(x, ast.Number):
            return ("num", x.value.normalize())
        if isinstance(x, ast.String):
            return ("str", x.value)
        if isinstance(x, ast.Boolean):
            return ("bool", x.value)
        if isinstance(x, ast.DateLit):
            return ("date", x.value)
        if isinstance(x, ast.Missing):
            return ("missing",)
        if isinstance(x, ast.Duration):
            return ("duration",) + _length(x)
        if isinstance(x, ast.Ref):
            return ("ref", _renamed(x, resolved, renames))
        if isinstance(x, ast.Negate):
            return ("neg", n(x.operand))
        if isinstance(x, ast.Binary):
            left, right = n(x.left), n(x.right)
            if x.op in ("+", "*"):
                left, right = sorted((left, right), key=_key)
            return ("bin", x.op, left, right)
        if isinstance(x, ast.Compare):
            op, left, right = x.op, n(x.left), n(x.right)
            if op in _FLIP:
                op, left, right = _FLIP[op], right, left
            elif op in ("==", "!="):
                left, right = sorted((left, right), key=_key)
            return ("cmp", op, left, right)
        if isinstance(x, ast.Between):
            return ("between", n(x.value), n(x.low), n(x.high))
        if isinstance(x, ast.InList):
            items = tuple(sorted((n(i) for i in x.items), key=_key))
            return ("in", x.negated, n(x.value), items)
        if isinstance(x, ast.Logic):
            return ("logic", x.op, n(x.left), n(x.right))
        if isinstance(x, ast.Not):
            return ("not", n(x.operand))
        if isinstance(x, ast.Conditional):
            return ("if", n(x.cond), n(x.then), n(x.otherwise))
        if isinstance(x, ast.Call):
            return ("call", x.name, tuple(n(a) for a in x.args),
                    None if x.where is None else n(x.where))
        raise TypeError(f"no normal form for {type(x).__name__}")

    return n(node)


def _length(d: ast.Duration) -> tuple:
    """A window's length by meaning: `1 year` is `12 months` and `4 quarters`, `2 weeks`
    is `14 days`; `1 month` and `30 days` differ (a month is not a number of days)."""
    unit = UNITS.get(d.unit.lower(), d.unit)
    n = d.count.normalize()
    if unit in MONTHS:
        return n * MONTHS[unit], "month"
    if unit == "week":
        return n * 7, "day"
    return n, unit


def _renamed(ref: ast.Ref, resolved: dict, renames: dict[str, str]) -> tuple[str, ...]:
    parts = ref.parts
    if not renames or parts[0] not in renames:
        return parts
    res: Resolution | None = resolved.get(ref)
    if res is None:
        return parts
    names_definition = res.kind in _DEFINITIONS or (
        res.kind == "column" and len(parts) == 2 and parts[0] == res.name)
    if not names_definition:
        return parts
    return (renames[parts[0]],) + parts[1:]


def same(a: ast.Node, b: ast.Node) -> bool:
    """Whether two expressions (of the same plan, or with no renames) mean the same."""
    return normal(a) == normal(b)
