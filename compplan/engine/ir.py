"""The compiled plan as data: a tree of typed dataclasses both engines read.

This is the engine's intermediate form (issue 12 item 1). Each expression keeps the
checked AST node (with its source position and type), the rule's text as written and
its grain; steps, rate tables, running bases, caps, holds, draws and clawbacks are
plain data. No closure is in the tree: the Python engine compiles it to closures in
engine/python/ (held beside the tree as `CompiledPlan.python`), the SQL engine
(engine/sql/) reads the same tree. Every line item can name the place in the plan file
that made it.

    params   constants, worked out once at compile time
    credits  rows of an input -> credit rows, per payee (with splits and rollups)
    measures per-payee values, in dependency order
    earnings per-credit lines or per-payee lines, caps and floors, in dependency order

docs/design/columnar.md, "The IR tree", says what each node holds.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from ..errors import CompplanError, Pos, Problem
from ..lang import ast
from ..lang.check import AGGREGATES, Checked
from ..lang.model import Credit, Earning, Plan
from ..lang.types import Type
from ..lang.windows import Window, windows_in
from .constants import Constants
from .curves import Curve
from .reuse import reuses_lines, row_only
from .tables import build_curve, build_tiers, reads_payee, require_counted_units, shape_tiers
from .tiers import TierTable

# Where an expression is worked out, decided once from the place its rule sits in:
# a constant of the plan, a cell of a rate table, a row of an input (credit rules,
# clawbacks), one credit of an `each:` earning (a line per credit), or the payee
# (measures, per-payee earnings, caps, floors, totals, draws, subtotals, pools).
GRAINS = ("param", "const", "row", "credit", "payee")

# one compile of a tree's closures when threads (the portal's) ask at once
_CLOSURES = threading.Lock()


@dataclass(eq=False)  # compared and hashed by identity: engine/python keys closures by it
class Expr:
    """An expression of the plan: its AST (with position and type), its text as written
    and its grain (GRAINS)."""

    node: ast.Node
    type: Type | None
    text: str
    grain: str = "payee"

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
class LineInput:
    """A value a line shows among its inputs: its label (`bookings.value`,
    `targets.meetings`), the reference that reads it, or the column of the line's own
    row it is read from straight (the common case; `ref` is then None for the credit's
    own value)."""

    label: str
    ref: ast.Ref | None
    column: str | None
    type: Type | None


@dataclass
class EarningStep:
    name: str
    spec: Earning
    when: Expr | None
    value: Expr
    cap: Expr | None
    floor: Expr | None
    pos: Pos
    inputs: list[LineInput] = field(default_factory=list)
    source: str = ""  # per-credit earnings: the input the credits come from
    hold_share: Expr | None = None
    hold_until: Expr | None = None
    # `credit` (a line per credit of spec.each) or `payee`: decided once, when the tree
    # is built; both engines ask it here
    grain: str = "payee"
    # a credit's line reads only its row, the payee's fixed figures and the running basis
    # before it (engine/reuse.py): a live batch keeps the lines before its first new credit
    reuse: bool = False

    @property
    def label(self) -> str:
        return self.spec.label or self.name.replace("_", " ").capitalize()


@dataclass
class RunningBasis:
    """A tier basis that grows with one credit set: sum(S where w) * muls / divs.

    This lets a per-credit marginal rate know the running basis before and after each
    credit, so a credit that crosses a bound is split across the tiers. The factors are
    nodes of the plan (a quota, a param), worked out per payee by each engine.
    """

    rate: str
    set_name: str
    where: ast.Node | None
    muls: list[ast.Node]
    divs: list[ast.Node]
    unit: bool = False  # count(S): each credit moves the basis by 1, not by its value
    column: str = "value"  # sum(S.col): each credit moves the basis by that column
    pos: Pos | None = None
    aggregate: ast.Call | None = None  # the sum(S) or count(S) the basis adds up
    # its `where` (if any) reads only the credit's row and fixed figures (reuse.py): a
    # live batch may add its credits to a payee's running sums instead of counting again
    carry: bool = False


@dataclass
class LookupTable:
    """A lookup table's rows as data: key cells -> value (a repeated combination: the
    later row's), and the default (None: none, a miss is missing)."""

    rows: dict[tuple, Any]
    default: Any = None
    has_default: bool = False


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
    lookups: dict[str, LookupTable] = field(default_factory=dict)  # lookup tables' rows
    # rate name -> the running form of its basis (tier tables whose basis adds credits)
    running: dict[str, RunningBasis] = field(default_factory=dict)
    # The Python engine's closures for this tree (engine/python/plan.py's PythonPlan),
    # beside the tree, not in it: made the first time the Python engine asks
    # (`python`), so a plan the SQL engine runs never compiles them.
    closures: Any = field(default=None, repr=False, compare=False)

    @property
    def python(self):
        """The Python engine's closures for this tree, compiled on first use. Nothing a
        plan can get wrong is found here: every error of the plan (a check, a tier that
        does not rise, a running basis) is raised by build_tree."""
        if self.closures is None:
            with _CLOSURES:
                if self.closures is None:
                    from .python.plan import PythonPlan  # the one backend ir.py names
                    self.closures = PythonPlan(self)
        return self.closures

    @python.setter
    def python(self, closures) -> None:
        """Closures made elsewhere, or None: made again on next use."""
        self.closures = closures

    @property
    def plan(self) -> Plan:
        return self.checked.plan

    @property
    def file(self) -> str:
        return self.checked.source.name


