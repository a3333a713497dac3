"""Which part of a gate fails, and by how much (issue 15).

"It does not open CSAT bonus: CSAT score ≥ 85 and Attainment ≥ 100% still does not hold"
leaves the rep to work out which half fails. A gate written as comparisons joined by
`and` is taken apart here: each comparison of a figure (a measure, a KPI file's column,
the payee's own column) with a constant or a param is weighed on the payee's result,
and the ones that fail are said with the gap: "CSAT score is 84, 1 short of 85".
A gate with `or`, `not` or a comparison of two figures is not taken apart (the caller
says the whole condition, as before).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..lang import ast
from ..render.locale import Fmt
from ..render.statement import column_label, text_of, words_of
from .live import LivePlan

SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}


@dataclass
class Part:
    """One comparison of a gate, weighed: its words and whether it holds."""

    label: str
    value: Decimal | None
    limit: Decimal
    op: str
    kind: str | None  # ratio | money | number ...
    holds: bool

    @property
    def gap(self) -> Decimal | None:
        """How far the figure is from the limit (positive: short or over by this)."""
        if self.value is None:
            return None
        return abs(self.limit - self.value)


def parts(lp: LivePlan, pid: str, node, result) -> list[Part] | None:
    """The gate's comparisons, weighed on `result`; None when it is not a plain `and`
    of comparisons of a figure with a constant."""
    leaves = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Logic) and n.op == "and":
            stack.extend([n.right, n.left])
        elif isinstance(n, ast.Compare) and n.op in SIGNS:
            leaves.append(n)
        else:
            return None
    out = []
    for cmp in leaves:
        limit = constant(lp, cmp.right)
        figure = _figure(lp, pid, cmp.left, result)
        if limit is None or figure is None:
            return None
        label, value, kind = figure
        out.append(Part(label, value, limit, cmp.op, kind, _holds(value, cmp.op, limit)))
    return out


def _holds(value: Decimal | None, op: str, limit: Decimal) -> bool:
    if value is None:
        return False
    return {">=": value >= limit, ">": value > limit, "<=": value <= limit,
            "<": value < limit, "==": value == limit, "!=": value != limit}[op]


def constant(lp: LivePlan, node) -> Decimal | None:
    """A number written in the plan, or a param's value; None for anything else (a
    gate's or tier's limit the portal can state without running the engine)."""
    if isinstance(node, ast.Number):
        return Decimal(node.value)
    if isinstance(node, ast.Ref):
        res = lp.compiled.checked.resolved.get(node)
        if res is not None and res.kind == "param":
            v = lp.compiled.params.get(res.name)
            return Decimal(v) if isinstance(v, (Decimal, int)) else None
    return None


def _figure(lp: LivePlan, pid: str, node, result) -> tuple[str, Decimal | None,
                                                            str | None] | None:
    """(name, value, kind) of a measure, a KPI file's column or the payee's column; the
    name is the measure's, or table.column (label_of says it in words)."""
    if not isinstance(node, ast.Ref):
        return None
    compiled = lp.compiled
    res = compiled.checked.resolved.get(node)
    if res is None:
        return None
    if res.kind == "measure":
        m = next((m for m in compiled.measures if m.name == res.name), None)
        kind = m.expr.type.kind if m is not None and m.expr.type is not None else None
        raw = result.measure_values.get(res.name) if result is not None else None
        return res.name, _decimal(raw), kind
    if res.kind in ("payee_table", "payee") and res.column:
        row = (lp.run.prep.payees.get(pid) or {}) if res.kind == "payee" else \
            ((lp.run.prep.per_payee.get(pid) or {}).get(res.name) or {})
        t = compiled.checked.types.get(node) or res.type
        return f"{res.name}.{res.column}", _decimal(row.get(res.column)), \
            (t.kind if t is not None else None)
    return None


def _decimal(raw) -> Decimal | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def label_of(lp: LivePlan, name: str, f: Fmt) -> str:
    """A figure's words: the measure's label, or the column's, in the reader's language."""
    lang = f.locale.language
    compiled = lp.compiled
    if "." not in name:
        spec = compiled.plan.measures.get(name)
        return text_of(spec.label if spec else None, lang) or words_of(name)
    table, column = name.split(".", 1)
    res = _Res("payee" if table == "payee" else "payee_table", table, column)
    return column_label(compiled, res, lang) or words_of(column)


@dataclass
class _Res:
    kind: str
    name: str
    column: str


def show(f: Fmt, value: Decimal | None, kind: str | None) -> str:
    if value is None:
        return f._("missing")
    if kind == "ratio":
        return f.percent(value, 1)
    if kind == "money":
        return f.money(value)
    return f.number(value, 2)


def failing_words(lp: LivePlan, pid: str, node, result, f: Fmt) -> str | None:
    """The failing comparisons of a gate, in words, '; ' between them: "CSAT score is
    84, 1 short of 85". None when the gate is not taken apart, or nothing fails."""
    got = parts(lp, pid, node, result)
    if not got:
        return None
    said = []
    for p in got:
        if p.holds:
            continue
        label = label_of(lp, p.label, f)
        limit = show(f, p.limit, p.kind)
        if p.value is None:
            said.append(f._("{figure} is missing (it must be {sign} {limit})",
                            figure=label, sign=SIGNS[p.op], limit=limit))
        elif p.op in (">=", ">"):
            said.append(f._("{figure} is {value}, {gap} short of {limit}", figure=label,
                            value=show(f, p.value, p.kind), gap=show(f, p.gap, p.kind),
                            limit=limit))
        elif p.op in ("<=", "<"):
            said.append(f._("{figure} is {value}, {gap} over {limit}", figure=label,
                            value=show(f, p.value, p.kind), gap=show(f, p.gap, p.kind),
                            limit=limit))
        else:
            said.append(f._("{figure} is {value}; it must be {sign} {limit}", figure=label,
                            value=show(f, p.value, p.kind), sign=SIGNS[p.op], limit=limit))
    return "; ".join(said) or None


def applies(lp: LivePlan, pid: str, earning) -> bool:
    """False when the earning's condition fails on who the payee is alone (`payee.role
    == "manager"` for a rep): its tiers, gates and curve are not theirs to be shown.
    True when it holds, reads anything else, or cannot be told (shown, as before)."""
    if earning.when is None:
        return True
    row = lp.run.prep.payees.get(pid) or {}
    got = _who(lp, earning.when.node, row)
    return got is not False


def _who(lp: LivePlan, node, row: dict) -> bool | None:
    """The condition on the payee's own columns: True, False, or None (not only that)."""
    if isinstance(node, ast.Logic):
        a, b = _who(lp, node.left, row), _who(lp, node.right, row)
        if node.op == "and":
            return False if False in (a, b) else (True if a and b else None)
        return True if True in (a, b) else (False if a is False and b is False else None)
    if isinstance(node, ast.Not):
        inner = _who(lp, node.operand, row)
        return None if inner is None else not inner
    if isinstance(node, ast.Compare) and node.op in ("==", "!="):
        sides = [node.left, node.right]
        ref = next((s for s in sides if isinstance(s, ast.Ref)), None)
        lit = next((s for s in sides if isinstance(s, ast.String)), None)
        res = lp.compiled.checked.resolved.get(ref) if ref is not None else None
        if lit is None or res is None or res.kind != "payee" or not res.column:
            return None
        value = row.get(res.column)
        if value is None:
            return None
        same = str(value) == lit.value
        return same if node.op == "==" else not same
    return None
