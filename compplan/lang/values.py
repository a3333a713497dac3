"""Text columns that list their values (`type: {text: [new, expansion, renewal]}`).

The data check refuses any other value at its row, so a rule that compares such a
column with an unlisted text (`type == "renewl"`) can never hold: a typo that would
silently pay nothing. The checker says so where the text is written.
"""
from __future__ import annotations

from ..errors import did_you_mean
from . import ast
from .checked import Checked


def allowed_values(c: Checked, ref: ast.Ref) -> tuple[tuple[str, ...], str] | None:
    """The values a column reference may take, and the column as the plan names it."""
    res = c.resolved.get(ref)
    if res is None or res.column is None or c.plan is None:
        return None
    table = c.symbols.tables.get(res.name)
    name = table.source if table is not None and table.kind == "credits" else res.name
    inp = c.plan.inputs.get(name or "")
    if inp is None or res.column not in inp.allowed_values:
        return None
    return inp.allowed_values[res.column], f"inputs.{name}.columns.{res.column}"


def _texts_against(node: ast.Node):
    """(column reference, text literal) pairs a condition compares for equality."""
    if isinstance(node, ast.Compare) and node.op in ("==", "!="):
        for ref, lit in ((node.left, node.right), (node.right, node.left)):
            if isinstance(ref, ast.Ref) and isinstance(lit, ast.String):
                yield ref, lit
    elif isinstance(node, ast.InList) and isinstance(node.value, ast.Ref):
        for item in node.items:
            if isinstance(item, ast.String):
                yield node.value, item


def pass_values(c: Checked) -> None:
    for root in c.exprs.values():
        for node in ast.walk(root):
            for ref, lit in _texts_against(node):
                found = allowed_values(c, ref)
                if found is None or lit.value in found[0]:
                    continue
                values, where = found
                c.error(lit.pos, f"'{lit.value}' is not one of the values of "
                        f"{ref.dotted}: {', '.join(values)}",
                        did_you_mean(lit.value, values) or f"add it to {where}, or "
                        "correct it", code="unknown-value")