def tree_callables(compiled: CompiledPlan) -> list[str]:
    """Where the tree holds a callable (the paths; none is the rule): what a test walks
    to hold that the compiled plan is data (CompiledPlan.python, the closures, aside)."""
    found: list[str] = []
    seen: set[int] = set()

    def walk(v, path: str) -> None:
        if isinstance(v, (str, bytes, int, float, bool, type(None))) or id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, (ast.Node, Checked)):
            return  # the checked AST: the parser's own data
        if callable(v) and not isinstance(v, type):
            found.append(path)
            return
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{path}[{k!r}]")
        elif isinstance(v, (list, tuple, set, frozenset)):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")
        elif is_dataclass(v):
            for f in fields(v):
                if v is compiled and f.name == "closures":
                    continue
                walk(getattr(v, f.name), f"{path}.{f.name}")
        elif hasattr(v, "__dict__"):
            for k, x in vars(v).items():
                walk(x, f"{path}.{k}")

    walk(compiled, "compiled")
    return found


def compile_plan(checked: Checked) -> CompiledPlan:
    """Checked plan -> the IR tree; the Python engine's closures for it are made when
    it first runs the tree (CompiledPlan.python). Refuses a plan that has errors."""
    return build_tree(checked)


def build_tree(checked: Checked) -> CompiledPlan:
    """Checked plan -> the IR tree (data only). Constants (params, the bounds and rates
    of the plan-wide tier tables, curve points, lookup rows) are folded here
    (constants.py: the operators and the registry's Python implementations, no
    engine), so both engines read the same values."""
    if not checked.ok or checked.plan is None:
        raise CompplanError(checked.problems.errors or [Problem(checked.source.name, None, None,
                                                                "the plan did not check")])
    plan = checked.plan
    fold = Constants(checked)  # the evaluator of constants, not kept
    order = {name: i for i, name in enumerate(checked.order)}

    def expr(grain: str, *path) -> Expr | None:
        node = checked.expr(*path)
        if node is None:
            return None
        return Expr(node, checked.types.get(node), _source_text(checked, path), grain)

    # params: constants in dependency order
    for name in sorted(plan.params, key=lambda n: order.get(n, 0)):
        fold.params[name] = fold.value(checked.expr("params", name))

    # rate tables (tables.py asks `fold` for each bound; there is no payee: no env)
    const_env = None
    tier_tables: dict[str, TierTable] = {}
    curves: dict[str, Curve] = {}
    lookups: dict[str, LookupTable] = {}
    for name, rt in plan.rates.items():
        if rt.mode == "interpolate":
            curves[name] = build_curve(checked, fold, name, const_env)
        elif rt.tiers is not None and reads_payee(checked, name):
            # bounds or rates read the payee (to: targets.meetings): a table per payee,
            # built by each engine per payee; the tree holds its shape
            tier_tables[name] = shape_tiers(checked, name)
        elif rt.tiers is not None:
            tier_tables[name] = build_tiers(checked, fold, name, const_env)
        else:
            rows: dict = {}
            for i, row in enumerate(rt.rows or ()):
                cells = [fold.value(checked.expr("rates", name, "rows", i, j))
                         for j in range(len(row))]
                rows[tuple(cells[:-1])] = cells[-1]
            table = LookupTable(rows)
            if rt.default is not None:
                table.default = fold.value(checked.expr("rates", name, "default"))
                table.has_default = True
            lookups[name] = table

    # the running forms of tier bases
    running: dict[str, RunningBasis] = {}
    for name, rt in plan.rates.items():
        basis = checked.expr("rates", name, "basis")
        if rt.tiers is not None and basis is not None:
            form = _linear(checked, basis)
            if form is not None:
                set_name, where, muls, divs, unit, column, agg = form
                running[name] = RunningBasis(name, set_name, where, muls, divs, unit, column,
                                             basis.pos, agg, row_only(checked, where))

    _require_running_bases(checked, tier_tables, running)
    require_counted_units(checked, tier_tables, running)

    credits = []
    for name, spec in plan.credits.items():
        credits.append(CreditStep(name, spec, expr("row", "credits", name, "when"),
                                  expr("row", "credits", name, "value"),
                                  checked.source.key_pos(("credits", name))))
    measures = []
    earnings = []
    steps: list[MeasureStep | EarningStep] = []
    for name in checked.order:
        if name in plan.measures:
            measures.append(MeasureStep(name, expr("payee", "measures", name)))
            steps.append(measures[-1])
        elif name in plan.earnings:
            spec = plan.earnings[name]
            grain = "credit" if spec.each else "payee"
            when = expr(grain, "earnings", name, "when")
            value = expr(grain, "earnings", name, "value")
            inputs = _inputs_of(checked, [checked.expr("earnings", name, f)
                                          for f in ("when", "value")] +
                                _payee_bounds_read(checked, tier_tables, name))
            if spec.each and spec.each in checked.symbols.tables:
                # a per-credit line shows the credit and what its rule read from the row
                credit_t = checked.symbols.tables[spec.each].columns.get("value")
                inputs = [LineInput(f"{spec.each}.value", None, "value", credit_t)] + \
                    _inputs_of(checked, [checked.expr("credits", spec.each, "value")]) + \
                    inputs
            source = plan.credits[spec.each].from_ if spec.each in plan.credits else \
                (spec.each or "")
            hold_share = expr(grain, "earnings", name, "hold", "share")
            hold_until = expr(grain, "earnings", name, "hold", "until")
            earnings.append(EarningStep(name, spec, when, value,
                                        expr("payee", "earnings", name, "cap"),
                                        expr("payee", "earnings", name, "floor"),
                                        checked.source.key_pos(("earnings", name)), inputs,
                                        source, hold_share, hold_until, grain,
                                        reuses_lines(checked, name, running, tier_tables)))
            steps.append(earnings[-1])
    total = [(k, expr("payee", "total", k)) for k in ("cap", "floor")
             if checked.expr("total", k)]
    calls = {n.name for node in checked.exprs.values() for n in ast.walk(node)
             if isinstance(n, ast.Call)}
    uses_team = "team" in calls
    draw = expr("payee", "payout", "draw", "amount")
    clawbacks = [(name, cb.from_, expr("row", "clawbacks", name, "when"),
                  expr("row", "clawbacks", name, "share"))
                 for name, cb in plan.clawbacks.items()]
    from .groups import compile_groups  # subtotals, group() and pools (issue 20)
    grouped = compile_groups(checked, lambda *path: expr("payee", *path))
    return CompiledPlan(checked, dict(fold.params), credits, measures, earnings, tier_tables,
                        uses_team=uses_team, total=total, draw=draw, clawbacks=clawbacks,
                        steps=steps,
                        windows=windows_in(checked.exprs.values()), curves=curves,
                        groups=grouped, lookups=lookups, running=running)


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


