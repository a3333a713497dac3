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
    remainder. The sign is put back last. Each step is a lateral alias of the statement
    being built (Lets), or written out in parentheses outside one.
    """
    form = dialect.current().div(a.sql, b.sql, scale)
    if form is not None:  # a database that divides exactly at a chosen scale
        return Num(form, scale)
    lets = _current.get()
    name = lets.add if lets is not None else (lambda sql: f"({sql})")
    return _div(a, b, scale, name)


def div_columns(a: Num, b: Num, scale: int = DIV_SCALE) -> Num:
    """div written out as one expression, no lateral alias, the 64-bit long division
    first: div_layers' layers put together (for a single query, and the tests)."""
    items, outer = div_layers(a, b, scale)
    done: list[tuple[str, str]] = []
    for col, sql in items:
        for c, x in done:
            sql = sql.replace(c, f"({x})")
        done.append((col, sql))
    for c, x in done:
        outer = outer.replace(c, f"({x})")
    return Num(outer, scale)


def div_layers(a: Num, b: Num, scale: int = DIV_SCALE,
               prefix: str = "_dv") -> tuple[list[tuple[str, str]], str]:
    """a / b as div makes it, in two layers of a query: ([(column, SQL)] of an inner
    query: the operands as integers, and the quotient's sign), and the outer query's
    SQL of the quotient from those columns (whose names start with `prefix`).

    Where both operands fit DECIMAL(18) and |B| < 9 x 10^9 units, the integers are
    BIGINT (a cast through DECIMAL(18): 30 times cheaper than div's HUGEINT units) and
    the outer query divides in 64-bit steps (BIGINT `//` and `%`, 9 digits a step, about
    20 times faster than HUGEINT's); for the other rows the inner query gives HUGEINT
    units and the outer divides as div does. Every step of the outer query is written
    out over columns: div cannot take the 64-bit path because it names A and B a dozen
    times and DuckDB expands a lateral alias wherever it is named (a plan with several
    divisions took minutes to bind; docs/design/columnar.md). So this is for divisions
    that nothing else in the statement reads (a running basis), in an outer query.
    A dialect that divides exactly at a chosen scale (PostgreSQL) divides in the outer
    query, with no inner columns."""
    form = dialect.current().div(a.sql, b.sql, scale)
    if form is not None:
        return [], form
    k = scale + b.scale - a.scale
    cols = {n: f"{prefix}_{n}" for n in ("ai", "bi", "ok", "ah", "bh", "sg")}
    finer = max(0, -k)  # the dividend has more places than the result: B in finer units
    k = max(0, k)
    ai, bi, ok = cols["ai"], cols["bi"], cols["ok"]
    inner = [
        (ai, _units64(a, 0)),
        (bi, _units64(b, finer)),
        (ok, f"({ai} IS NOT NULL AND {bi} <> 0 AND abs({bi}) < {_B64})"),
        (cols["ah"], f"CASE WHEN {ok} IS NOT TRUE THEN abs({_units(a)}) END"),
        (cols["bh"], f"CASE WHEN {ok} IS NOT TRUE THEN nullif(abs({_units(b)})"
                     f"{f' * CAST({chr(39)}{10 ** finer}{chr(39)} AS HUGEINT)' if finer else ''}"
                     ", 0) END"),
        (cols["sg"], f"sign({a.sql}) * sign({b.sql})")]
    wide = _quotient(cols["ah"], cols["bh"], k, lambda sql: f"({sql})")
    b64 = dialect.current().guarded_divisor(f'abs({bi})', ok)
    whole = f"(CASE WHEN {ok} THEN {_steps64(f'abs({ai})', b64, k)} ELSE {wide} END)"
    unit = f"CAST('{Decimal(1).scaleb(-scale):f}' AS DECIMAL(38,{scale}))"
    return inner, f"(CAST({cols['sg']} * {whole} AS DECIMAL(38,0)) * {unit})"


def _units64(n: Num, more: int) -> str:
    """The value as a BIGINT count of 10^-(scale + more) units, NULL where it does not
    fit (exact: the casts keep the value's own scale, so they round nothing).

    Through DECIMAL(w, scale) with w = 18 - scale - more, the product by 10^(scale +
    more) stays below 10^18 and DuckDB works it in 64 bits (a BIGINT-typed factor makes
    it 128-bit, 20 times dearer; a product that leaves 64 bits is an error, not NULL,
    so the width is what keeps it in range). Where w < scale, the 128-bit form."""
    s = n.scale
    w = 18 - s - more
    if w >= max(s, 1):
        return f"TRY_CAST(TRY_CAST({n.sql} AS DECIMAL({w},{s})) * {10 ** (s + more)} AS BIGINT)"
    return (f"TRY_CAST(TRY_CAST({n.sql} AS DECIMAL(18,{s})) * CAST('{10 ** (s + more)}' AS "
            "BIGINT) AS BIGINT)")


# the 64-bit path's divisor bound: a remainder (< |B|) times 10^9 fits BIGINT
_B64 = 9 * 10 ** 9


def _div(a: Num, b: Num, scale: int, name) -> Num:
    k = scale + b.scale - a.scale
    unit = f"CAST('{Decimal(1).scaleb(-scale):f}' AS DECIMAL(38,{scale}))"
    A = name(f"abs({_units(a)})")
    if k < 0:  # the dividend has more places than the result: the divisor in finer units
        B = name(f"nullif(abs({_units(b)}) * CAST('{10 ** -k}' AS HUGEINT), 0)")
        k = 0
    else:
        B = name(f"nullif(abs({_units(b)}), 0)")
    sql = (f"(CAST(sign({a.sql}) * sign({b.sql}) * {_quotient(A, B, k, name)} AS "
           f"DECIMAL(38,0)) * {unit})")
    return Num(sql, scale)


def _quotient(A: str, B: str, k: int, name) -> str:
    """|A| * 10^k / |B| rounded half up, in HUGEINT: at once where |A| * 10^k fits, else
    long division, 9 digits at a time from the remainder; NULL when B is."""
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
    return f"coalesce({fast}, {slow})"


def _steps64(A: str, B: str, k: int) -> str:
    """|A| * 10^k / |B| rounded half up, for BIGINT |A| < 2^63 and 0 < |B| < 9 x 10^9:
    the whole part, then 9 digits at a time from the remainder (r < B, so r * 10^9 <
    2^63), each in BIGINT; the digits are put together in HUGEINT."""
    a, b = A, B
    r = f"({a} % {b})"
    total = f"CAST({a} // {b} AS HUGEINT) * CAST('{10 ** k}' AS HUGEINT)"
    left = k
    while left > 0:
        d = min(left, 9)
        t = f"({r} * {10 ** d})"
        left -= d
        total += f" + CAST({t} // {b} AS HUGEINT) * CAST('{10 ** left}' AS HUGEINT)"
        r = f"({t} % {b})"
    return f"({total} + CASE WHEN 2 * {r} >= {b} THEN 1 ELSE 0 END)"


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
