"""The compiled plan: named steps with typed expressions and their closures.

This is the engine's intermediate form. Each step keeps the checked AST (with source
positions and types) next to the closures compiled from it, so a second back end can
compile the same steps to SQL, and every line item can name the place in the plan
file that made it.

    params   constants, worked out once at compile time
    credits  rows of an input -> credit rows, per payee (with splits and rollups)
    measures per-payee values, in dependency order
    earnings per-credit lines or per-payee lines, caps and floors, in dependency order
"""
from __future__ import annotations

import bisect

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..errors import CompplanError, Pos, Problem
from ..lang import ast
from ..lang.check import AGGREGATES, Checked
from ..lang.model import Credit, Earning, Plan
from ..lang.types import Type
from ..lang.windows import Window, windows_in
from .compile import Compiler, Env, Ex, Fn
from .money import multiply, scale
from .curves import Curve
from .tables import (build_curve, build_tiers, payee_table, reads_payee,
                     require_counted_units, shape_tiers)
from .tiers import TierTable


@dataclass
class Expr:
    """A compiled expression: its AST (with position and type) and its closures."""

    node: ast.Node
    type: Type | None
    fast: Fn
    explain: Ex
    text: str

    @property
    def pos(self) -> Pos:
        return self.node.pos

    @property
    def is_call(self) -> bool:
        return isinstance(self.node, ast.Call)


@dataclass
class CreditStep:
    name: str
    spec: Credit
    when: Expr | None
    value: Expr
    pos: Pos


@dataclass
class MeasureStep:
    name: str
    expr: Expr


@dataclass
class EarningStep:
    name: str
    spec: Earning
    when: Expr | None
    value: Expr
    cap: Expr | None
    floor: Expr | None
    pos: Pos
    inputs: list[tuple[str, Fn, Type | None]] = field(default_factory=list)
    source: str = ""  # per-credit earnings: the input the credits come from
    hold_share: Expr | None = None
    hold_until: Expr | None = None

    @property
    def label(self) -> str:
        return self.spec.label or self.name.replace("_", " ").capitalize()


@dataclass
class LinearForm:
    """A tier basis that grows with one credit set: sum(S where w) * muls / divs.

    This lets a per-credit marginal rate know the running basis before and after each
    credit, so a credit that crosses a bound is split across the tiers.
    """

    set_name: str
    where: Fn | None
    muls: list[Fn]
    divs: list[Fn]
    table_of: Any  # env -> the TierTable that pays (a payee's own: engine/tables.py)
    unit: bool = False  # count(S): each credit moves the basis by 1, not by its value
    column: str = "value"  # sum(S.col): each credit moves the basis by that column
    pos: Pos | None = None

    def running(self, env: Env) -> "Running":
        key = ("running", id(self))
        r = env.cache.get(key)
        if r is None:
            r = env.cache[key] = Running.build(self, env)
        return r


