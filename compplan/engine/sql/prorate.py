"""prorate(x, months) as SQL: x times the payee's active part of the period counted in
months (compplan.periods.month_share): each month of the period weighs the same and a
part month counts by its days, so a rep who starts on 1 March has 1 of Q1's 3 months.

The months of the period are known when the plan compiles: with D_m the days of month m,
L their least common multiple and d_m the payee's active days in it (from the payees
table's _first and _last), the share is (sum of d_m x L / D_m) / (L x months), a ratio
of whole numbers; x is multiplied by its numerator before one division, as the Python
engine does (20,000 x 1 / 3). A share of 1 leaves x as it is.
"""
from __future__ import annotations

import math
from fractions import Fraction

from . import dialect
from ..periods import Period, months_in, periods_of
from . import decimals as dec
from .decimals import Num


def active_months(alias: str, period: Period) -> tuple[str, int]:
    """(A, L): the payee's active months in the period are A / L, A an SQL whole number
    (the sum of d_m x L / D_m) and L the least common multiple of the months' days."""
    months = []
    for m in periods_of("month", period.start, period.end):
        lo, hi = max(m.start, period.start), min(m.end, period.end)
        months.append((lo, hi, m.days))
    lcm = 1
    for _lo, _hi, days in months:
        lcm = math.lcm(lcm, days)
    terms = [f"greatest(0, {dialect.current().days_between(f'greatest({alias}._first, DATE {chr(39)}{lo}{chr(39)})', f'least({alias}._last, DATE {chr(39)}{hi}{chr(39)})')}"
             f" + 1) * {lcm // days}"
             for lo, hi, days in months]
    return f"CAST(({' + '.join(terms)}) AS DECIMAL(38,0))", lcm


def prorate_months(x: Num, alias: str, period: Period) -> Num:
    units, lcm = active_months(alias, period)
    total = Fraction(months_in(period)) * lcm  # L x months, as a fraction
    a = dec.let(units)
    # share = active / total = active x den / num (total = num / den)
    num, den = total.numerator, total.denominator
    scaled = dec.div(dec.mul(dec.mul(x, Num(a, 0)), dec.literal(den)), dec.literal(num))
    x2, scaled2 = dec.align(x, scaled)
    return Num(f"(CASE WHEN {x.sql} IS NULL THEN NULL WHEN {a} * {den} = {num} THEN {x2.sql} "
               f"ELSE {scaled2.sql} END)", x2.scale)
