"""Groups as data (issue 20, items 4 and 6): group() sums, pools, subtotals, and the
rules both engines follow (the Python engine's work is engine/python/groups.py, the
SQL engine's engine/sql/pools.py and subtotals.py).

* Payees grouped by a payees column (team, store, territory). group(X, payee.COL) adds
  up X over the payee's group; a pool earning shares one amount among the members who
  qualify. Both read each member's *own* figures: the measures and earnings that do not
  themselves read other payees (the checker makes sure of it, lang/groups.py). So the
  reuse of team()'s machinery is the other way round from team(): instead of ordering
  payees so that reports come first, each member's own figures are worked out once,
  from their data alone, in an environment of their own (python/groups.py `Context.own`), and read from
  there by every member of the group.
* A pool is rounded once (to the plan's step and mode) and shared exactly: each part is
  the pool x share / shares, rounded down to the step; the steps left over go one each to
  the parts with the largest remainders (ties: the payee id's order). So the parts add up
  to the pool to the cent, and each line's formula says how its part was rounded.
* Subtotals group a payee's credits by day, week or a column (a bill id): one row per
  group with its figures, which earnings pay on with `each:` like credits. Each row
  carries the source rows of its group, and so do the lines paid on it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..lang import ast



@dataclass
class SubtotalStep:
    name: str
    source: str  # the credit set grouped
    source_input: str  # the input its rows come from (for the lines' sources)
    by: str
    value: Any  # ir.Expr, at the payee's grain: the engines compile it
    columns: list[tuple[str, Any]]  # (column, ir.Expr)


@dataclass
class PoolSpec:
    by: str
    members: Any  # ir.Expr | None
    share: Any  # ir.Expr | None
    share_text: str  # the share's rule as written, for the formula
    share_type: Any = None


@dataclass
class CompiledGroups:
    subtotals: list[SubtotalStep] = field(default_factory=list)
    pools: dict[str, PoolSpec] = field(default_factory=dict)
    own: set[str] = field(default_factory=set)  # steps worked out from own data alone
    payee_groups: bool = False  # group() or a pool: members read each other's figures
    columns: set[str] = field(default_factory=set)  # the payees columns that form groups


def compile_groups(checked, expr) -> CompiledGroups | None:
    """The plan's subtotals and pools as data: `expr(*path)` makes the tree's Expr of a
    rule (at the payee's grain); the Python engine's closures for them are in its
    PythonPlan (env.fns)."""
    plan = checked.plan
    calls = {n.name for node in checked.exprs.values() for n in _walk(node)}
    if not plan.subtotals and "group" not in calls and \
            not any(e.pool is not None for e in plan.earnings.values()):
        return None
    out = CompiledGroups()
    for name, st in plan.subtotals.items():
        cols = [(col, expr("subtotals", name, "columns", col)) for col in st.columns]
        out.subtotals.append(SubtotalStep(
            name, st.from_, plan.credits[st.from_].from_, st.by,
            expr("subtotals", name, "value"), cols))
    for name, e in plan.earnings.items():
        if e.pool is None:
            continue
        members = expr("earnings", name, "pool", "members")
        share = expr("earnings", name, "pool", "share")
        out.pools[name] = PoolSpec(e.pool.by, members, share,
                                   str(e.pool.share) if e.pool.share is not None else "1",
                                   share.type if share else None)
    out.payee_groups = bool(out.pools) or "group" in calls
    out.columns = {p.by for p in out.pools.values()} | {
        n.args[1].parts[1] for node in checked.exprs.values() for n in _walk(node)
        if n.name == "group" and len(n.args) == 2}
    out.own = _own_steps(checked)
    return out


def _walk(node):
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            yield n


def _own_steps(checked) -> set[str]:
    """Measures and earnings that read no other payee's figures (no group(), team() or
    pool, directly or through what they use)."""
    plan = checked.plan
    reads = {checked.scopes[p].owner for p, node in checked.exprs.items()
             if any(n.name in ("group", "team") for n in _walk(node))}
    reads |= {n for n, e in plan.earnings.items() if e.pool is not None}
    changed = True
    while changed:
        changed = False
        for owner, deps in checked.deps.items():
            if owner not in reads and deps & reads:
                reads.add(owner)
                changed = True
    return {n for n in list(plan.measures) + list(plan.earnings) if n not in reads}


# ---------------------------------------------------------------- payee groups

def peers(groups: CompiledGroups, payees: dict[str, dict], touched) -> set[str]:
    """Everyone who shares a group with a touched payee: a new deal of one member moves
    the group's sums and every member's share of a pool (the live view works them out
    again)."""
    keys = {(col, group_key((payees.get(pid) or {}).get(col))) for pid in touched
            for col in groups.columns}
    keys = {k for k in keys if k[1] is not None}
    return {pid for pid, row in payees.items() for col in groups.columns
            if (col, group_key(row.get(col))) in keys}


def group_key(v) -> str | None:
    """A payees cell as a group's key; an empty cell is no group."""
    if v is None:
        return None
    s = v.isoformat() if isinstance(v, dt.date) else str(v)
    return s if s.strip() else None