class Running:
    """One payee's credits of a basis set in order, with the running sum at each."""

    # missing: the basis cannot be worked out (a quota of 0 or none): as a division by
    # zero anywhere else, it is `missing`, and what it tiers is not paid.
    # flat: a factor of 0 makes the basis 0 whatever is credited (no running position).
    missing = False
    flat = False

    def __init__(self, set_name: str, table: TierTable | None, mul: Decimal, div: Decimal,
                 orders, starts, by_id, by_key):
        self.set_name = set_name
        self.table, self.mul, self.div = table, mul, div
        self.orders, self.starts, self.by_id, self.by_key = orders, starts, by_id, by_key

    @classmethod
    def build(cls, form: LinearForm, env: Env) -> "Running":
        mul, div = Decimal(1), Decimal(1)
        missing = False
        # products of the factors by the arithmetic rule, as the SQL engine multiplies them
        for i, f in enumerate(form.muls):
            v = f(env, None)
            missing = missing or v is None
            v = v if v is not None else 0
            mul = v if i == 0 else multiply(mul, v)
        for i, f in enumerate(form.divs):
            v = f(env, None)
            missing = missing or v is None
            v = v if v is not None else 0
            div = v if i == 0 else multiply(div, v)
        table = form.table_of(env)
        if table is None:  # a per-payee bound the payee has no figure for: warned there
            missing = True
        if missing or div == 0:
            if not missing and table is not None:
                env.warnings.append((form.pos, "division by zero gave a missing value"))
            out = cls(form.set_name, None, mul, div, [], [Decimal(0)], {}, {})
            out.missing = True
            return out
        if mul == 0:
            out = cls(form.set_name, None, mul, div, [], [Decimal(0)], {}, {})
            out.flat = True
            return out
        rows = env.sets.get(form.set_name, ())
        if form.where is not None:
            rows = [r for r in rows if form.where(env, r) is True]
        orders, starts, by_id, by_key = [], [], {}, {}
        total = Decimal(0)
        for r in rows:
            v = Decimal(1) if form.unit else (r.get(form.column) or Decimal(0))
            orders.append(r["_order"])
            starts.append(total)
            by_id[r["_cid"]] = (total, total + v)
            by_key.setdefault(r["_key"], (total, total + v))
            total += v
        starts.append(total)
        return cls(form.set_name, table.scaled(mul, div), mul, div, orders, starts, by_id,
                   by_key)

    def position(self, row: dict) -> tuple[Decimal, Decimal]:
        """Running basis (in amount space) before and after this credit.

        A credit of the basis set moves the basis by its value. A credit of another set
        (commission paid only on new business, say) moves it as the same transaction
        does in the basis set, or not at all if that transaction is not in it; then it
        pays at the tier reached by the credits before it.
        """
        if row.get("_credit") == self.set_name:
            hit = self.by_id.get(row["_cid"])
        else:
            hit = self.by_key.get(row["_key"])
        if hit is not None:
            return hit
        i = bisect.bisect_left(self.orders, row["_order"])
        return self.starts[i], self.starts[i]

    def to_basis(self, amount: Decimal) -> Decimal:
        return scale(amount, self.mul, self.div)


@dataclass
class CompiledPlan:
    checked: Checked
    params: dict[str, Any]
    credits: list[CreditStep]
    measures: list[MeasureStep]
    earnings: list[EarningStep]
    tier_tables: dict[str, TierTable]
    uses_team: bool = False
    total: list[tuple[str, Expr]] = field(default_factory=list)  # ("cap"|"floor", expr)
    draw: Expr | None = None  # payout.draw.amount, worked out per payee
    clawbacks: list[tuple[str, str, Expr, Expr]] = field(default_factory=list)
    # (name, input, when, share), each in the scope of a row of the input
    # measures and earnings together, in the checker's dependency order: a measure may
    # read an earning (effective_rate: commission / booked), so it comes after it
    steps: list[MeasureStep | EarningStep] = field(default_factory=list)
    groups: Any = None  # engine/groups.py's CompiledGroups: subtotals, group(), pools
    # the windows in time the plan reads (ytd(), trailing(x, 12 months) ...), by key:
    # engine/windows.py works out their days for a run
    windows: dict[str, Window] = field(default_factory=dict)
    curves: dict[str, Curve] = field(default_factory=dict)  # mode: interpolate tables

    @property
    def plan(self) -> Plan:
        return self.checked.plan

    @property
    def file(self) -> str:
        return self.checked.source.name