def _inputs_of(checked: Checked, nodes) -> list[LineInput]:
    """The values a line shows as its inputs, each with the reference that reads it."""
    out = []
    for label, ref in input_refs(checked, nodes):
        res = checked.resolved[ref]
        column = res.column if res.kind == "column" else None  # straight from the row
        out.append(LineInput(label, ref, column, checked.types.get(ref)))
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


def _require_running_bases(checked: Checked, tier_tables: dict[str, TierTable],
                           running: dict[str, RunningBasis]) -> None:
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
            if res is None or res.name not in tier_tables:
                continue
            if tier_tables[res.name].mode == "marginal" and res.name not in running:
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


def _linear(checked: Checked, node: ast.Node, depth: int = 0):
    """(set, where, muls, divs, unit, column, the sum or count), as nodes, if `node` is
    sum(S [where w]) or count(S [where w]) times/divided by values that do not depend on
    any set; else None. `unit` is true for count(): each credit then moves the basis
    by 1."""
    if depth > 50:
        return None
    if isinstance(node, ast.Ref):
        res = checked.resolved.get(node)
        if res is not None and res.kind == "measure":
            return _linear(checked, checked.expr("measures", res.name), depth + 1)
        return None
    if isinstance(node, ast.Call) and node.name in ("sum", "count") and len(node.args) == 1:
        res = checked.resolved.get(node.args[0])
        if res is not None and checked.symbols.tables[res.name].kind == "credits" and (
                node.name == "count" or res.kind in ("set", "set_column")):
            where = node.where
            column = "value" if res.kind == "set" else res.column
            return res.name, where, [], [], node.name == "count", column, node
        return None
    if isinstance(node, ast.Binary) and node.op in "*/":
        left = _linear(checked, node.left, depth + 1)
        if left is not None and not uses_sets(checked, node.right):
            s, w, muls, divs, u, col, agg = left
            f = node.right
            return (s, w, muls + [f], divs, u, col, agg) if node.op == "*" else \
                (s, w, muls, divs + [f], u, col, agg)
        if node.op == "*":
            right = _linear(checked, node.right, depth + 1)
            if right is not None and not uses_sets(checked, node.left):
                s, w, muls, divs, u, col, agg = right
                return s, w, muls + [node.left], divs, u, col, agg
    return None


def uses_sets(checked: Checked, node: ast.Node, depth: int = 0) -> bool:
    """Whether a value depends on a set (an aggregate, or a measure or earning that does):
    what a running basis may not be multiplied or divided by (both engines read the
    running bases the tree holds, CompiledPlan.running)."""
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
