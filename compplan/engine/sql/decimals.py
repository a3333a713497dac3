"""Exact decimal arithmetic in SQL: every numeric expression carries its scale.

SQL engines differ on decimals (DuckDB turns DECIMAL / DECIMAL into DOUBLE; PostgreSQL
picks its own division scale; Spark loses precision past 38 digits), so the compiler
never leaves a numeric result's scale to the database: it knows the scale of every
expression it builds and writes each operation so that the result is exact, or rounded
at a stated place by a stated rule. See docs/design/columnar.md for the measurements.

    sums and differences   exact; the larger scale
    products               exact up to DIV_SCALE places; rounded half up beyond
    divisions              exactly DIV_SCALE places, rounded half up (long division on
                           HUGEINT, never DOUBLE); a zero divisor gives NULL (missing)

This is the one arithmetic rule of docs/language.md ("Arithmetic and rounding"); the
Python engine follows it in compplan/engine/money.py (multiply, divide), and
tests/engine/test_issue12_division_rule.py holds the two to the same digits. A value
DECIMAL(38) cannot hold is DuckDB's "Out of Range" error, never a rounded value; the
runner names the rule it came from (run.py).
"""
from __future__ import annotations

import contextlib
import contextvars
import itertools
from dataclasses import dataclass
from decimal import Decimal

from . import dialect

DIV_SCALE = 16  # the places of a division; products are rounded back to it
# A product of scale s1 + s2 is DECIMAL(38, s1 + s2) in DuckDB: above this scale it has
# fewer than 16 digits before the point (a ratio x a ratio: 6), so it is multiplied in
# parts instead (mul), and only a result beyond DECIMAL(38, 16) is out of range.
WIDE_SCALE = 22


@dataclass(frozen=True)
class Num:
    """An SQL expression and, when it is a number, its scale (places after the point);
    scale None: a text, date or condition."""

    sql: str
    scale: int | None


def literal(value: Decimal | int) -> Num:
    """An exact literal: text cast to DECIMAL (a bare 1e20 would be a DOUBLE)."""
    d = Decimal(value)
    places = max(0, -d.as_tuple().exponent) if d.is_finite() else 0
    text = format(d, "f")
    return Num(f"CAST('{text}' AS DECIMAL(38,{places}))", places)


def add(a: Num, b: Num, op: str) -> Num:
    return Num(f"({a.sql} {op} {b.sql})", max(a.scale, b.scale))


def mul(a: Num, b: Num) -> Num:
    """a x b: exact up to DIV_SCALE places, rounded half up (away from zero, as CAST
    rounds) to DIV_SCALE beyond that.

    Where the product's scale would leave fewer than 16 digits before the point (above
    WIDE_SCALE), each factor is split at the point, a = ai + af and b = bi + bf, and
    a x b = ai x bi + ai x bf + af x bi + af x bf: the first three are exact at 16
    places or fewer, the last is below 1 and is the only one rounded. All four have the
    sign of the product, so rounding the last alone rounds the sum the same way.
    """
    scale = a.scale + b.scale
    if scale > WIDE_SCALE and a.scale <= DIV_SCALE and b.scale <= DIV_SCALE:
        x, y = let(a.sql), let(b.sql)
        xi, yi = let(f"trunc({x})"), let(f"trunc({y})")
        xf = f"CAST({x} - {xi} AS DECIMAL(38,{a.scale}))"
        yf = f"CAST({y} - {yi} AS DECIMAL(38,{b.scale}))"
        whole = (f"CAST({xi} * {yi} AS DECIMAL(38,{DIV_SCALE})) + "
                 f"CAST({xi} * {yf} AS DECIMAL(38,{DIV_SCALE})) + "
                 f"CAST({xf} * {yi} AS DECIMAL(38,{DIV_SCALE}))")
        return Num(f"CAST({whole} + CAST({xf} * {yf} AS DECIMAL(38,{DIV_SCALE})) AS "
                   f"DECIMAL(38,{DIV_SCALE}))", DIV_SCALE)
    sql = f"({a.sql} * {b.sql})"
    if scale > DIV_SCALE:
        return Num(f"CAST({sql} AS DECIMAL(38,{DIV_SCALE}))", DIV_SCALE)
    return Num(sql, scale)