def compile_plan(checked: Checked) -> CompiledPlan:
    """Checked plan -> steps with closures. Refuses a plan that has errors."""
    if not checked.ok or checked.plan is None:
        raise CompplanError(checked.problems.errors or [Problem(checked.source.name, None, None,
                                                                "the plan did not check")])
    plan = checked.plan
    comp = Compiler(checked)
    order = {name: i for i, name in enumerate(checked.order)}

    def expr(*path) -> Expr | None:
        node = checked.expr(*path)
        if node is None:
            return None
        return Expr(node, checked.types.get(node), comp.fast(node), comp.explain(node),
                    _source_text(checked, path))

    # params: constants in dependency order
    comp._scope_kind = "param"
    const_env = Env({}, {}, {})
    for name in sorted(plan.params, key=lambda n: order.get(n, 0)):
        e = expr("params", name)
        comp.params[name] = e.fast(const_env, None)

    # rate tables
    comp._scope_kind = "const"
    tier_tables: dict[str, TierTable] = {}
    curves: dict[str, Curve] = {}
    for name, rt in plan.rates.items():
        if rt.mode == "interpolate":
            curves[name] = build_curve(checked, comp, name, const_env)
        elif rt.tiers is not None and reads_payee(checked, name):
            # bounds or rates read the payee (to: targets.meetings): a table per payee
            tier_tables[name] = shape_tiers(checked, name)
            comp.table_builders[name] = (lambda n: lambda env: payee_table(
                checked, comp, n, env))(name)
        elif rt.tiers is not None:
            tier_tables[name] = build_tiers(checked, comp, name, const_env)
        else:
            table: dict = {}
            for i, row in enumerate(rt.rows or ()):
                cells = [comp.fast(checked.expr("rates", name, "rows", i, j))(const_env, None)
                         for j in range(len(row))]
                table[tuple(cells[:-1])] = cells[-1]
            if rt.default is not None:
                table["__default__"] = comp.fast(checked.expr("rates", name, "default"))(
                    const_env, None)
            comp.lookups[name] = table
    comp.tier_tables = tier_tables
    comp.curves = curves

    # bases of tier tables, and their running forms
    comp._scope_kind = "payee"
    comp.basis_fns = {}
    for name, rt in plan.rates.items():
        if name in curves and checked.expr("rates", name, "basis") is not None:
            comp.basis_fns[name] = comp.fast(checked.expr("rates", name, "basis"))
        if rt.tiers is not None and checked.expr("rates", name, "basis") is not None:
            comp.basis_fns[name] = comp.fast(checked.expr("rates", name, "basis"))
            form = _linear(checked, comp, checked.expr("rates", name, "basis"))
            if form is not None:
                set_name, where, muls, divs, unit, column = form
                lf = LinearForm(set_name, where, muls, divs, comp.table_of(name), unit, column,
                                checked.expr("rates", name, "basis").pos)
                comp.linear[name] = lf

    _require_running_bases(checked, comp)
    require_counted_units(checked, comp)

    credits = []
    comp._scope_kind = "row"
    for name, spec in plan.credits.items():
        credits.append(CreditStep(name, spec, expr("credits", name, "when"),
                                  expr("credits", name, "value"),
                                  checked.source.key_pos(("credits", name))))
    measures = []
    earnings = []
    steps: list[MeasureStep | EarningStep] = []
    uses_team = False
    for name in checked.order:
        if name in plan.measures:
            comp._scope_kind = "payee"
            measures.append(MeasureStep(name, expr("measures", name)))
            steps.append(measures[-1])
        elif name in plan.earnings:
            spec = plan.earnings[name]
            comp._scope_kind = "credit" if spec.each else "payee"
            when = expr("earnings", name, "when")
            value = expr("earnings", name, "value")
            inputs = _inputs_of(checked, comp, [checked.expr("earnings", name, f)
                                                for f in ("when", "value")] +
                                _payee_bounds_read(checked, tier_tables, name))
            if spec.each and spec.each in checked.symbols.tables:
                # a per-credit line shows the credit and what its rule read from the row
                credit_t = checked.symbols.tables[spec.each].columns.get("value")
                inputs = [(f"{spec.each}.value", lambda env, row: row.get("value"), credit_t)] + \
                    _inputs_of(checked, comp, [checked.expr("credits", spec.each, "value")]) + \
                    inputs
            comp._scope_kind = "payee"
            source = plan.credits[spec.each].from_ if spec.each in plan.credits else \
                (spec.each or "")
            comp._scope_kind = "credit" if spec.each else "payee"
            hold_share = expr("earnings", name, "hold", "share")
            hold_until = expr("earnings", name, "hold", "until")
            comp._scope_kind = "payee"
            earnings.append(EarningStep(name, spec, when, value, expr("earnings", name, "cap"),
                                        expr("earnings", name, "floor"),
                                        checked.source.key_pos(("earnings", name)), inputs,
                                        source, hold_share, hold_until))
            steps.append(earnings[-1])
    comp._scope_kind = "payee"
    total = [(k, expr("total", k)) for k in ("cap", "floor") if checked.expr("total", k)]
    calls = {n.name for node in checked.exprs.values() for n in ast.walk(node)
             if isinstance(n, ast.Call)}
    uses_team = "team" in calls
    draw = expr("payout", "draw", "amount")
    comp._scope_kind = "row"
    clawbacks = [(name, cb.from_, expr("clawbacks", name, "when"),
                  expr("clawbacks", name, "share")) for name, cb in plan.clawbacks.items()]
    from .groups import compile_groups  # subtotals, group() and pools (issue 20)
    comp._scope_kind = "payee"
    grouped = compile_groups(checked, comp)
    return CompiledPlan(checked, comp.params, credits, measures, earnings, tier_tables,
                        uses_team=uses_team, total=total, draw=draw, clawbacks=clawbacks,
                        steps=steps,
                        windows=windows_in(checked.exprs.values()), curves=curves,
                        groups=grouped)


