"""Splitting a whole into parts that add up to it exactly: largest remainder.

A target of 100,000.00 split in three cannot be three equal amounts to the cent:
rounding each part on its own gives 33,333.33 x 3 = 99,999.99 and a cent is lost, or
one too many appears. Largest remainder (Hamilton's method) rounds every part down to
the step, then hands the steps left over, one each, to the parts with the largest
remainders, so the parts always add up to the whole. Ties go to the earlier part, so
the same input always gives the same split.

Shares are kept as Fractions: exact whatever the weights (a third has no exact
decimal), and never a float.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Sequence


class SplitError(ValueError):
    """The whole cannot be split as asked (no weights, a negative weight...)."""


def frac(x) -> Fraction:
    """An exact Fraction of a Decimal, int, Fraction or decimal text (never a float)."""
    if isinstance(x, float):
        raise TypeError("weights must be exact (Decimal, int or Fraction), never a float")
    return x if isinstance(x, Fraction) else Fraction(x)


def largest_remainder(total: Decimal, weights: Sequence, step: Decimal = Decimal("0.01")
                      ) -> list[Decimal]:
    """`total` split in proportion to `weights`, each part a multiple of `step`, the
    parts adding up to `total` exactly. `total` must itself be a multiple of `step`."""
    if not weights:
        raise SplitError("nothing to split into: no parts")
    ws = [frac(w) for w in weights]
    if any(w < 0 for w in ws):
        raise SplitError("a weight is negative")
    whole = sum(ws, Fraction(0))
    if whole == 0:
        raise SplitError("the weights add up to 0")
    step = Decimal(step)
    units = frac(abs(total)) / frac(step)
    if units.denominator != 1:
        raise SplitError(f"{total} is not a whole number of steps of {step}")
    n = int(units)
    exact = [n * w / whole for w in ws]
    parts = [math.floor(e) for e in exact]
    left = n - sum(parts)
    by_remainder = sorted(range(len(ws)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    sign = -1 if total < 0 else 1
    return [step * (sign * p) for p in parts]


def round_half_up(value: Fraction | Decimal, step: Decimal) -> Decimal:
    """An exact value rounded half up to a multiple of `step` (the one rounding of a
    single target; a split rounds with largest_remainder instead)."""
    units = frac(value) / frac(step)
    whole = math.floor(abs(units) + Fraction(1, 2))
    return Decimal(step) * (whole if units >= 0 else -whole)


def to_decimal(value: Fraction, places: int = 28) -> Decimal:
    """A Fraction as a Decimal: exact when it has a finite decimal, else to `places`."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    d = value.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    num, den = Decimal(value.numerator), Decimal(value.denominator)
    if d == 1:
        return (num / den).normalize()
    return (num / den).quantize(Decimal(1).scaleb(-places))
