"""Issue 12: the 64-bit text paths write the same digits as the 128-bit ones.

show.money_column at scale 16 (a split's parts) rounds to cents with money()'s own
CAST and builds the text from a BIGINT; show.decimal_text prints a DECIMAL(38, s) in
DECIMAL(18, ...) where it fits. Both must give money()'s and places_trimmed's text on
every value, the edges included: half a cent each way, -0.004 (shown -0.00, the sign of
the value), values past 64 bits, either side of 100 (the bound of DECIMAL(18,16)).
"""

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine.sql import show  # noqa: E402

VALUES = ["0", "0.005", "-0.005", "-0.004", "0.0049999999999999", "1234.5", "2000.72",
          "999999999999.995", "-999999999999.9949999999999999", "99.9999999999999999",
          "100", "123456789012345678.125", "-4000", "0.3", "1.0253326112842940",
          "1000000.000001", "12345678901.123456", "1234567890123.4",
          "-99.9999999999999999", "-100", "-100.0000000000000001"]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE t (x DECIMAL(38,16))")
    c.executemany("INSERT INTO t VALUES (?)", [(v,) for v in VALUES] + [(None,)])
    yield c
    c.close()


def test_issue12_money_column_at_scale_16_is_money(con):
    """0.005 -> 0.01 and -0.005 -> -0.01 (half away from zero, as money's CAST),
    -0.004 -> -0.00, 999,999,999,999.995 -> 1,000,000,000,000.00 (past 15 digits of
    cents: still a BIGINT), 123,456,789,012,345,678.125 -> past 64 bits: money()."""
    rows = con.execute(f"SELECT x, {show.money_column('x', 16)}, {show.money('x')} FROM t"
                       ).fetchall()
    assert all(fast == slow for _x, fast, slow in rows), [r for r in rows if r[1] != r[2]]
    got = {str(x.normalize()) if x is not None else None: fast for x, fast, _ in rows}
    assert got["0.005"] == "0.01" and got["-0.005"] == "-0.01" and got["-0.004"] == "-0.00"
    assert got["999999999999.995"] == "1,000,000,000,000.00"


def test_issue12_decimal_text_is_places_trimmed(con):
    """1.0253326112842940 and 99.9999999999999999 fit DECIMAL(18,16): the 64-bit text;
    100, 2000.72 and 123456789012345678.125 do not: the 128-bit text. NULL stays NULL."""
    slow = show.places_trimmed("CAST(x AS VARCHAR)")
    rows = con.execute(f"SELECT x, {show.decimal_text('x', 16)}, {slow} FROM t"
                       ).fetchall()
    assert all(fast == s for _x, fast, s in rows), [r for r in rows if r[1] != r[2]]
    texts = {r[2] for r in rows}
    assert {"2000.72", "1.025332611284294", "123456789012345678.125", "0", None} <= texts
