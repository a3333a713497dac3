"""A payee's running basis, for a per-credit marginal rate (the Python engine).

The tree holds a tier basis that adds up credits as data (ir.RunningBasis: the set, its
`where`, its factors as nodes); `LinearForm` is the same with those compiled to closures
(engine/python/plan.py), and `Running` is one payee's credits of the set in order with
the running sum at each, so a credit that crosses a bound is split across the tiers.
"""
from __future__ import annotations

import bisect

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...errors import Pos
from ..money import multiply, scale
from ..tiers import TierTable
from .compile import Env, Fn


@dataclass
class LinearForm:
    """ir.RunningBasis compiled: sum(S where w) * muls / divs, as closures.

    This lets a per-credit marginal rate know the running basis before and after each
    credit, so a credit that crosses a bound is split across the tiers.
    """

    set_name: str
    where: Fn | None
    muls: list[Fn]
    divs: list[Fn]
    table_of: Any  # env -> the TierTable that pays (a payee's own: engine/tables.py)
    unit: bool = False  # count(S): each credit moves the basis by 1, not by its value
    column: str = "value"  # sum(S.col): each credit moves the basis by that column
    pos: Pos | None = None

    def running(self, env: Env) -> "Running":
        key = ("running", id(self))
        r = env.cache.get(key)
        if r is None:
            r = env.cache[key] = Running.build(self, env)
        return r


class Running:
    """One payee's credits of a basis set in order, with the running sum at each."""

    # missing: the basis cannot be worked out (a quota of 0 or none): as a division by
    # zero anywhere else, it is `missing`, and what it tiers is not paid.
    # flat: a factor of 0 makes the basis 0 whatever is credited (no running position).
    missing = False
    flat = False

    def __init__(self, set_name: str, table: TierTable | None, mul: Decimal, div: Decimal,
                 orders, starts, by_id, by_key):
        self.set_name = set_name
        self.table, self.mul, self.div = table, mul, div
        self.orders, self.starts, self.by_id, self.by_key = orders, starts, by_id, by_key

    @classmethod
    def build(cls, form: LinearForm, env: Env) -> "Running":
        mul, div = Decimal(1), Decimal(1)
        missing = False
        # products of the factors by the arithmetic rule, as the SQL engine multiplies them
        for i, f in enumerate(form.muls):
            v = f(env, None)
            missing = missing or v is None
            v = v if v is not None else 0
            mul = v if i == 0 else multiply(mul, v)
        for i, f in enumerate(form.divs):
            v = f(env, None)
            missing = missing or v is None
            v = v if v is not None else 0
            div = v if i == 0 else multiply(div, v)
        table = form.table_of(env)
        if table is None:  # a per-payee bound the payee has no figure for: warned there
            missing = True
        if missing or div == 0:
            if not missing and table is not None:
                env.warnings.append((form.pos, "division by zero gave a missing value"))
            out = cls(form.set_name, None, mul, div, [], [Decimal(0)], {}, {})
            out.missing = True
            return out
        if mul == 0:
            out = cls(form.set_name, None, mul, div, [], [Decimal(0)], {}, {})
            out.flat = True
            return out
        rows = env.sets.get(form.set_name, ())
        if form.where is not None:
            rows = [r for r in rows if form.where(env, r) is True]
        orders, starts, by_id, by_key = [], [], {}, {}
        total = Decimal(0)
        for r in rows:
            v = Decimal(1) if form.unit else (r.get(form.column) or Decimal(0))
            orders.append(r["_order"])
            starts.append(total)
            by_id[r["_cid"]] = (total, total + v)
            by_key.setdefault(r["_key"], (total, total + v))
            total += v
        starts.append(total)
        return cls(form.set_name, table.scaled(mul, div), mul, div, orders, starts, by_id,
                   by_key)

    def position(self, row: dict) -> tuple[Decimal, Decimal]:
        """Running basis (in amount space) before and after this credit.

        A credit of the basis set moves the basis by its value. A credit of another set
        (commission paid only on new business, say) moves it as the same transaction
        does in the basis set, or not at all if that transaction is not in it; then it
        pays at the tier reached by the credits before it.
        """
        if row.get("_credit") == self.set_name:
            hit = self.by_id.get(row["_cid"])
        else:
            hit = self.by_key.get(row["_key"])
        if hit is not None:
            return hit
        i = bisect.bisect_left(self.orders, row["_order"])
        return self.starts[i], self.starts[i]

    def to_basis(self, amount: Decimal) -> Decimal:
        return scale(amount, self.mul, self.div)

