"""The Python engine: the IR tree's expressions -> closures, once per plan. No eval, no
tree walk per row (moved here from engine/compile.py, issue 12 item 1).

Every expression compiles to two closures over `(env, row)`: a fast one that returns
the value, and an explaining one that returns `(value, text)` where text is the
formula with its values filled in (`12,500.00 x 8%`), for the line items. Both share
the same operations, so a line's formula always agrees with its amount.

Missing values (an empty KPI cell, a quota not set) propagate: arithmetic with a
missing value is missing, a comparison with one is unknown (but `x == missing` is true
or false: it asks whether x has a value), and an unknown `when` does not fire.
Division by zero gives missing and a warning naming the place.
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Callable

from ...errors import Pos
from ...lang import ast
from ...lang.check import AGGREGATES, Checked
from ...lang.functions import SHOWS_CALL
from ...lang.types import MONEY, Type
from ...lang.windows import WINDOW_FUNCTIONS, window_of
from .. import tiers as tiers_mod
from ..formula import SHOW_OP, fmt_value, precedence, window_text
from .functions import FORMS
from ..money import OutOfRange, divide, fmt_money, fmt_number, fmt_ratio, multiply, scale
from ..operations import ARITH, COMPARE, placed  # the operators on values
from ..periods import Period, month_share, months_in

Fn = Callable[[Any, Any], Any]
Ex = Callable[[Any, Any], tuple[Any, str]]


# env.cache key under which a live run hands a payee's running bases and plain sums of
# its last batch to the next one (engine/pay.py's `carry`; Running.build, plain sums)
CARRIED = "carried"


class Env:
    """What an expression can see while it runs, for one payee (or one data row)."""

    __slots__ = ("params", "period", "payee", "payee_id", "measures", "earnings", "per_payee",
                 "sets", "payees", "cache", "splits", "warnings", "payee_of_row", "team",
                 "basis_trace", "outer_rows", "group", "fns")

    def __init__(self, params, period, payees, fns=None):
        self.params = params
        # the plan's closures (engine/python/plan.py's PythonPlan): the steps are data,
        # so what runs them asks here for each expression's closure
        self.fns = fns
        self.period = period
        self.payees = payees
        self.payee = None
        self.payee_id = None
        self.measures: dict[str, Any] = {}
        self.earnings: dict[str, Any] = {}
        self.per_payee: dict[str, dict] = {}
        self.sets: dict[str, list] = {}
        self.cache: dict = {}
        self.splits: list = []
        self.basis_trace: dict | None = None
        self.warnings: list[tuple[Pos, str]] = []
        self.payee_of_row: Callable[[dict], dict | None] = lambda row: None
        self.team: Callable[[str], Any] = lambda name: None
        # group(X, payee.COL): X over the payee's group (engine/groups.py)
        self.group: Callable[..., Any] = lambda name, col, where: None
        # the rows around the `where`s being worked out, innermost last (correlated
        # filters read the enclosing row's columns from here)
        self.outer_rows: list[dict] = []


class RuntimeProblem(Exception):
    """A value the plan cannot work with at run time (division by zero is not one)."""


class Compiler:
    """Compiles the expressions of one checked plan."""

    def __init__(self, checked: Checked, tables: dict[str, tiers_mod.TierTable] | None = None):
        self.c = checked
        self.tier_tables = tables or {}
        self.lookups: dict[str, dict] = {}
        self.curves: dict[str, Any] = {}  # mode: interpolate tables (engine/curves.py)
        self.params: dict[str, Any] = {}
        self.linear: dict[str, Any] = {}  # rate name -> running-basis form
        # per-payee tier tables (to: targets.meetings): rate name -> env -> TierTable
        self.table_builders: dict[str, Callable[[Env], Any]] = {}

    # ---------------------------------------------------------- public
    def fast(self, node: ast.Node) -> Fn:
        return self._fast(node)

    def explain(self, node: ast.Node) -> Ex:
        return self._explain(node)

    def fast_once(self, node: ast.Node) -> Fn:
        """fast(node), compiled once and kept: a per-payee tier table's bounds are
        worked out for every payee (engine/tables.py)."""
        memo = self.__dict__.setdefault("_once", {})
        fn = memo.get(id(node))
        if fn is None:
            fn = memo[id(node)] = self._fast(node)
        return fn

    # ---------------------------------------------------------- fast closures
    def _fast(self, n: ast.Node) -> Fn:
        m = getattr(self, "f_" + type(n).__name__)
        return m(n)

    def f_Number(self, n):
        v = n.value
        return lambda env, row: v

    def f_String(self, n):
        v = n.value
        return lambda env, row: v

    def f_Boolean(self, n):
        v = n.value
        return lambda env, row: v

    def f_DateLit(self, n):
        v = n.value
        return lambda env, row: v

    def f_Missing(self, n):
        return lambda env, row: None

    def f_Ref(self, n):
        res = self.c.resolved[n]
        kind, name, col = res.kind, res.name, res.column
        if kind == "column" and res.outer:
            level = -res.outer
            return lambda env, row: env.outer_rows[level].get(col)
        if kind == "column":
            return lambda env, row: row.get(col)
        if kind == "param":
            v = self.params[name]
            return lambda env, row: v
        if kind == "measure":
            return lambda env, row: env.measures.get(name)
        if kind == "earning":
            return lambda env, row: env.earnings.get(name)
        if kind == "payee":
            def payee_attr(env, row):
                p = env.payee if env.payee is not None else env.payee_of_row(row)
                return None if p is None else p.get(col)
            return payee_attr
        if kind == "period":
            return lambda env, row: env.period[col]
        if kind == "payee_table":
            if self._window:
                name = name + "@" + self._window

            def table_col(env, row):
                r = env.per_payee.get(name)
                return None if r is None else r.get(col)
            return table_col
        raise AssertionError(f"unexpected reference {res}")  # pragma: no cover

    def f_Negate(self, n):
        f = self._fast(n.operand)

        def neg(env, row):
            v = f(env, row)
            return None if v is None else -v
        return neg

    def f_Binary(self, n):
        lf, rf, op = self._fast(n.left), self._fast(n.right), ARITH[n.op]
        pos = n.pos
        if n.op == "/":
            def div(env, row):
                a, b = lf(env, row), rf(env, row)
                if a is None or b is None:
                    return None
                if b == 0:
                    env.warnings.append((pos, "division by zero gave a missing value"))
                    return None
                try:
                    return divide(a, b)
                except OutOfRange as e:
                    e.pos = e.pos or pos
                    raise
            return div

        col, (is_const, const) = self._column(n.left), self._constant(n.right)
        if n.op == "*":
            op = placed(multiply, pos)
        if col is not None and is_const and const is not None and n.op in "*-+":
            def arith_col_const(env, row):
                a = row.get(col)
                return None if a is None else op(a, const)
            return arith_col_const

        def arith(env, row):
            a = lf(env, row)
            if a is None:
                return None
            b = rf(env, row)
            return None if b is None else op(a, b)
        return arith

    def _column(self, n) -> str | None:
        """The column a node reads from the current row, if it is just that."""
        if isinstance(n, ast.Ref):
            res = self.c.resolved.get(n)
            if res is not None and res.kind == "column" and not res.outer:
                return res.column
        return None

    def _constant(self, n):
        """(True, value) for a literal or a param, which are fixed when the plan compiles."""
        if isinstance(n, (ast.Number, ast.String, ast.Boolean, ast.DateLit)):
            return True, n.value
        if isinstance(n, ast.Ref):
            res = self.c.resolved.get(n)
            if res is not None and res.kind == "param" and res.name in self.params:
                return True, self.params[res.name]
        return False, None

    def f_Compare(self, n):
        if n.op in ("==", "!=") and (isinstance(n.left, ast.Missing) or
                                     isinstance(n.right, ast.Missing)):
            # `x == missing` asks whether x has a value: true or false, never unknown
            other = self._fast(n.right if isinstance(n.left, ast.Missing) else n.left)
            want_missing = n.op == "=="
            return lambda env, row: (other(env, row) is None) == want_missing
        # the common filter `product != "services"`: one closure instead of three
        col, (is_const, const) = self._column(n.left), self._constant(n.right)
        if col is not None and is_const and const is not None:
            op = COMPARE[n.op]

            def cmp_col_const(env, row):
                v = row.get(col)
                return None if v is None else op(v, const)
            return cmp_col_const
        lf, rf, op = self._fast(n.left), self._fast(n.right), COMPARE[n.op]

        def cmp(env, row):
            a, b = lf(env, row), rf(env, row)
            if a is None or b is None:
                return None
            return op(a, b)
        return cmp

    def f_Between(self, n):
        vf, lo, hi = self._fast(n.value), self._fast(n.low), self._fast(n.high)

        def between(env, row):
            v, a, b = vf(env, row), lo(env, row), hi(env, row)
            if v is None or a is None or b is None:
                return None
            return a <= v <= b
        return between

    def f_InList(self, n):
        vf = self._fast(n.value)
        items = [self._fast(i) for i in n.items]
        neg = n.negated
        # `x in [a, missing]` is true when x is missing, as `x == missing` is
        lists_missing = any(isinstance(i, ast.Missing) for i in n.items)
        if all(isinstance(i, (ast.Number, ast.String, ast.Boolean, ast.DateLit)) for i in n.items):
            consts = frozenset(i.value for i in n.items)

            def in_const(env, row):
                v = vf(env, row)
                return None if v is None else ((v in consts) != neg)
            return in_const

        def in_list(env, row):
            v = vf(env, row)
            if v is None:
                return (not neg) if lists_missing else None
            return any(v == f(env, row) for f in items) != neg
        return in_list

    def f_Logic(self, n):
        lf, rf = self._fast(n.left), self._fast(n.right)
        if n.op == "and":
            def and_(env, row):
                a = lf(env, row)
                if a is False:
                    return False
                b = rf(env, row)
                if b is False:
                    return False
                return None if a is None or b is None else True
            return and_

        def or_(env, row):
            a = lf(env, row)
            if a is True:
                return True
            b = rf(env, row)
            if b is True:
                return True
            return None if a is None or b is None else False
        return or_

    def f_Not(self, n):
        f = self._fast(n.operand)

        def not_(env, row):
            v = f(env, row)
            return None if v is None else not v
        return not_

    def f_Conditional(self, n):
        cf, tf, of = self._fast(n.cond), self._fast(n.then), self._fast(n.otherwise)
        return lambda env, row: tf(env, row) if cf(env, row) is True else of(env, row)

    def f_Call(self, n):
        return self._call(n, explain=False)

    # ---------------------------------------------------------- explaining closures
    def _explain(self, n: ast.Node) -> Ex:
        m = getattr(self, "e_" + type(n).__name__, None)
        if m is not None:
            return m(n)
        fast = self._fast(n)
        t = self.c.types.get(n)
        return lambda env, row: _with_text(fast(env, row), t)

    def e_Number(self, n):
        v, text = n.value, n.text
        return lambda env, row: (v, text)

    def e_Binary(self, n):
        le, re_ = self._explain(n.left), self._explain(n.right)
        fast = self._fast(n)  # for the warning on division by zero
        my = precedence(n)
        lp = precedence(n.left) < my
        rp = precedence(n.right) <= my and not (n.op in "+*" and precedence(n.right) == my)
        show = SHOW_OP[n.op]

        def ex(env, row):
            a, ta = le(env, row)
            b, tb = re_(env, row)
            if lp:
                ta = f"({ta})"
            if rp:
                tb = f"({tb})"
            return fast(env, row), f"{ta} {show} {tb}"
        return ex

    def e_Negate(self, n):
        e = self._explain(n.operand)

        def ex(env, row):
            v, t = e(env, row)
            return (None if v is None else -v), f"-{t}"
        return ex

    def e_Conditional(self, n):
        cf = self._fast(n.cond)
        te, oe = self._explain(n.then), self._explain(n.otherwise)
        return lambda env, row: te(env, row) if cf(env, row) is True else oe(env, row)

    def e_Call(self, n):
        if n.name == "prorate":
            fast, inner = self._fast(n), self._explain(n.args[0])
            if _prorate_by(n) == "months":
                def prorate_months_ex(env, row):
                    v, text = inner(env, row)
                    share = _month_share(env)
                    if share == 1:
                        return fast(env, row), text
                    months = _month_count(env)
                    return fast(env, row), (f"{text} x {fmt_number(_exact(share * months))}/"
                                            f"{fmt_number(_exact(months))} months")
                return prorate_months_ex

            def prorate_ex(env, row):
                v, text = inner(env, row)
                active, days = env.cache["active_days"]
                if active == days:
                    return fast(env, row), text
                return fast(env, row), f"{text} x {active}/{days} days"
            return prorate_ex
        if n.name in WINDOW_FUNCTIONS and n.name != "ytd":
            # the window in words with its days: 'trailing 12 months (2025-04-01 to
            # 2026-03-31) 120,000.00' (ytd() shows its value alone, as it always has)
            fast, t, window = self._fast(n), self.c.types.get(n), window_of(n)
            kind = self.c.plan.period

            def window_ex(env, row):
                v = fast(env, row)
                return v, f"{window_text(window, env.period, kind)} {fmt_value(v, t)}"
            return window_ex
        if n.name == "team":
            fast = self._fast(n)
            t = self.c.types.get(n)
            name = n.args[0].parts[0]
            return lambda env, row: ((v := fast(env, row)), f"team {name} {fmt_value(v, t)}")
        if n.name == "group":
            from .groups import explain_group
            fast = self._fast(n)
            t = self.c.types.get(n)
            name, col = n.args[0].parts[0], n.args[1].parts[1]
            return lambda env, row: ((v := fast(env, row)),
                                     explain_group(name, col, v, t, env))
        if n.name in SHOWS_CALL and not self._is_aggregate(n):
            fast = self._fast(n)
            args = [self._explain(a) for a in n.args]
            name = n.name

            def ex(env, row):
                texts = [a(env, row)[1] for a in args]
                return fast(env, row), f"{name}({', '.join(texts)})"
            return ex
        return self._call(n, explain=True)

    # ---------------------------------------------------------- calls
    def _is_aggregate(self, n: ast.Call) -> bool:
        return n.name in AGGREGATES and len(n.args) == 1 and n.args[0] in self.c.resolved and \
            self.c.resolved[n.args[0]].kind in ("set", "set_column")

    def _call(self, n: ast.Call, explain: bool):
        if self._is_aggregate(n):
            f = self._aggregate(n)
        elif n.name in ("tiered", "rate", "lookup"):
            f, ex = self._rate_call(n)
            if explain:
                return ex
            return f
        else:
            f = self._function(n)
        if explain:
            t = self.c.types.get(n)
            return lambda env, row: _with_text(f(env, row), t)
        return f

    def _aggregate(self, n: ast.Call) -> Fn:
        res = self.c.resolved[n.args[0]]
        set_name = res.name + ("@" + self._window if self._window else "")
        col = "value" if res.kind == "set" else res.column
        where = self._fast(n.where) if n.where is not None else None
        name = n.name

        def rows(env, row):
            rs = env.sets.get(set_name, ())
            if where is None:
                return rs
            # the filter sees the row it is written in (a credit's, a transaction's)
            env.outer_rows.append(row)
            try:
                return [r for r in rs if where(env, r) is True]
            finally:
                env.outer_rows.pop()

        if name == "count":
            return lambda env, row: len(rows(env, row))
        if name == "distinct":
            return lambda env, row: len({r.get(col) for r in rows(env, row)} - {None})
        if name == "sum" and where is None:
            key = ("sum", set_name, col)

            def plain_sum(env, row):
                # a live batch: the payee's sum before their new credits, when none of
                # them sorts before the last row added up then (Running.extends' test);
                # the rows are added in the same order, so the total is the same digits
                rs = env.sets.get(set_name, ())
                total, start = Decimal(0), 0
                got = env.cache.get(CARRIED)
                if got is not None:
                    prev = got.get(key)
                    if prev is not None and prev[0] is rs and len(rs) >= prev[1] and \
                            (prev[1] == 0 or rs[prev[1] - 1] is prev[2]):
                        start, total = prev[1], prev[3]
                for k in range(start, len(rs)):
                    v = rs[k].get(col)
                    if v is not None:
                        total += v
                if got is not None:
                    env.cache[key] = (rs, len(rs), rs[-1] if rs else None, total)
                return total
            return plain_sum
        if name == "sum":
            def sum_(env, row):
                total = Decimal(0)
                for r in rows(env, row):
                    v = r.get(col)
                    if v is not None:
                        total += v
                return total
            return sum_
        if name == "avg":
            def avg(env, row):
                vals = [r.get(col) for r in rows(env, row) if r.get(col) is not None]
                return divide(sum(vals, Decimal(0)), len(vals)) if vals else None
            return avg
        pick = min if name == "min" else max

        def extreme(env, row):
            vals = [r.get(col) for r in rows(env, row) if r.get(col) is not None]
            return pick(vals) if vals else None
        return extreme

    # the grain of the expression being compiled (ir.GRAINS), set from the tree's Expr:
    # a tiered() at the credit's grain splits the credit at its running basis
    grain: str = "payee"

    # compiling the argument of a window (ytd(), trailing() ...): its key, and sets and
    # targets are read over the window's days ('sales@ytd'; engine/windows.py)
    _window: str | None = None

    def _in_window(self, n: ast.Call, compile_arg) -> Fn:
        self._window = window_of(n).key
        try:
            return compile_arg(n.args[0])
        finally:
            self._window = None

    def _function(self, n: ast.Call) -> Fn:
        name = n.name
        if name in WINDOW_FUNCTIONS:
            return self._in_window(n, self._fast)
        if name == "team":
            target = n.args[0].parts[0]
            levels = int(n.args[1].value) if len(n.args) > 1 else None
            return lambda env, row: env.team(target, levels)
        if name == "group":
            target, col = n.args[0].parts[0], n.args[1].parts[1]
            where = self._fast(n.where) if n.where is not None else None
            return lambda env, row: env.group(target, col, where)
        if name == "prorate":
            x = self._fast(n.args[0])
            if _prorate_by(n) == "months":
                def prorate_months(env, row):
                    v = x(env, row)
                    if v is None:
                        return None
                    share = _month_share(env)
                    # multiplied before it is divided: 20,000 x 1 / 3, one rounding
                    return v if share == 1 else scale(v, share.numerator, share.denominator)
                return prorate_months

            def prorate(env, row):
                v = x(env, row)
                if v is None:
                    return None
                active, days = env.cache["active_days"]
                return v if active == days else scale(v, active, days)
            return prorate
        form = FORMS.get(name)  # functions of values (the registry, python/functions.py)
        if form is not None:
            return form([self._fast(a) for a in n.args], n)
        raise AssertionError(f"no compiler for {name}()")  # pragma: no cover

    # ---------------------------------------------------------- rate tables
    def _rate_call(self, n: ast.Call) -> tuple[Fn, Ex]:
        rate_name = self.c.resolved[n.args[0]].name
        if n.name == "lookup":
            return self._lookup(n, rate_name)
        if rate_name in self.curves:
            return self._curve(n, rate_name)
        table = self.tier_tables[rate_name]  # a per-payee table's shape (mode, units)
        table_of = self.table_of(rate_name)
        basis_fn = self.basis_fns[rate_name]
        extra = self._fast(n.args[1]) if len(n.args) > 1 else None
        extra_ex = self._explain(n.args[1]) if len(n.args) > 1 else None
        if n.name == "rate":
            def rate(env, row):
                b = extra(env, row) if extra else basis_fn(env, None)
                t = table_of(env)
                return None if b is None or t is None else t.rate_at(b)

            def rate_ex(env, row):
                v = rate(env, row)
                return v, fmt_ratio(v) if not table.per_unit else fmt_money(v)
            return rate, rate_ex
        owner_scope_credit = self._in_credit_scope(n)
        if owner_scope_credit and extra is None:
            return self._tiered_per_credit(rate_name, table, table_of)
        return self._tiered_payee(rate_name, table, basis_fn, extra, extra_ex, table_of)

    def table_of(self, rate_name: str):
        """env -> the tier table that pays: the plan's, or the payee's own when its
        bounds read the payee (None when the payee has no figure for one)."""
        build = self.table_builders.get(rate_name)
        if build is not None:
            return build
        table = self.tier_tables[rate_name]
        return lambda env: table

    def _curve(self, n: ast.Call, rate_name: str):
        """rate(curve, x): the curve's value at x (at its basis without x)."""
        curve = self.curves[rate_name]
        x_fn = self._fast(n.args[1]) if len(n.args) > 1 else self.basis_fns[rate_name]
        x_node = n.args[1] if len(n.args) > 1 else self.c.expr("rates", rate_name, "basis")
        x_t, y_t = self.c.types.get(x_node), self.c.types.get(n)

        def at(env, row):
            x = x_fn(env, row if len(n.args) > 1 else None)
            return None if x is None else curve.at(x)

        def at_ex(env, row):
            x = x_fn(env, row if len(n.args) > 1 else None)
            if x is None:
                return None, "missing"
            v = curve.at(x)
            text = curve.text(x, lambda a: fmt_value(a, x_t), lambda a: fmt_value(a, y_t))
            return v, f"{fmt_value(v, y_t)} ({text})"
        return at, at_ex

    def _in_credit_scope(self, n: ast.Node) -> bool:
        return self.grain == "credit"

    def _tiered_payee(self, rate_name, shape, basis_fn, extra, extra_ex, table_of):
        basis_t = self.c.types.get(self.c.expr("rates", rate_name, "basis"))
        basis_money = basis_t is not None and basis_t.kind == MONEY
        form = self.linear.get(rate_name)
        table = shape

        def compute(env, row):
            b = basis_fn(env, None)
            table = table_of(env)
            if b is None or table is None:
                return None, []
            amount = extra(env, row) if extra else (b if basis_money else None)
            if table.mode == "whole":
                band = table.band_at(b)
                rate = band.rate if band else Decimal(0)
                base = b if table.per_unit else amount
                if base is None:
                    return None, []
                pays = multiply(base, rate)
                return pays, [tiers_mod.Portion(band.index if band else 0, base, rate, pays)]
            parts = table.split(Decimal(0), b)
            if table.per_unit and form is not None and form.unit:
                # amounts per unit of a count: split the count itself (a basis of
                # count / target has its bounds moved to meetings, 82% of 25 = 20.5)
                running = form.running(env)
                if running.missing:
                    return None, []
                if not running.flat:
                    parts = running.table.split(Decimal(0), running.starts[-1])
            if table.per_unit:
                return sum((p.pays for p in parts), Decimal(0)), parts
            if amount is None:
                return None, []
            if b == 0:
                return Decimal(0), []
            if form is not None and (running := form.running(env)).missing:
                return None, []
            if form is not None and not running.flat and running.starts[-1] != 0:
                # basis = sum(S) / quota: split the sum where the bounds are exact (100% is
                # the quota), not through the ratio, which is rounded (1.0333...)
                b = running.starts[-1]
                parts = running.table.split(Decimal(0), b)
            scaled = []
            for p in parts:
                # amount x band / whole, multiplied first; when the amount is the whole (the
                # basis' own sum) the band itself (amount x band would square the amount)
                part = p.amount if amount == b else scale(amount, p.amount, b)
                scaled.append(tiers_mod.Portion(p.tier, part, p.rate, multiply(part, p.rate)))
            return sum((p.pays for p in scaled), Decimal(0)), scaled

        def tiered(env, row):
            v, parts = compute(env, row)
            env.splits = parts
            return v

        def tiered_ex(env, row):
            v, parts = compute(env, row)
            env.splits = parts
            return v, _split_text(parts, table) if parts else fmt_money(v)
        return tiered, tiered_ex

    def _tiered_per_credit(self, rate_name, shape, table_of):
        form = self.linear.get(rate_name)
        basis_fn = self.basis_fns[rate_name]
        table = shape

        def compute(env, row):
            value = row.get("value")
            table = table_of(env)
            if value is None or table is None:
                return None, []
            running = form.running(env) if form is not None and table.mode != "whole" \
                else None
            if running is None or running.flat:
                b = basis_fn(env, None)
                if b is None:
                    return None, []  # a missing basis (a quota of 0): nothing to tier
                band = table.band_at(b)
                rate = band.rate if band else Decimal(0)
                env.basis_trace = {"basis": b}
                pays = multiply(value, rate)
                return pays, [tiers_mod.Portion(band.index if band else 0, value, rate, pays)]
            if running.missing:
                return None, []
            before, after = running.position(row)
            scaled = running.table
            env.basis_trace = {"before": running.to_basis(before),
                               "after": running.to_basis(after)}
            if after != before:
                parts = scaled.split(before, after)
                # on a count basis a credit is one unit: an amount per unit pays once for it
                share = Decimal(1) if form.unit and table.per_unit else \
                    divide(value, after - before)
                if share != 1:
                    parts = [tiers_mod.Portion(p.tier, a := multiply(p.amount, share), p.rate,
                                               multiply(a, p.rate)) for p in parts]
            else:
                band = scaled.band_at(before)
                rate = band.rate if band else Decimal(0)
                parts = [tiers_mod.Portion(band.index if band else 0, value, rate,
                                           multiply(value, rate))]
            return sum((p.pays for p in parts), Decimal(0)), parts

        def tiered(env, row):
            v, parts = compute(env, row)
            env.splits = parts
            return v

        def tiered_ex(env, row):
            v, parts = compute(env, row)
            env.splits = parts
            return v, _split_text(parts, table)
        return tiered, tiered_ex

    def _lookup(self, n: ast.Call, rate_name: str):
        table = self.lookups[rate_name]
        keys = [self._fast(a) for a in n.args[1:]]
        default = table.get("__default__")
        t = self.c.types.get(n)

        def lookup(env, row):
            k = tuple(f(env, row) for f in keys)
            if any(v is None for v in k):
                return None
            for cand in _wildcards(k):
                if cand in table:
                    return table[cand]
            return default

        def lookup_ex(env, row):
            v = lookup(env, row)
            k = ", ".join(fmt_value(f(env, row), None) for f in keys)
            return v, f"{fmt_value(v, t)} ({rate_name}[{k}])"
        return lookup, lookup_ex