# A macro the script defines once (run.py): a DECIMAL of scale s as an integer count of
# 10^-s, whole part and fraction apart (x * 10^s in DECIMAL(38, s) overflows for large x).
MACROS = [
    "CREATE OR REPLACE TEMP MACRO cp_units(x, p, pd) AS "
    "CAST(trunc(x) AS HUGEINT) * p + CAST((x - trunc(x)) * pd AS HUGEINT)",
]


class Lets:
    """Named steps of one statement's arithmetic, written as lateral column aliases
    (`SELECT ..., a // b AS _cp1, _cp1 * 10 AS _cp2`): a long division refers to its
    earlier steps by name instead of repeating them, so the SQL stays small to read and
    quick to bind. The statement selects them and drops them (`EXCLUDE`); in a dialect
    without lateral aliases each step is a LATERAL subquery joined after the statement's
    FROM items instead (lateral())."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, sql: str) -> str:
        alias = f"_cp{next(_counter)}"
        self.items.append((alias, sql))
        return alias

    def select(self) -> str:
        """The aliases as select items, each followed by a comma (or nothing)."""
        return dialect.current().let_select(self.items)

    def lateral(self) -> str:
        """The steps as joins after the statement's FROM items, where a dialect has no
        lateral column aliases ("" in DuckDB, whose select() names them)."""
        return dialect.current().let_joins(self.items)

    def exclude(self) -> str:
        return dialect.current().exclude(", ".join(a for a, _ in self.items))


_counter = itertools.count(1)
_current: contextvars.ContextVar[Lets | None] = contextvars.ContextVar("lets", default=None)


@contextlib.contextmanager
def statement():
    """Collect the Lets of the statement being built (see Lets)."""
    token = _current.set(Lets())
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@contextlib.contextmanager
def inline():
    """Inside aggregates: no lateral aliases (each step written out)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def let(sql: str) -> str:
    """A value computed once per row of the statement being built: its alias, or the
    expression itself in parentheses outside a statement."""
    lets = _current.get()
    return lets.add(sql) if lets is not None else f"({sql})"


def _units(n: Num) -> str:
    """The value as an integer count of 10^-scale units (exact)."""
    if n.scale == 0:
        return f"CAST({n.sql} AS {dialect.current().hugeint})"
    x = f"CAST({n.sql} AS DECIMAL(38,{n.scale}))"
    return (f"cp_units({x}, CAST('{10 ** n.scale}' AS {dialect.current().hugeint}), "
            f"CAST('{10 ** n.scale}' AS DECIMAL(38,0)))")


