"""`compplan validate`: the data-quality check finance runs before a payout.

Errors are what would stop a run (bad values, duplicate keys, unknown payees, splits that
do not add up, missing quotas). Warnings need a human look: negative or outlying
amounts, transactions dated outside the period, payees with no data.
"""
from __future__ import annotations

import decimal
from pathlib import Path

from ..errors import Problem
from .data import ROW, load_folder
from .ir import CompiledPlan
from .money import CONTEXT, fmt_money
from .periods import Period
from .prepare import prepare

OUTLIER_FACTOR = 10  # an amount above ten times the median of its column


def validate_data(compiled: CompiledPlan, data_dir: str | Path, period: Period) -> list[Problem]:
    problems: list[Problem] = []
    with decimal.localcontext(CONTEXT):
        tables = load_folder(compiled.plan, data_dir, problems)
        prepared = prepare(compiled, tables, period)
    problems.extend(prepared.problems)
    warnings: list[Problem] = list(prepared.warnings)  # implausible amounts (plausible.py)

    def warn(file, row, column, message, hint=None, code="warning"):
        warnings.append(Problem(file, None, None, message, hint, "warning", code, row, column))

    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if table is None:
            continue
        money_cols = [c for c, t in inp.columns.items() if t == "money"]
        for col in money_cols:
            values = sorted(r[col] for r in table.rows if r.get(col) is not None and r[col] > 0)
            median = values[len(values) // 2] if values else None
            for r in table.rows:
                v = r.get(col)
                if v is None:
                    continue
                if v < 0:
                    warn(table.file, r[ROW], col, f"negative amount {fmt_money(v)}",
                         "a cancellation or a correction? confirm it", "negative-amount")
                elif median and len(values) >= 5 and v > median * OUTLIER_FACTOR:
                    warn(table.file, r[ROW], col, f"{fmt_money(v)} is more than "
                         f"{OUTLIER_FACTOR} times the median ({fmt_money(median)})",
                         "confirm the amount", "outlier")
        if inp.key and inp.date:
            for r in table.rows:
                d = r.get(inp.date)
                if d is not None and not period.contains(d):
                    warn(table.file, r[ROW], inp.date,
                         f"dated {d.isoformat()}, outside {period.label} "
                         f"({period.start} to {period.end})", "it is not paid in this run",
                         "outside-period")
    for pid in sorted(prepared.payees):
        if pid not in prepared.credits and pid not in prepared.per_payee:
            row = prepared.payees[pid]
            warn(tables["payees"].file, row[ROW], None,
                 f"payee '{pid}' has no data in {period.label}", None, "no-data")
    return sorted(problems, key=Problem.sort_key) + warnings