def _prorate_by(n: ast.Call) -> str:
    """prorate(x) and prorate(x, days) count days; prorate(x, months) counts months."""
    return n.args[1].parts[0] if len(n.args) > 1 else "days"


def _month_share(env) -> Fraction:
    """The payee's active part of the period in months (cached per payee)."""
    share = env.cache.get("active_months")
    if share is None:
        first, last = env.cache["active_range"]
        period = Period("span", "", env.period["start"], env.period["end"])
        share = env.cache["active_months"] = month_share(first, last, period)
    return share


def _month_count(env) -> Fraction:
    """The period's length in months (3 for a quarter)."""
    return months_in(Period("span", "", env.period["start"], env.period["end"]))


def _exact(f: Fraction) -> Decimal:
    return Decimal(f.numerator) / Decimal(f.denominator)


def _wildcards(key: tuple):
    """The exact key first, then with trailing keys replaced by '*' one at a time."""
    yield key
    for i in range(len(key) - 1, -1, -1):
        yield key[:i] + ("*",) * (len(key) - i)


def _with_text(value, t: Type | None):
    return value, fmt_value(value, t)


def _split_text(parts, table: tiers_mod.TierTable) -> str:
    if not parts:
        return "0.00"
    shown = []
    for p in parts:
        rate = fmt_money(p.rate) if table.per_unit else fmt_ratio(p.rate)
        amount = fmt_number(p.amount) if table.per_unit else fmt_money(p.amount)
        shown.append(f"{amount} x {rate}")
    text = " + ".join(shown)
    return f"({text})" if len(parts) > 1 else text