def _payee_bounds_read(checked: Checked, tier_tables: dict, earning: str) -> list:
    """The bounds and rates of the per-payee tier tables an earning pays by (to:
    targets.meetings): its lines show them among their inputs (targets.meetings = 20),
    so a line says which bound it was split at."""
    out = []
    for f in ("when", "value"):
        node = checked.expr("earnings", earning, f)
        for n in ast.walk(node) if node is not None else ():
            if not (isinstance(n, ast.Call) and n.name in ("tiered", "rate") and n.args):
                continue
            res = checked.resolved.get(n.args[0])
            table = tier_tables.get(res.name) if res is not None else None
            if table is None or not table.per_payee:
                continue
            for i in range(len(table.bands)):
                out += [checked.expr("rates", res.name, "tiers", i, k)
                        for k in ("from", "to", "rate")]
    return [n for n in out if n is not None]


def input_refs(checked: Checked, nodes) -> list[tuple[str, ast.Ref]]:
    """The names a line shows as its inputs: every name its rule reads, once each, with
    the first reference to it (both engines show the same list)."""
    seen: dict[str, ast.Ref] = {}
    for node in nodes:
        if node is None:
            continue
        for ref, depth in _line_refs(node):
            res = checked.resolved.get(ref)
            if res is None or res.kind in ("set", "set_column", "rate", "param"):
                continue
            if res.kind == "column" and res.outer != depth:
                continue  # a column of the filtered rows, or of a row further out
            seen.setdefault(ref.dotted, ref)
    return list(seen.items())


def _inputs_of(checked: Checked, comp: Compiler, nodes) -> list:
    """The values a line shows as its inputs, each with the function that reads it."""
    out = []
    for label, ref in input_refs(checked, nodes):
        res = checked.resolved[ref]
        if res.kind == "column":  # read straight from the row: the common case
            fn = (lambda col: lambda env, row: row.get(col))(res.column)
        else:
            fn = comp.fast(ref)
        out.append((label, fn, checked.types.get(ref)))
    return out


def _line_refs(node: ast.Node):
    """The names a rule reads from its own row and payee: inside a `where`, only the
    columns of the enclosing row (a correlated filter's), not those of the rows it
    filters, which no single line has."""
    stack: list[tuple[ast.Node, int]] = [(node, 0)]
    while stack:
        n, depth = stack.pop()
        if isinstance(n, ast.Ref):
            yield n, depth
            continue
        if isinstance(n, ast.Call) and n.where is not None:
            stack.extend((a, depth) for a in reversed(n.args))
            stack.append((n.where, depth + 1))
            continue
        stack.extend((child, depth) for child in reversed(list(n.children())))


