"""Groups at run time (issue 20, items 4 and 6): group() sums, pools, subtotals.

* Payees grouped by a payees column (team, store, territory). group(X, payee.COL) adds
  up X over the payee's group; a pool earning shares one amount among the members who
  qualify. Both read each member's *own* figures: the measures and earnings that do not
  themselves read other payees (the checker makes sure of it, lang/groups.py). So the
  reuse of team()'s machinery is the other way round from team(): instead of ordering
  payees so that reports come first, each member's own figures are worked out once,
  from their data alone, in an environment of their own (`Context.own`), and read from
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
from decimal import Decimal
from typing import Any, Callable

from ..lang import ast
from .formula import fmt_value
from .money import fmt_money, round_to, scale, unsigned_zero
from .python.compile import Env
from .prepare import MIN_DATE
from .results import Line



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


# ---------------------------------------------------------------- subtotals

def _week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def with_subtotals(groups: CompiledGroups, env: Env, sets: dict) -> dict:
    """The payee's sets with one row per group of each subtotal added (a new dict: the
    prepared sets are shared)."""
    if not groups.subtotals:
        return sets
    sets = dict(sets)
    for st in groups.subtotals:
        by_key: dict[Any, list[dict]] = {}
        for r in sets.get(st.source, ()):
            d = r["_order"][0]
            if st.by not in ("day", "week") or st.by in r:
                key = r.get(st.by)
            elif st.by == "day":
                key = None if d is MIN_DATE else d
            else:
                key = None if d is MIN_DATE else _week(d)
            by_key.setdefault(key, []).append(r)
        rows = []
        for key, members in by_key.items():
            sub = Env(env.params, env.period, env.payees, env.fns)
            sub.payee, sub.payee_id, sub.per_payee = env.payee, env.payee_id, env.per_payee
            sub.cache, sub.warnings = env.cache, env.warnings
            sub.sets = {**sets, st.source: members}
            first = min(r["_order"][0] for r in members)
            shown = "" if key is None else (key.isoformat() if isinstance(key, dt.date)
                                            else str(key))
            row = {"_credit": st.name, "_key": shown, "_cid": f"{st.name}:{shown}",
                   "_order": (first, shown), "_payee": env.payee_id, st.by: key,
                   "value": env.fns.fast(st.value)(sub, None),
                   "_members": [f"{st.source_input}:{r['_key']}" for r in members]}
            for col, e in st.columns:
                row[col] = env.fns.fast(e)(sub, None)
            rows.append(row)
        rows.sort(key=lambda r: (r["_order"][0], r["_order"][1]))
        if rows:  # a payee with no credits has no subtotals either ('no credits' warns)
            sets[st.name] = rows
    return sets


# ---------------------------------------------------------------- payee groups

def peers(groups: CompiledGroups, payees: dict[str, dict], touched) -> set[str]:
    """Everyone who shares a group with a touched payee: a new deal of one member moves
    the group's sums and every member's share of a pool (the live view works them out
    again)."""
    keys = {(col, _key((payees.get(pid) or {}).get(col))) for pid in touched
            for col in groups.columns}
    keys = {k for k in keys if k[1] is not None}
    return {pid for pid, row in payees.items() for col in groups.columns
            if (col, _key(row.get(col))) in keys}


@dataclass
class _Allocation:
    pool: Decimal | None
    pool_text: str
    parts: dict[str, tuple[Decimal, Decimal, Decimal, bool]]  # pid -> (share, exact, amount, +step)
    shares: Decimal
    sharers: list[str]
    members: list[str]
    problem: str = ""


class Context:
    """group() and pools for one run: each member's own figures, worked out once."""

    def __init__(self, groups: CompiledGroups, payees: dict[str, dict],
                 own_env: Callable[[str], Env], step: Decimal, mode: str):
        self.groups = groups
        self.payees = payees
        self._own_env = own_env
        self._own: dict[str, Env] = {}
        self._alloc: dict[tuple, _Allocation] = {}
        self._index: dict[str, dict[str, list[str]]] = {}
        self._sums: dict[tuple, Decimal] = {}
        self.step, self.mode = step, mode

    def own(self, pid: str) -> Env:
        env = self._own.get(pid)
        if env is None:
            env = self._own[pid] = self._own_env(pid)
        return env

    def members(self, col: str, key) -> list[str]:
        """The payees whose `col` is `key`, in id order (indexed once per column)."""
        index = self._index.get(col)
        if index is None:
            index = self._index[col] = {}
            for pid in sorted(self.payees):
                k = _key(self.payees[pid].get(col))
                if k is not None:
                    index.setdefault(k, []).append(pid)
        return index.get(key, [])

    def group_fn(self, pid: str):
        """env.group for one payee: (name, column, where) -> the sum over the group,
        worked out once per group (every member reads the same sum)."""
        def group(name: str, col: str, where) -> Decimal | None:
            key = _key((self.payees.get(pid) or {}).get(col))
            if key is None:
                return None
            done = self._sums.get((name, col, key, id(where)))
            if done is not None:
                return done
            total = Decimal(0)
            for m in self.members(col, key):
                env = self.own(m)
                if where is not None and where(env, None) is not True:
                    continue
                v = env.earnings.get(name, env.measures.get(name))
                if v is not None:
                    total += v
            self._sums[(name, col, key, id(where))] = total
            return total
        return group

    # ------------------------------------------------------------ pools

    def pool_lines(self, e, env: Env, pid: str, pr) -> list[Line]:
        spec = self.groups.pools[e.name]
        key = _key((env.payee or {}).get(spec.by))
        if key is None:
            # No group, no pool. Said only of a payee the pool's `members` would take:
            # a rep whose team was left blank loses a share and the run must say so, but
            # a payee the plan keeps out (members: payee.role == "rep", a manager in no
            # team) is out by rule, and a warning on every such statement is noise.
            if spec.members is None or \
                    env.fns.fast(spec.members)(self.own(pid), None) is True:
                pr.warnings.append(f"{e.name}: payee {pid} has no {spec.by}; "
                                   "no share of a pool")
            return []
        alloc = self._alloc.get((e.name, key))
        if alloc is None:
            alloc = self._alloc[(e.name, key)] = self._allocate(e, spec, env, key)
        if alloc.problem:
            pr.warnings.append(f"{e.name}: {alloc.problem}")
        part = alloc.parts.get(pid)
        if part is None:
            return []
        share, exact, amount, extra = part
        step = self.step
        sharers = ", ".join(alloc.sharers)
        down = amount - step if extra else amount
        shown_exact = fmt_money(exact) if exact == round_to(exact, step, "down") else \
            _grouped(exact)
        formula = (f"pool of {spec.by} {key}: {alloc.pool_text} = {fmt_money(alloc.pool)}; "
                   f"{fmt_money(alloc.pool)} x {spec.share_text} "
                   f"{fmt_value(share, spec.share_type)} / "
                   f"{fmt_value(alloc.shares, spec.share_type)} (shared by {sharers}: "
                   f"{len(alloc.sharers)} of {len(alloc.members)} members) = {shown_exact}")
        if exact != amount:
            formula += f" -> {fmt_money(down)} (down to {step})"
            if extra:
                formula += f" + {step} (largest remainder)"
            formula += f" = {fmt_money(amount)}"
        rounding = f"{exact} -> {amount} (pool shared by largest remainder: down to " \
            f"{step}{f', +{step}' if extra else ''})" if exact != amount else ""
        inputs = {"pool": alloc.pool, spec.by: key, "share": share, "shares": alloc.shares,
                  "sharing": sharers}
        return [Line(number=0, payee=pid, component=e.name, kind="bonus", amount=amount,
                     exact=exact, rule=str(e.pos), formula=formula, inputs=inputs,
                     rounding=rounding)]

    def _allocate(self, e, spec: PoolSpec, env: Env, key: str) -> _Allocation:
        total, text = env.fns.explain(e.value)(env, None)
        members = self.members(spec.by, key)
        if total is None:
            return _Allocation(None, text, {}, Decimal(0), [], members,
                               f"the pool of {spec.by} {key} is missing; nobody is paid")
        # a pool that rounds to zero from below is 0.00, not -0.00 (docs/language.md)
        pool = unsigned_zero(round_to(Decimal(total), self.step, self.mode))
        weights: list[tuple[str, Decimal]] = []
        for m in members:
            own = self.own(m)
            if spec.members is not None and env.fns.fast(spec.members)(own, None) is not True:
                continue
            w = env.fns.fast(spec.share)(own, None) if spec.share is not None else Decimal(1)
            if w is None or w <= 0:
                continue
            weights.append((m, Decimal(w)))
        shares = sum((w for _m, w in weights), Decimal(0))
        if not weights:
            return _Allocation(pool, text, {}, shares, [], members,
                               f"nobody in {spec.by} {key} shares the pool of "
                               f"{fmt_money(pool)}; it is not paid")
        parts = share_out(pool, weights, self.step)
        return _Allocation(pool, text, parts, shares, [m for m, _w in weights], members)


