"""Rate tables at run time: which tier a value falls in, and how a range splits.

Tiers are bands [from, to) on a basis. `at_boundary` says which tier a value exactly
on a bound takes: `upper` (100% pays the tier that starts at 100%) or `lower` (100%
pays the tier that ends at 100%); a tier may say it for the bound where it starts
(issue 20: 5% churn in the higher band, 15% in the lower). A marginal split of a range is
exact (Decimal) and does not depend on the boundary choice, since a single point carries
no amount.

`whole_units` (per-unit tiers on a count, `units: whole`): the k-th unit is paid in the
tier the count reaches with it, whole, never split across a bound that is not a whole
number (a bound of 20.5 meetings: the 21st meeting is above it). The k-th unit lies in
(low, high] exactly when it lies in [floor(low), floor(high)), so the split is the
marginal one with each bound taken down to a whole number.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from decimal import ROUND_FLOOR, Decimal

from .money import multiply, scale


@dataclass(frozen=True)
class Band:
    index: int  # 1-based tier number, as the plan lists it
    low: Decimal | None  # None: no lower bound
    high: Decimal | None  # None: no upper bound
    rate: Decimal
    upper: bool | None = None  # the tier's own at_boundary for its low bound; None: table's


@dataclass(frozen=True)
class Portion:
    """The part of an amount that fell in one tier, and what it pays."""

    tier: int  # 0: below the first tier (pays nothing)
    amount: Decimal
    rate: Decimal
    pays: Decimal


@dataclass(frozen=True)
class TierTable:
    name: str
    bands: tuple[Band, ...]
    mode: str  # marginal | whole
    upper: bool  # at_boundary == upper
    per_unit: bool  # rates are amounts per unit of the basis, not percentages
    whole_units: bool = False  # units: whole (each unit paid in one tier)
    # bounds or rates read the payee (to: targets.meetings): this is the table's shape,
    # its bands without figures; each payee's own is built in the run (engine/tables.py
    # payee_table) and kept on the payee's result
    per_payee: bool = False

    def scaled(self, mul: Decimal, div: Decimal) -> "TierTable":
        """The same tiers with bounds moved from basis space to amount space.

        A basis like attainment = booked / quota is `booked * mul / div` with mul = 1 and
        div = quota; a bound of 100% then sits at 100% * quota / 1 of booked (multiplied
        before it is divided, by the arithmetic rule: money.scale). Kept for payees with
        the same factors (a payout curve's made-up payees all have the payee's quota:
        this was a fifth of a curve's engine time); by their text, so 1 and 1.00 stay
        apart as the bounds they give do.
        """
        return _scaled(self, str(mul), str(div))

    def takes_low(self, i: int) -> bool:
        """Whether a value exactly on band i's low bound is in band i (the first band
        always takes its own start: below it nothing is paid)."""
        if i == 0:
            return True
        own = self.bands[i].upper
        return self.upper if own is None else own

    def takes_high(self, i: int) -> bool:
        """Whether a value exactly on band i's high bound is in band i: when the band
        above does not take it (or, for a bounded last band, by the table's rule)."""
        if i + 1 < len(self.bands):
            return not self.takes_low(i + 1)
        return not self.upper

    def band_at(self, x: Decimal) -> Band | None:
        for i, b in enumerate(self.bands):
            above_low = b.low is None or x > b.low or (x == b.low and self.takes_low(i))
            below_high = b.high is None or x < b.high or (x == b.high and self.takes_high(i))
            if above_low and below_high:
                return b
        return None

    def rate_at(self, x: Decimal) -> Decimal:
        b = self.band_at(x)
        return b.rate if b else Decimal(0)

    def split(self, start: Decimal, end: Decimal) -> list[Portion]:
        """How the range [start, end) of the basis falls across the tiers.

        A range that runs backwards (a cancellation or a negative credit moving the
        basis down) gives the same bands with negative amounts: it takes back, band by
        band, what moving up through them paid.
        """
        if end < start:
            return [Portion(p.tier, -p.amount, p.rate, -p.pays) for p in self.split(end, start)]
        out: list[Portion] = []
        if end == start:
            return out
        if self.whole_units:
            return self._floored().split(start, end)
        first_low = self.bands[0].low
        if first_low is not None and start < first_low:
            below = min(end, first_low) - start
            out.append(Portion(0, below, Decimal(0), Decimal(0)))
        for b in self.bands:
            lo = start if b.low is None else max(start, b.low)
            hi = end if b.high is None else min(end, b.high)
            if hi > lo:
                out.append(Portion(b.index, hi - lo, b.rate, multiply(hi - lo, b.rate)))
        return out

    def _floored(self) -> "TierTable":
        """The same tiers with every bound taken down to a whole number, split as usual:
        whole units (see the module's note)."""
        def f(x):
            return None if x is None else x.to_integral_value(rounding=ROUND_FLOOR)
        return TierTable(self.name, tuple(Band(b.index, f(b.low), f(b.high), b.rate, b.upper)
                                          for b in self.bands), self.mode, self.upper,
                         self.per_unit)


@lru_cache(maxsize=4096)
def _scaled(table: TierTable, mul_text: str, div_text: str) -> TierTable:
    mul, div = Decimal(mul_text), Decimal(div_text)

    def f(x):
        return None if x is None else scale(x, div, mul)
    return TierTable(table.name, tuple(Band(b.index, f(b.low), f(b.high), b.rate, b.upper)
                                       for b in table.bands), table.mode, table.upper,
                     table.per_unit, table.whole_units)