def _require_running_bases(checked: Checked, comp: Compiler) -> None:
    """A per-credit marginal rate must know the running basis at each credit.

    That is only defined when the basis adds up credits (sum(S), sum(S.col), count(S)),
    perhaps times or divided by values that do not (a quota). Anything else would pay
    every credit at the final tier, silently; refuse it and say why.
    """
    problems = []
    for name, spec in checked.plan.earnings.items():
        if not spec.each:
            continue
        node = checked.expr("earnings", name, "value")
        for n in ast.walk(node) if node is not None else ():
            if not (isinstance(n, ast.Call) and n.name == "tiered" and len(n.args) == 1):
                continue
            res = checked.resolved.get(n.args[0])
            if res is None or res.name not in comp.tier_tables:
                continue
            if comp.tier_tables[res.name].mode == "marginal" and res.name not in comp.linear:
                problems.append(Problem.at(
                    n.pos, f"'{res.name}' is marginal and paid per credit, but its basis "
                    "does not add up credits, so the running basis at each credit is unknown",
                    "make the basis sum(<credits>) or count(<credits>), optionally divided by "
                    "a target (sum(bookings) / quotas.amount), or use mode: whole",
                    code="running-basis"))
    if problems:
        raise CompplanError(problems)


def _source_text(checked: Checked, path) -> str:
    node = checked.source.data
    for p in path:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            return ""
    return str(node)


def _linear(checked: Checked, comp: Compiler, node: ast.Node, depth: int = 0):
    """(set, where, muls, divs, unit) if `node` is sum(S [where w]) or count(S [where w])
    times/divided by values that do not depend on any set; else None. `unit` is true for
    count(): each credit then moves the basis by 1."""
    if depth > 50:
        return None
    if isinstance(node, ast.Ref):
        res = checked.resolved.get(node)
        if res is not None and res.kind == "measure":
            return _linear(checked, comp, checked.expr("measures", res.name), depth + 1)
        return None
    if isinstance(node, ast.Call) and node.name in ("sum", "count") and len(node.args) == 1:
        res = checked.resolved.get(node.args[0])
        if res is not None and checked.symbols.tables[res.name].kind == "credits" and (
                node.name == "count" or res.kind in ("set", "set_column")):
            where = comp.fast(node.where) if node.where is not None else None
            column = "value" if res.kind == "set" else res.column
            return res.name, where, [], [], node.name == "count", column
        return None
    if isinstance(node, ast.Binary) and node.op in "*/":
        left = _linear(checked, comp, node.left, depth + 1)
        if left is not None and not uses_sets(checked, node.right):
            s, w, muls, divs, u, col = left
            f = comp.fast(node.right)
            return (s, w, muls + [f], divs, u, col) if node.op == "*" else \
                (s, w, muls, divs + [f], u, col)
        if node.op == "*":
            right = _linear(checked, comp, node.right, depth + 1)
            if right is not None and not uses_sets(checked, node.left):
                s, w, muls, divs, u, col = right
                return s, w, muls + [comp.fast(node.left)], divs, u, col
    return None


def uses_sets(checked: Checked, node: ast.Node, depth: int = 0) -> bool:
    """Whether a value depends on a set (an aggregate, or a measure or earning that does):
    what a running basis may not be multiplied or divided by. Public: the SQL engine
    finds running bases by the same rule."""
    if depth > 50:
        return True
    for n in ast.walk(node):
        if isinstance(n, ast.Call) and n.name in AGGREGATES:
            return True
        if isinstance(n, ast.Ref):
            res = checked.resolved.get(n)
            if res is not None and res.kind == "measure":
                if uses_sets(checked, checked.expr("measures", res.name), depth + 1):
                    return True
            if res is not None and res.kind == "earning":
                return True
    return False
