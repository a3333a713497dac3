"""`compplan validate`: the data-quality check finance runs before a payout.

Errors are what would stop a run (bad values, duplicate keys, unknown payees, splits that
do not add up, missing quotas). Warnings need a human look: a file with a header only,
negative or outlying amounts, a target of 0 the plan divides by, transactions dated
outside the period, payees with no data.
"""
from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

from ..errors import Problem
from . import datacheck
from .data import ROW, load_folder
from .ir import CompiledPlan
from .money import CONTEXT, fmt_money
from .periods import Period
from .prepare import prepare
from .settle import frequency_column, settlement
from .windows import spans as window_spans

OUTLIER_FACTOR = 10  # an amount above ten times the median of its column


def validate_data(compiled: CompiledPlan, data_dir: str | Path, period: Period) -> list[Problem]:
    problems: list[Problem] = []
    with decimal.localcontext(CONTEXT):
        tables = load_folder(compiled.plan, data_dir, problems)
        prepared = prepare(compiled, tables, period)
    problems.extend(prepared.problems)
    settled = [period]
    if frequency_column(compiled) and "payees" in tables:
        # each payee's frequency a kind the plan can settle at (engine/settle.py); a
        # payee settled monthly reads the month
        s = settlement(compiled, tables, period)
        problems.extend(s.problems)
        settled += [g.period for g in s.groups]
    # what `run` warns of too (engine/datacheck.py), the targets it would divide by 0, and
    # implausible amounts (plausible.py, found while preparing)
    warnings: list[Problem] = list(prepared.warnings) + \
        datacheck.empty_tables(compiled, tables, problems) + \
        datacheck.negative_amounts(compiled, tables) + \
        datacheck.zero_divisors(compiled, tables, prepared.per_payee, period.label)

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
                if median and len(values) >= 5 and v > median * OUTLIER_FACTOR:
                    warn(table.file, r[ROW], col, f"{fmt_money(v)} is more than "
                         f"{OUTLIER_FACTOR} times the median ({fmt_money(median)})",
                         "confirm the amount", "outlier")
        if inp.key and inp.date:
            read = [d for p in settled for d in _days_read(compiled, name, p)]
            for r in table.rows:
                d = r.get(inp.date)
                if d is not None and not any(a <= d <= b for a, b in read):
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


def _days_read(compiled: CompiledPlan, name: str, period: Period) -> list[tuple]:
    """The days of the transactions of `name` a run of `period` reads, as (first, last)
    spans: rows outside them are not paid in this run, and validate says so. A window
    reads its own days (ytd() the year so far, trailing(x, 12 months) the year back,
    last_year() the period a year earlier: engine/windows.py); a clawback, and a hold
    until a condition, read the earlier, paid transactions (is the deal cancelled now?
    the invoice paid?)."""
    plan = compiled.plan
    held = {plan.credits[e.each].from_ if e.each in plan.credits else e.each
            for e in plan.earnings.values() if e.hold is not None and e.hold.until}
    if name in held or any(cb.from_ == name for cb in plan.clawbacks.values()):
        return [(dt.date.min, period.end)]
    return [(period.start, period.end)] + [(s.start, s.end) for s in
                                           window_spans(compiled, period).values()]


# a group of warnings of one kind, in one file and column, as one sentence
SUMMARIES = {"outside-period": "{n} rows dated outside {period} ({start} to {end})",
             "negative-amount": "{n} negative amounts",
             "outlier": "{n} amounts more than " + str(OUTLIER_FACTOR)
                        + " times their column's median",
             "no-data": "{n} payees with no data in {period}"}
GROUP_HINTS = {"outside-period": "they are not paid in this run",
               "negative-amount": "cancellations or corrections? confirm them",
               "outlier": "confirm the amounts"}
SHOWN_ROWS = 8


def group_warnings(problems: list[Problem], period: Period) -> list[Problem]:
    """Warnings of one kind (code, file and column) as one, with their count and rows;
    a kind with one warning stays as it is. Errors are kept, each on its own."""
    groups: dict[tuple, list[Problem]] = {}
    out: list[Problem] = []
    for p in problems:
        if p.severity != "warning":
            out.append(p)
            continue
        groups.setdefault((p.file, p.code, p.column), []).append(p)
    for (file, code, column), items in groups.items():
        if len(items) == 1:
            out.extend(items)
            continue
        rows = [str(p.row) for p in items if p.row is not None]
        shown = ", ".join(rows[:SHOWN_ROWS]) + (f" and {len(rows) - SHOWN_ROWS} more"
                                               if len(rows) > SHOWN_ROWS else "")
        text = SUMMARIES.get(code, "{n} warnings like: " + items[0].message)
        message = text.format(n=len(items), period=period.label, start=period.start,
                              end=period.end) + (
            f": rows {shown}" if rows else "")
        hint = "; ".join(x for x in (GROUP_HINTS.get(code, items[0].hint),
                                     "--verbose lists each") if x)
        out.append(Problem(file, None, None, message, hint, "warning", code, None, column))
    return out
