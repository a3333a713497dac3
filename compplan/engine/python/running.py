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
from .compile import CARRIED, Env, Fn


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
    # the `where` reads only the row and fixed figures (ir.RunningBasis.carry): a live
    # batch may add its credits to the payee's running sums instead of counting again
    carry: bool = False

    def running(self, env: Env) -> "Running":
        key = ("running", id(self))
        r = env.cache.get(key)
        if r is None:
            r = env.cache[key] = Running.build(self, env)
        return r


def carried(env: Env, key):
    """What the payee's last batch left under `key`, or None (not a live batch)."""
    got = env.cache.get(CARRIED)
    return None if got is None else got.get(key)


class Running:
    """One payee's credits of a basis set in order, with the running sum at each.

    Kept between a live run's batches: a batch appends its credits to the payee's sets
    and sorts them again, so when no new credit sorts before the last one already
    counted, the running sums before it are as they were and only the new credits are
    added (`extends`); a back-dated credit, or changed factors, build it afresh."""

    # missing: the basis cannot be worked out (a quota of 0 or none): as a division by
    # zero anywhere else, it is `missing`, and what it tiers is not paid.
    # flat: a factor of 0 makes the basis 0 whatever is credited (no running position).
    missing = False
    flat = False

    def __init__(self, set_name: str, table: TierTable | None, mul: Decimal, div: Decimal,
                 base: TierTable | None = None):
        self.set_name = set_name
        self.table, self.mul, self.div, self.base = table, mul, div, base
        # orders[i]: the i-th credit's sort position; starts[i] the basis before it
        # (starts[-1]: the total); by_id / by_key: a credit's (a transaction's) index
        self.orders: list = []
        self.starts: list[Decimal] = [Decimal(0)]
        self.by_id: dict = {}
        self.by_key: dict = {}
        # what it was built from: the set's list and how many of its rows were read
        self.rows: list | tuple = ()
        self.seen = 0
        self.last = None

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
            out = cls(form.set_name, None, mul, div)
            out.missing = True
            return out
        if mul == 0:
            out = cls(form.set_name, None, mul, div)
            out.flat = True
            return out
        rows = env.sets.get(form.set_name, ())
        prev = carried(env, ("running", id(form)))
        if prev is not None and form.carry and prev.extends(rows, mul, div, table):
            out = prev  # added to in place: nothing else holds it (see extends)
        else:
            out = cls(form.set_name, table.scaled(mul, div), mul, div, table)
        out.add(form, env, rows)
        return out

    def extends(self, rows, mul, div, table) -> bool:
        """Whether the running sums so far hold for `rows`: the same list (a payee's
        credits, only ever appended to and sorted again, stably) whose row at the last
        position read is still the row read there (a credit sorted before it would have
        moved it on), under the same factors (to the digit) and table.

        Only the batch that made it can pass this test: a what-if pays a copy of the
        payee's credits (another list), so it builds its own, and the live one it was
        handed is left as it is."""
        n = self.seen
        return (not self.missing and not self.flat and rows is self.rows and
                len(rows) >= n and (n == 0 or rows[n - 1] is self.last) and
                repr(mul) == repr(self.mul) and repr(div) == repr(self.div) and
                (table is self.base or table == self.base))

    def add(self, form: LinearForm, env: Env, rows) -> None:
        """Count the rows from `seen` on (those passing the basis's `where`)."""
        orders, starts, by_id, by_key = self.orders, self.starts, self.by_id, self.by_key
        total = starts[-1]
        where, unit, column = form.where, form.unit, form.column
        for k in range(self.seen, len(rows)):
            r = rows[k]
            if where is not None and where(env, r) is not True:
                continue
            v = Decimal(1) if unit else (r.get(column) or Decimal(0))
            i = len(orders)
            orders.append(r["_order"])
            by_id[r["_cid"]] = i
            by_key.setdefault(r["_key"], i)
            total += v
            starts.append(total)
        self.rows, self.seen = rows, len(rows)
        self.last = rows[-1] if rows else None

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
            return self.starts[hit], self.starts[hit + 1]
        i = bisect.bisect_left(self.orders, row["_order"])
        return self.starts[i], self.starts[i]

    def to_basis(self, amount: Decimal) -> Decimal:
        return scale(amount, self.mul, self.div)

