"""A line's rounding in SQL: any step (0.01, 1, 0.05, 100) and every mode of the plan,
as compplan.engine.money.round_to does it.

CAST to fewer places is DuckDB's only rounding and it is half away from zero (Python's
ROUND_HALF_UP); it stays the fast path for half up to 0.01, 1, 0.001. Everything else
works on integers: with p the most places of the value and the step, A = |value| x
10^p and S = step x 10^p are whole numbers, A = q x S + r with 0 <= r < S, and the
mode says whether q moves one up from what the remainder is:

    down       never                   up         r > 0
    half_up    2r >= S                 half_down  2r > S
    half_even  2r > S, or 2r = S and q is odd
    floor      r > 0 for a negative value;  ceiling  r > 0 for a positive one

The sign is put back and q x step is the rounded value, exact (HUGEINT holds 38
digits). A NULL stays NULL.
"""
from __future__ import annotations

from decimal import Decimal

from . import decimals as dec
from . import dialect
from .decimals import Num


def places(step: Decimal) -> int:
    return max(0, -step.as_tuple().exponent)


def round_to(a: Num, step: Decimal, mode: str) -> Num:
    """`a` rounded to a multiple of `step` with the plan's `mode`."""
    step = Decimal(step)
    out = places(step)
    power = step.as_tuple().digits == (1,) and step <= 1  # 0.01, 1, 0.001
    if power and (a.scale <= out or mode == "half_up"):
        return Num(f"CAST({a.sql} AS DECIMAL(38,{out}))", out)
    p = max(a.scale, out)
    big = dialect.current().hugeint
    x = dec.let(f"CAST({a.sql} AS DECIMAL(38,{a.scale}))")
    units = (f"cp_units({x}, CAST('{10 ** a.scale}' AS {big}), "
             f"CAST('{10 ** a.scale}' AS DECIMAL(38,0)))")
    if p > a.scale:
        units = f"({units} * CAST('{10 ** (p - a.scale)}' AS {big}))"
    s = int(step.scaleb(p))
    S = f"CAST('{s}' AS {big})"
    A = dec.let(f"abs({units})")
    q = dec.let(f"({dialect.current().intdiv(A, S)})")
    r = dec.let(f"({A} % {S})")
    sign = f"sign({x})"
    bump = {
        "down": "FALSE",
        "up": f"{r} > 0",
        "half_up": f"2 * {r} >= {S}",
        "half_down": f"2 * {r} > {S}",
        "half_even": f"(2 * {r} > {S} OR (2 * {r} = {S} AND {q} % 2 = 1))",
        "floor": f"({r} > 0 AND {sign} < 0)",
        "ceiling": f"({r} > 0 AND {sign} > 0)",
    }[mode]
    whole = f"({q} + CASE WHEN {bump} THEN 1 ELSE 0 END)"
    sql = (f"CAST(CAST({sign} * {whole} AS DECIMAL(38,0)) * "
           f"{dec.literal(step).sql} AS DECIMAL(38,{out}))")
    return Num(f"(CASE WHEN {x} IS NULL THEN NULL ELSE {sql} END)", out)
