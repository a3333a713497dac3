"""Groups on the Python engine (issue 20, items 4 and 6): subtotals, group() sums and
pools worked out for one run, from the plan's groups as data (engine/groups.py).

engine/groups.py says the rules (a member's own figures, a pool rounded once and shared
by largest remainder, subtotals as rows); the SQL engine does the same in
engine/sql/pools.py and subtotals.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from ..formula import fmt_value
from ..groups import CompiledGroups, PoolSpec, group_key
from ..money import fmt_money, round_to, scale, unsigned_zero
from ..prepare import MIN_DATE
from ..results import Line
from .compile import Env


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
                k = group_key(self.payees[pid].get(col))
                if k is not None:
                    index.setdefault(k, []).append(pid)
        return index.get(key, [])

    def group_fn(self, pid: str):
        """env.group for one payee: (name, column, where) -> the sum over the group,
        worked out once per group (every member reads the same sum)."""
        def group(name: str, col: str, where) -> Decimal | None:
            key = group_key((self.payees.get(pid) or {}).get(col))
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
        key = group_key((env.payee or {}).get(spec.by))
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


def explain_group(name: str, col: str, value, t, env: Env) -> str:
    key = group_key((env.payee or {}).get(col))
    return f"group {name} of {col} {key or 'missing'} {fmt_value(value, t)}"
