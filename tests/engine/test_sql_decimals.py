"""Exact division in SQL (compplan/engine/sql/decimals.py): DuckDB's DECIMAL / DECIMAL
is a DOUBLE, so the engine divides on integers. Both paths (one 128-bit division, long
division in 9-digit steps) must give Python's Decimal quotient rounded half up to 16
places, for any signs and scales, and NULL for a zero divisor.

DuckDB's alone: the SQL text run in DuckDB itself (PostgreSQL's division is
test_issue13_pg_division.py's, Spark's cp_idiv test_issue13_spark.py's; every engine's
pay is held to the Python engine by the sql_engine tests)."""
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine.sql import decimals as dec  # noqa: E402

CON = duckdb.connect()
for _m in dec.MACROS:
    CON.execute(_m)


def _exact(a: Decimal, b: Decimal) -> Decimal | None:
    if b == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 100
        return (a / b).quantize(Decimal("1e-16"), ROUND_HALF_UP)


def _sql(a: Decimal, b: Decimal, sa: int, sb: int) -> Decimal | None:
    CON.execute("CREATE OR REPLACE TEMP TABLE t (a DECIMAL(38,16), b DECIMAL(38,16))")
    CON.execute("INSERT INTO t VALUES (?, ?)", [str(a), str(b)])
    x = dec.Num(f"CAST(a AS DECIMAL(38,{sa}))", sa)
    y = dec.Num(f"CAST(b AS DECIMAL(38,{sb}))", sb)
    with dec.statement() as lets:
        q = dec.div(x, y).sql
        return CON.execute(f"SELECT v FROM (SELECT {lets.select()}{q} AS v FROM t)").fetchone()[0]


scales = st.integers(0, 16)


@settings(max_examples=300, deadline=None)
@given(sa=scales, sb=scales, a_units=st.integers(-10**20, 10**20),
       b_units=st.one_of(st.integers(-10**12, 10**12), st.integers(-99, 99)))
def test_sql_division_is_decimal_rounded_half_up_to_16_places(sa, sb, a_units, b_units):
    a, b = Decimal(a_units).scaleb(-sa), Decimal(b_units).scaleb(-sb)
    want = _exact(a, b)
    if want is not None and abs(want) >= Decimal("1e21"):
        return  # beyond DECIMAL(38,16): DuckDB raises an error, never a wrong value
    assert _sql(a, b, sa, sb) == want


@pytest.mark.parametrize("a, b, sa, sb, want", [
    # attainment on the exact bound: 100,000 / 100,000 is 1, not 0.999...
    ("100000", "100000", 0, 0, "1"),
    ("-1", "3", 0, 0, "-0.3333333333333333"),
    ("2", "3", 0, 0, "0.6666666666666667"),           # half up at the 16th place
    ("0.00000000000000005", "1", 16, 0, "0.0000000000000001"),
    ("1", "0", 0, 0, None),                          # a zero divisor is missing
    ("123456789012345678.12", "0.001", 2, 3, "123456789012345678120"),  # the 128-bit path
])
def test_sql_division_edges(a, b, sa, sb, want):
    got = _sql(Decimal(a), Decimal(b), sa, sb)
    assert got == (None if want is None else Decimal(want))