def div(a: Num, b: Num, scale: int = DIV_SCALE) -> Num:
    """a / b to `scale` places, half up (away from zero), exactly; NULL when b is 0.

    With A, B the operands as integers of their scales and k = scale + sb - sa, the
    quotient is |A| * 10^k // |B|, plus one when twice the remainder reaches |B|. When
    |A| * 10^k would leave 128 bits, long division: 9 digits at a time from the
    remainder. The sign is put back last.
    """
    form = dialect.current().div(a.sql, b.sql, scale)
    if form is not None:  # a database that divides exactly at a chosen scale
        return Num(form, scale)
    k = scale + b.scale - a.scale
    lets = _current.get()
    name = lets.add if lets is not None else (lambda sql: f"({sql})")
    unit = f"CAST('{Decimal(1).scaleb(-scale):f}' AS DECIMAL(38,{scale}))"
    A = name(f"abs({_units(a)})")
    if k < 0:  # the dividend has more places than the result: the divisor in finer units
        B = name(f"nullif(abs({_units(b)}) * CAST('{10 ** -k}' AS HUGEINT), 0)")
        k = 0
    else:
        B = name(f"nullif(abs({_units(b)}), 0)")
    pk = f"CAST('{10 ** k}' AS HUGEINT)"
    below = f"CAST('1{'0' * max(0, 37 - k)}' AS HUGEINT)"
    n = name(f"CASE WHEN {A} < {below} THEN {A} * {pk} END")
    fast = f"({n} // {B} + CASE WHEN 2 * ({n} % {B}) >= {B} THEN 1 ELSE 0 END)"
    q = name(f"CASE WHEN {A} >= {below} THEN {A} // {B} END")
    r = name(f"CASE WHEN {A} >= {below} THEN {A} % {B} END")
    left = k
    while left > 0:
        d = min(left, 9)
        p = f"CAST('{10 ** d}' AS HUGEINT)"
        t = name(f"{r} * {p}")
        q, r = name(f"{q} * {p} + {t} // {B}"), name(f"{t} % {B}")
        left -= d
    slow = f"({q} + CASE WHEN 2 * {r} >= {B} THEN 1 ELSE 0 END)"
    sql = (f"(CAST(sign({a.sql}) * sign({b.sql}) * coalesce({fast}, {slow}) AS DECIMAL(38,0))"
           f" * {unit})")
    return Num(sql, scale)


def round_to(a: Num, step: Decimal, mode: str) -> Num | None:
    """A line's rounding in SQL, or None where SQL does not do it yet (the engine then
    refuses the plan). CAST to fewer places rounds half away from zero: Python's
    ROUND_HALF_UP; the other modes are written out."""
    places = max(0, -step.as_tuple().exponent)
    if step != Decimal(1).scaleb(-places):
        return None  # a step like 0.05 or 100
    if a.scale <= places:
        return Num(f"CAST({a.sql} AS DECIMAL(38,{places}))", places)
    if mode == "half_up":
        return Num(f"CAST({a.sql} AS DECIMAL(38,{places}))", places)
    trunc = f"trunc({a.sql}, {places})"
    if mode == "down":
        return Num(f"CAST({trunc} AS DECIMAL(38,{places}))", places)
    if mode == "floor":
        return Num(f"CAST(CASE WHEN {a.sql} < {trunc} THEN {trunc} - {literal(step).sql} "
                   f"ELSE {trunc} END AS DECIMAL(38,{places}))", places)
    if mode == "ceiling":
        return Num(f"CAST(CASE WHEN {a.sql} > {trunc} THEN {trunc} + {literal(step).sql} "
                   f"ELSE {trunc} END AS DECIMAL(38,{places}))", places)
    return None


def cast(n: Num, scale: int) -> Num:
    return Num(f"CAST({n.sql} AS DECIMAL(38,{scale}))", scale)


def zero(scale: int = 0) -> Num:
    return Num(f"CAST(0 AS DECIMAL(38,{scale}))", scale)


def align(*nums: Num) -> list[Num]:
    """Numbers cast to their common (largest) scale before anything unifies their types.

    DuckDB unifies DECIMAL(38, 1) and DECIMAL(38, 0) in CASE, greatest, least, coalesce,
    lists and UNION as DECIMAL(38, 0): 0.5 becomes 1, silently. So every place where
    several numbers meet in one value is given one explicit type.
    """
    scales = [n.scale for n in nums if n.scale is not None]
    if len(scales) != len(nums):
        return list(nums)
    top = max(scales)
    return [n if n.scale == top and n.sql.startswith("CAST(") and
            n.sql.endswith(f"AS DECIMAL(38,{top}))") else cast(n, top) for n in nums]


def pick(fn: str, *nums: Num) -> Num:
    """greatest()/least() of numbers, aligned first (NULLs ignored, as SQL does)."""
    a = align(*nums)
    return Num(f"{fn}({', '.join(n.sql for n in a)})", a[0].scale)
