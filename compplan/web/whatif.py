"""Hypothetical rows for the engine's what-if (issue 15): rows modelled on the payee's
own (or, lacking one of a kind, someone else's), keyed apart from every real row, and the
payee's result once they are added (`LiveRun.what_if`, on a copy of the credits). The
bars' stakes (stakes.py) and the cap search (caps.py) both ask the engine this way, so
every amount they show is the engine's pay, never one worked out here.
"""
from __future__ import annotations

import itertools
from decimal import Decimal

from ..lang import ast
from .live import LivePlan, Portal

STAKE_KEY = "what-if-stake"  # the key (and distinct columns) of a hypothetical row
PROBE = Decimal(1000)  # the amount of a first probing transaction


def distinct_columns(lp: LivePlan, input_name: str) -> set[str]:
    """Columns counted by distinct(): a hypothetical row needs a value of its own."""
    out = set()
    for m in lp.compiled.measures:
        for node in ast.walk(m.expr.node):
            if isinstance(node, ast.Call) and node.name == "distinct":
                for arg in node.args:
                    res = lp.compiled.checked.resolved.get(arg) if isinstance(
                        arg, ast.Ref) else None
                    if res is not None and res.name == input_name and res.column:
                        out.add(res.column)
    return out


def own_rows(lp: LivePlan, pid: str, input_name: str) -> list[dict]:
    """The payee's own rows of a transaction table, from the live run's per-payee sets
    (the table's own, else its credits'): never a scan of the whole table, which holds
    every payee's rows (a million deals)."""
    sets = lp.run.prep.credits.get(pid) or {}
    rows = sets.get(input_name)
    if rows:
        return rows
    out = []
    for step in lp.compiled.credits:
        if step.spec.from_ == input_name:
            out.extend(r for r in sets.get(step.name, ()) if not r.get("_via"))
    return out


def templates(lp: LivePlan, pid: str, input_name: str, tries: int = 6,
              others: int = 100) -> list[dict]:
    """Rows to model a hypothetical one on, as the file writes them: the payee's latest
    first, then a few others' (a rep with no focus line yet: someone's focus line), each
    differing in what the rules read (a services deal moves no quota: the next may; four
    lost presentations at four outlets are one kind of row, and a won one the next)."""
    from .estimator import read_columns
    inp = lp.compiled.plan.inputs[input_name]
    read = {inp.rename.get(c, c) for c in read_columns(lp, input_name)}
    columns = [(col, next((c for c, n in inp.rename.items() if n == col), col))
               for col in lp.columns(input_name)]
    out, seen = [], set()
    payees = [pid] + [p for p in itertools.islice(lp.run.prep.credits, others) if p != pid]
    for who in payees:
        for row in reversed(own_rows(lp, who, input_name)):
            rec = {}
            for col, plan_col in columns:
                v = row.get(plan_col)
                rec[col] = "" if v is None else (str(v).lower() if isinstance(v, bool)
                                                 else str(v))
            rec[inp.rename.get(inp.payee, inp.payee)] = pid
            sig = tuple(sorted((k, v) for k, v in rec.items() if k in read))
            if sig in seen:
                continue
            seen.add(sig)
            out.append(rec)
            if len(out) >= tries:
                return out
    return out


def records(lp: LivePlan, portal: Portal, input_name: str, template: dict, n: int,
            money: str | None, amount: Decimal | None) -> list[dict]:
    """`n` rows like `template`, each with a key (and distinct() columns) of its own so
    the engine counts them apart from every real row, dated today, and `money` set to
    `amount` where both are given."""
    inp = lp.compiled.plan.inputs[input_name]
    distinct = distinct_columns(lp, input_name)
    out = []
    for i in range(n):
        rec = dict(template)
        rec[inp.rename.get(inp.key, inp.key)] = f"{STAKE_KEY}-{i + 1}"
        if inp.date:
            rec[inp.rename.get(inp.date, inp.date)] = portal.today(lp).isoformat()
        if inp.period:
            rec[inp.rename.get(inp.period, inp.period)] = lp.period.label
        for col in distinct:
            rec[inp.rename.get(col, col)] = f"{STAKE_KEY}-{i + 1}"
        if money and amount is not None:
            rec[money] = format(amount, "f")
        out.append(rec)
    return out


def after(lp: LivePlan, input_name: str, pid: str, records: list[dict]):
    """The payee's result with `records` added (the engine's what-if), None if the
    rows are refused as data."""
    got = lp.run.what_if(input_name, records)
    if got.rejected:
        return None
    return got.after.get(pid)
