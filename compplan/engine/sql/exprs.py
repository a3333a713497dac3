"""Plan expressions (the checked AST) as SQL, with the language's meaning kept exactly.

`missing` is SQL's NULL, and the language's three-valued logic is SQL's: a comparison
with a missing value is unknown, `and`/`or` follow Kleene's tables, `x if c else y`
takes y when c is unknown. Numbers go through compplan.engine.sql.decimals, so no
operation leaves its scale to the database. What a name means (a column of the current
row, a measure, a payee's attribute) and the plan-level functions (aggregates, tiers,
team) are the caller's: it passes `name` and `call`, so one expression compiler serves
every grain.
"""
from __future__ import annotations

import contextlib
from typing import Callable

from . import dialect
from ...errors import Pos
from ...lang import ast
from . import decimals as dec
from .decimals import Num
from .functions import FORMS, NotRun, python_only



class Unsupported(Exception):
    """A construct this engine cannot run yet; the plan is refused at its position."""

    def __init__(self, pos: Pos | None, what: str):
        super().__init__(what)
        self.pos, self.what = pos, what


def text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class ExprCompiler:
    """AST -> Num. `name(ref)` and `call(node)` give what depends on where it runs."""

    def __init__(self, name: Callable[[ast.Ref], Num], call: Callable[[ast.Call], Num | None],
                 compiled=None):
        self.name, self.call = name, call
        self.compiled = compiled  # the CompiledPlan, for what reads its tables (lookup)
        # division by zero (the Python engine's runtime warning): each division's position
        # and the condition under which the Python engine would evaluate it with a zero
        # divisor; collected only while `zeros` is a dict (see watch_zeros)
        self.zeros: dict[Pos, list[str]] | None = None
        self._guards: list[str] = []

    @contextlib.contextmanager
    def watch_zeros(self, *guards: str):
        """Collect the divisions compiled inside, evaluated only where `guards` hold (an
        earning's value where its condition is true)."""
        before = self.zeros, self._guards
        self.zeros = {} if self.zeros is None else self.zeros
        self._guards = self._guards + list(guards)
        try:
            yield self.zeros
        finally:
            self.zeros, self._guards = before

    @contextlib.contextmanager
    def guarded(self, cond: str):
        """What is compiled inside is evaluated only where `cond` is true (lazy branches:
        x if c else y, and/or, coalesce), as the Python engine evaluates it."""
        self._guards.append(cond)
        try:
            yield
        finally:
            self._guards.pop()

    def zero_where(self, pos: Pos, cond: str) -> None:
        """A divisor of 0 at `pos` where `cond` holds, under the current guards."""
        if self.zeros is not None:
            self.zeros.setdefault(pos, []).append(
                " AND ".join(f"({g})" for g in self._guards + [cond]))

    def sql(self, n: ast.Node) -> Num:
        return getattr(self, "c_" + type(n).__name__)(n)

    def c_Number(self, n: ast.Number) -> Num:
        return dec.literal(n.value)

    def c_String(self, n: ast.String) -> Num:
        return Num(text_literal(n.value), None)

    def c_Boolean(self, n: ast.Boolean) -> Num:
        return Num("TRUE" if n.value else "FALSE", None)

    def c_DateLit(self, n: ast.DateLit) -> Num:
        return Num(f"DATE '{n.value.isoformat()}'", None)

    def c_Missing(self, n: ast.Missing) -> Num:
        return Num("NULL", None)

    def c_Ref(self, n: ast.Ref) -> Num:
        return self.name(n)

    def c_Negate(self, n: ast.Negate) -> Num:
        v = self.sql(n.operand)
        return Num(f"(-{v.sql})", v.scale)

    def c_Binary(self, n: ast.Binary) -> Num:
        a, b = self.sql(n.left), self.sql(n.right)
        if a.scale is None or b.scale is None:
            if n.op in "+-":  # date arithmetic: a date and whole days, or two dates
                if a.scale is None and b.scale is None and n.op == "-":
                    return Num(f"CAST({dialect.current().days_between(b.sql, a.sql)} AS DECIMAL(38,0))", 0)
                date, days = (a, b) if a.scale is None else (b, a)
                sign = "-" if n.op == "-" else "+"
                return Num(f"({date.sql} {sign} CAST({days.sql} AS INTEGER))", None)
            raise Unsupported(n.pos, f"'{n.op}' on a value that is not a number")
        if n.op in "+-":
            return dec.add(a, b, n.op)
        if n.op == "*":
            return dec.mul(a, b)
        self.zero_where(n.pos, f"{a.sql} IS NOT NULL AND {b.sql} = 0")
        return dec.div(a, b)

    def c_Compare(self, n: ast.Compare) -> Num:
        # `x == missing` asks whether x has a value (always true or false), as in the
        # Python engine; the checker refuses an ordering against missing
        if n.op in ("==", "!=") and (isinstance(n.right, ast.Missing) or
                                     isinstance(n.left, ast.Missing)):
            other = n.left if isinstance(n.right, ast.Missing) else n.right
            if isinstance(other, ast.Missing):
                return Num("TRUE" if n.op == "==" else "FALSE", None)
            v = self.sql(other)
            return Num(f"({v.sql} IS {'NOT ' if n.op == '!=' else ''}NULL)", None)
        a, b = self.sql(n.left), self.sql(n.right)
        op = {"==": "=", "!=": "<>"}.get(n.op, n.op)
        return Num(f"({a.sql} {op} {b.sql})", None)

    def c_Between(self, n: ast.Between) -> Num:
        v, lo, hi = self.sql(n.value), self.sql(n.low), self.sql(n.high)
        return Num(f"({v.sql} BETWEEN {lo.sql} AND {hi.sql})", None)

    def c_InList(self, n: ast.InList) -> Num:
        if any(isinstance(i, ast.Missing) for i in n.items):
            raise Unsupported(n.pos, "'missing' in a list")
        v, *rest = dec.align(self.sql(n.value), *(self.sql(i) for i in n.items))
        items = ", ".join(i.sql for i in rest)
        return Num(f"({v.sql} {'NOT ' if n.negated else ''}IN ({items}))", None)

    def c_Logic(self, n: ast.Logic) -> Num:
        a = self.sql(n.left)
        # the right side is worked out only when the left does not decide (Kleene)
        with self.guarded(f"{a.sql} IS NOT {'FALSE' if n.op == 'and' else 'TRUE'}"):
            b = self.sql(n.right)
        return Num(f"({a.sql} {n.op.upper()} {b.sql})", None)

    def c_Not(self, n: ast.Not) -> Num:
        return Num(f"(NOT {self.sql(n.operand).sql})", None)

    def c_Conditional(self, n: ast.Conditional) -> Num:
        c = self.sql(n.cond)
        with self.guarded(f"{c.sql} IS TRUE"):
            t = self.sql(n.then)
        with self.guarded(f"{c.sql} IS NOT TRUE"):
            o = self.sql(n.otherwise)
        t, o = dec.align(t, o)
        return Num(f"(CASE WHEN {c.sql} THEN {t.sql} ELSE {o.sql} END)", t.scale)

    def c_Call(self, n: ast.Call) -> Num:
        done = self.call(n)
        if done is not None:
            return done
        if n.name == "lookup" and self.compiled is not None:
            from .lookups import lookup_sql
            return lookup_sql(self.compiled, n, [self.sql(a) for a in n.args[1:]])
        form = FORMS.get(n.name)  # functions of values (the registry's SQL forms)
        if form is None:
            why = python_only(n.name)
            raise Unsupported(n.pos, f"{n.name}() ({why})" if why else f"{n.name}() here")
        try:
            return form(self, n)
        except NotRun as e:
            raise Unsupported(n.pos, str(e)) from None
