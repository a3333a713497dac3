"""Issue 12 (speed): the cheaper number texts of lines.csv read as the ones they replace.

show.money_column (money() of a column, put together from a BIGINT count of cents where
the value fits DECIMAL(18, 2)) and show.places_trimmed (one regexp_replace instead of
two rtrim and a test) must give, for every value, the text of show.money and
show.trimmed, which the differential tests hold to the Python engine's letter for letter.
Each is also checked against the Python engine's own formatting (money.fmt_money, and
Decimal's text without trailing zeros).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine.money import CONTEXT  # noqa: E402
from compplan.engine.money import fmt_money as _fmt_money  # noqa: E402
from compplan.engine.sql import show  # noqa: E402

CON = duckdb.connect()


def fmt_money(x: Decimal) -> str:
    """The Python engine's money text, under the context every run uses (half up)."""
    with localcontext(CONTEXT):
        return _fmt_money(x)


def _texts(values: list[Decimal], scale: int) -> list[tuple]:
    CON.execute(f"CREATE OR REPLACE TEMP TABLE t (i INTEGER, x DECIMAL(38,{scale}))")
    CON.executemany("INSERT INTO t VALUES (?, CAST(? AS DECIMAL(38,{0})))".format(scale),
                    [(i, format(v, "f")) for i, v in enumerate(values)])
    return CON.execute(
        f"SELECT x, {show.money('x')}, {show.money_column('x', scale)}, "
        f"{show.trimmed('CAST(x AS VARCHAR)')}, {show.places_trimmed('CAST(x AS VARCHAR)')} "
        "FROM t ORDER BY i").fetchall()


EDGES = ["0", "0.004", "-0.004", "0.005", "-0.005", "999.994", "999.995", "-999.995",
         "999999.995", "1000000", "-1234567.891", "999999999.994", "999999999.995",
         "1234567890123.456", "99999999999999.99", "99999999999999.995",  # DECIMAL(18,2)
         "100000000000000000000.125", "-100000000000000000000.125", "0.1", "10", "100.5"]


@pytest.mark.parametrize("scale", [1, 2, 3, 16])
def test_edges_read_as_money_and_trimmed_do(scale):
    with localcontext(Context(prec=80)):
        values = [Decimal(v).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
                  for v in EDGES]
    values = [v for v in values if len(v.as_tuple().digits) <= 38]
    for x, money, fast, trimmed, regexp in _texts(values, scale):
        assert fast == money == fmt_money(x), x
        assert regexp == trimmed == (format(x.normalize(), "f") if x else "0"), x
    # a missing value reads 'missing', and its trimmed text stays missing
    CON.execute("INSERT INTO t VALUES (99, NULL)")
    row = CON.execute(f"SELECT {show.money_column('x', scale)}, "
                      f"{show.places_trimmed('CAST(x AS VARCHAR)')} FROM t WHERE i = 99"
                      ).fetchone()
    assert row == ("missing", None)


@settings(max_examples=60, deadline=None)
@given(scale=st.integers(1, 16), units=st.lists(st.one_of(
    st.integers(-10 ** 6, 10 ** 6), st.integers(-10 ** 21, 10 ** 21),
    st.integers(-10 ** 30, 10 ** 30)), min_size=1, max_size=40))
def test_generated_values_read_as_money_and_trimmed_do(scale, units):
    values = [Decimal(u).scaleb(-scale) for u in units]
    for x, money, fast, trimmed, regexp in _texts(values, scale):
        assert fast == money == fmt_money(x), x
        assert regexp == trimmed, x
