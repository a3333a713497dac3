"""Warnings about a period's data that both `validate` and `run` give.

A run must not be quieter than the check before it: a deals file with a header and no
rows pays everyone 0.00, and a negative amount (a refund, or a sign slip) changes pay;
both are warned of by `run` as by `validate`. A target of 0 that the plan divides by
makes the division `missing` (an attainment on a quota of 0 is not 0% nor infinite):
`validate` names the row, and `run` warns at the expression that divided.
"""
from __future__ import annotations

from ..errors import Problem
from ..lang import ast
from .data import ROW, Table
from .ir import CompiledPlan
from .money import fmt_money


def _warning(file, row, column, message, hint, code) -> Problem:
    return Problem(file, None, None, message, hint, "warning", code, row, column)


def empty_tables(compiled: CompiledPlan, tables: dict[str, Table],
                 errors: list[Problem] = ()) -> list[Problem]:
    """A transactions file with a header and no rows: every payee would be paid on none.
    A file whose rows were all refused (`errors` name it) is not empty: its errors say so."""
    out = []
    failed = {p.file for p in errors if p.severity == "error"}
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if inp.key and name != "payees" and table is not None and not table.rows and \
                table.file not in failed:
            out.append(no_rows_warning(name, table.file))
    return out


def no_rows_warning(name: str, file: str) -> Problem:
    """A transactions file with a header and no rows."""
    return _warning(file, None, None,
                    f"'{name}' has no rows (a header only): every payee is paid on no {name}",
                    "check that the export ran to the end; if there really are none this "
                    "period, this warning is expected", "no-rows")


def negative_amounts(compiled: CompiledPlan, tables: dict[str, Table]) -> list[Problem]:
    """Every negative money value, at its FILE:ROW and column."""
    out = []
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if table is None:
            continue
        for col in [c for c, t in inp.columns.items() if t == "money"]:
            for r in table.rows:
                v = r.get(col)
                if v is not None and v < 0:
                    out.append(negative_warning(table.file, r[ROW], col, v))
    return out


def negative_warning(file: str, row, column: str, value) -> Problem:
    """A negative money value at its FILE:ROW and column."""
    return _warning(file, row, column, f"negative amount {fmt_money(value)}",
                    "a cancellation or a correction? confirm it", "negative-amount")


def divisor_columns(compiled: CompiledPlan) -> set[tuple[str, str]]:
    """(table, column) of each one-row-per-payee column the plan divides by, directly or
    through a measure (`attainment: booked / quotas.amount`)."""
    checked = compiled.checked
    out: set[tuple[str, str]] = set()
    seen: set[str] = set()

    def under(node, depth=0):
        for ref in ast.refs(node):
            res = checked.resolved.get(ref)
            if res is None:
                continue
            if res.kind == "payee_table" and res.column:
                out.add((res.name, res.column))
            elif res.kind == "measure" and res.name not in seen and depth < 50:
                seen.add(res.name)
                inner = checked.expr("measures", res.name)
                if inner is not None:
                    under(inner, depth + 1)

    for node in checked.exprs.values():
        for n in ast.walk(node):
            if isinstance(n, ast.Binary) and n.op == "/":
                under(n.right)
    return out


def zero_divisors(compiled: CompiledPlan, tables: dict[str, Table],
                  per_payee: dict[str, dict[str, dict]], period_label: str) -> list[Problem]:
    """Each payee's target of 0 (for the period, after a longer one is split) that the
    plan divides by: the division gives `missing`, and tiers on it pay nothing."""
    out = []
    columns = sorted(divisor_columns(compiled))
    for pid in sorted(per_payee):
        for table_name, col in columns:
            row = per_payee[pid].get(table_name)
            if row is None or row.get(col) is None or row.get(col) != 0:
                continue
            table = tables.get(table_name)
            out.append(zero_divisor(table.file if table else table_name, row.get(ROW),
                                    table_name, col, pid, period_label))
    return out


def zero_divisor(file: str, row: int | None, table: str, col: str, pid: str,
                 period_label: str) -> Problem:
    """A payee's target of 0 that the plan divides by, at its FILE:ROW (both engines)."""
    return _warning(file, row, col,
                    f"{table}.{col} is 0 for payee '{pid}' in {period_label}: dividing by "
                    f"it gives missing (an attainment on it is missing, and what it gates "
                    f"or tiers is not paid)",
                    "set the target; or, if 0 is meant, write the plan to say what a payee "
                    "without a target earns (coalesce, or if/else)", "zero-divisor")
