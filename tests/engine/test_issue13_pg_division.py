"""Issue 13: PostgreSQL's division (dialect.Postgres.div, the cp_div function) follows
the one arithmetic rule of docs/language.md as the Python engine does: a quotient has
exactly 16 places, rounded half up (away from zero), worked out from the exact quotient
(NUMERIC's div() and mod() are exact), NULL for a zero divisor. Same digits as
compplan/engine/money.divide on the edges of test_issue12_division_rule.py and on
generated operands. Skipped when no PostgreSQL server answers."""
from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine import money  # noqa: E402
from compplan.engine.sql import decimals as dec  # noqa: E402
from compplan.engine.sql import dialect, postgres  # noqa: E402

LIMIT = Decimal(10) ** 22


def _connection():
    try:
        pg = postgres.connect()
    except Exception as e:  # noqa: BLE001 - no server: the reason the tests skip
        pytest.skip(f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__})",
                    allow_module_level=True)
    schema = f"compplan_test_{uuid.uuid4().hex[:8]}"
    pg.execute(f'CREATE SCHEMA "{schema}"')
    pg.execute(f'SET search_path TO "{schema}"')
    for sql in dialect.POSTGRES.setup():
        pg.execute(sql)
    return pg, schema


PG, SCHEMA = _connection()


@pytest.fixture(scope="module", autouse=True)
def _drop_schema():
    yield
    PG.execute(f'DROP SCHEMA "{SCHEMA}" CASCADE')


def _rule(f: Fraction) -> Decimal:
    """Exact arithmetic's value rounded once, half away from zero, to 16 places."""
    sign = -1 if f < 0 else 1
    units, rest = divmod(abs(f) * 10 ** 16, 1)
    units += 1 if rest >= Fraction(1, 2) else 0
    return Decimal(f"{sign * int(units)}E-16")


def _pg(a: Decimal, b: Decimal, sa: int, sb: int):
    """a / b by the PostgreSQL dialect's division on NUMERIC(38, sa) / NUMERIC(38, sb);
    'out of range' where NUMERIC(38, 16) cannot hold it (the rule's limit)."""
    with dialect.use(dialect.POSTGRES):
        v = dec.div(dec.Num("a", sa), dec.Num("b", sb)).sql
    try:
        return PG.execute(f"SELECT {v} FROM (SELECT CAST(%s AS NUMERIC(38,{sa})) AS a, "
                          f"CAST(%s AS NUMERIC(38,{sb})) AS b) t",
                          (format(a, "f"), format(b, "f"))).fetchone()[0]
    except psycopg.errors.NumericValueOutOfRange:
        return "out of range"


def _py(a: Decimal, b: Decimal):
    try:
        return money.divide(a, b)
    except money.OutOfRange:
        return "out of range"


@pytest.mark.parametrize("a, b, want", [
    ("1", "3", "0.3333333333333333"),                      # a third
    ("-1", "3", "-0.3333333333333333"),
    ("2", "3", "0.6666666666666667"),                      # half up at the 16th place
    ("-2", "3", "-0.6666666666666667"),                    # away from zero
    ("1", "20000000000000000", "0.0000000000000001"),      # 5e-17: a tie, up
    ("-1", "20000000000000000", "-0.0000000000000001"),    # a tie, away from zero
    ("1", "20000000000000001", "0"),                       # just below the tie
    ("100000", "100000", "1"),                             # exactly on a bound
    ("33333.33", "100000", "0.3333333"),                   # exact, short
    ("0.1234567890123456", "7", "0.0176366841446208"),     # many places both sides
    ("123456789012345678.12", "0.001", "123456789012345678120"),  # past 128 bits in DuckDB
    ("0.000000000000581727", "0.6", "0.0000000000009695"),  # not rounded before dividing
])
def test_division_edges_in_postgres(a, b, want):
    a, b = Decimal(a), Decimal(b)
    sa, sb = max(0, -a.as_tuple().exponent), max(0, -b.as_tuple().exponent)
    got = _pg(a, b, sa, sb)
    assert got == Decimal(want) == money.divide(a, b)
    assert got.as_tuple().exponent == -16  # NUMERIC(38, 16): the fixed scale


def test_zero_divisor_gives_missing_in_postgres():
    assert _pg(Decimal(5), Decimal(0), 0, 0) is None


@settings(max_examples=300, deadline=None)
@given(sa=st.integers(0, 16), sb=st.integers(0, 16),
       ua=st.one_of(st.integers(-10**12, 10**12), st.integers(-10**30, 10**30),
                    st.integers(-99, 99)),
       ub=st.one_of(st.integers(-10**12, 10**12), st.integers(-10**30, 10**30),
                    st.integers(-99, 99)))
def test_division_same_digits_as_python_and_exact_rounded_once(sa, sb, ua, ub):
    a, b = Decimal(ua).scaleb(-sa), Decimal(ub).scaleb(-sb)
    if b == 0 or len(str(abs(ua))) > 38 - sa or len(str(abs(ub))) > 38 - sb:
        return
    want = _rule(Fraction(a) / Fraction(b))
    got, py = _pg(a, b, sa, sb), _py(a, b)
    if abs(want) >= LIMIT:
        assert got == py == "out of range"
    else:
        assert got == py == want, (a, b)
