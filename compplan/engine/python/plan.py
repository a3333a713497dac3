"""The Python engine's closures for one IR tree (issue 12 item 1).

The compiled plan (engine/ir.py) is data; this compiles it once to what the Python
engine runs: for every `Expr` of the tree a fast closure and an explaining one (value
and formula text), each earning's input readers, the running bases of per-credit
marginal rates, and the builders of per-payee tier tables. The stages that run a plan
(prepare, pay, groups, store/carry) ask for a step's closure here, through `env.fns`;
the SQL engine reads the tree and never this.
"""
from __future__ import annotations

from typing import Any

from ..ir import CompiledPlan, EarningStep, Expr
from ..tables import payee_table
from ..tiers import TierTable
from .compile import Compiler, Env, Ex, Fn
from .running import LinearForm


class PythonPlan:
    """Closures keyed by the tree's nodes: `fast(expr)`, `explain(expr)`,
    `inputs(step)`."""

    def __init__(self, compiled: CompiledPlan):
        checked = compiled.checked
        comp = self.compiler = Compiler(checked)
        comp.params = dict(compiled.params)
        comp.tier_tables = compiled.tier_tables
        comp.curves = compiled.curves
        for name, table in compiled.lookups.items():
            rows: dict = dict(table.rows)
            if table.has_default:
                rows["__default__"] = table.default
            comp.lookups[name] = rows
        for name, table in compiled.tier_tables.items():
            if table.per_payee:
                comp.table_builders[name] = _payee_tables(checked, comp, name)

        # the bases of rate tables, and the running forms of tier bases
        comp.grain = "payee"
        comp.basis_fns = {}
        for name, rt in checked.plan.rates.items():
            basis = checked.expr("rates", name, "basis")
            if basis is not None and (name in compiled.curves or rt.tiers is not None):
                comp.basis_fns[name] = comp.fast(basis)
        for name, form in compiled.running.items():
            comp.linear[name] = LinearForm(
                form.set_name, comp.fast(form.where) if form.where is not None else None,
                [comp.fast(m) for m in form.muls], [comp.fast(d) for d in form.divs],
                comp.table_of(name), form.unit, form.column, form.pos, form.carry)

        self._fast: dict[Expr, Fn] = {}
        self._explain: dict[Expr, Ex] = {}
        self._inputs: dict[int, list[tuple[str, Fn, Any]]] = {}
        for e in _exprs(compiled):
            comp.grain = e.grain  # a tiered() per credit splits at its running basis
            self._fast[e] = comp.fast(e.node)
            self._explain[e] = comp.explain(e.node)
        for step in compiled.earnings:
            comp.grain = step.grain
            self._inputs[id(step)] = [
                (i.label, _column(i.column) if i.column is not None else comp.fast(i.ref),
                 i.type) for i in step.inputs]
        comp.grain = "payee"

    def fast(self, e: Expr) -> Fn:
        """The closure that works `e` out: (env, row) -> value."""
        return self._fast[e]

    def explain(self, e: Expr) -> Ex:
        """The closure that works `e` out with its formula: (env, row) -> (value, text)."""
        return self._explain[e]

    def inputs(self, step: EarningStep) -> list[tuple[str, Fn, Any]]:
        """The earning's line inputs: (label, (env, row) -> value, type)."""
        return self._inputs[id(step)]


def _column(col: str) -> Fn:
    return lambda env, row: row.get(col)


def _payee_tables(checked, comp: Compiler, name: str):
    def table_of(env: Env) -> TierTable | None:
        return payee_table(checked, comp, name, env)
    return table_of


def _exprs(compiled: CompiledPlan):
    """Every Expr of the tree, in the order the plan compiles them."""
    for c in compiled.credits:
        yield from (x for x in (c.when, c.value) if x is not None)
    for s in compiled.steps:
        if isinstance(s, EarningStep):
            yield from (x for x in (s.when, s.value, s.hold_share, s.hold_until, s.cap,
                                    s.floor) if x is not None)
        else:
            yield s.expr
    for _k, e in compiled.total:
        yield e
    if compiled.draw is not None:
        yield compiled.draw
    for _name, _inp, when, share in compiled.clawbacks:
        yield from (x for x in (when, share) if x is not None)
    groups = compiled.groups
    if groups is not None:
        for st in groups.subtotals:
            yield st.value
            yield from (e for _c, e in st.columns)
        for spec in groups.pools.values():
            yield from (x for x in (spec.members, spec.share) if x is not None)