def share_out(pool: Decimal, weights: list[tuple[str, Decimal]], step: Decimal
              ) -> dict[str, tuple[Decimal, Decimal, Decimal, bool]]:
    """pool x w / sum(w) for each, rounded down to `step` (towards zero), then the steps
    left over one each to the largest remainders (ties: the order given, payee ids).
    The parts add up to `pool` exactly when `pool` is a multiple of `step`."""
    shares = sum((w for _m, w in weights), Decimal(0))
    sign = -1 if pool < 0 else 1
    size = abs(pool)
    exact = [(m, w, scale(size, w, shares)) for m, w in weights]
    down = [(m, w, x, round_to(x, step, "down")) for m, w, x in exact]
    left = int((size - sum(d for _m, _w, _x, d in down)) / step)
    order = sorted(range(len(down)), key=lambda i: (-(down[i][2] - down[i][3]), i))
    extra = set(order[:left])
    out = {}
    for i, (m, w, x, d) in enumerate(down):
        amount = d + step if i in extra else d
        out[m] = (w, sign * x, sign * amount, i in extra)
    return out


def _grouped(v: Decimal) -> str:
    """An exact share as a reader takes it in: thousands separated, up to 6 places
    (8,333.366667); the line's exact column keeps every digit."""
    text = format(v.quantize(Decimal("0.000001")), ",f") if v.as_tuple().exponent < -6 \
        else format(v, ",f")
    return text


def _key(v) -> str | None:
    if v is None:
        return None
    s = v.isoformat() if isinstance(v, dt.date) else str(v)
    return s if s.strip() else None


def explain_group(name: str, col: str, value, t, env: Env) -> str:
    key = _key((env.payee or {}).get(col))
    return f"group {name} of {col} {key or 'missing'} {fmt_value(value, t)}"
