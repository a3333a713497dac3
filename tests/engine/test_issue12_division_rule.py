"""Issue 12, item 2: one arithmetic rule for both engines (docs/language.md, "Arithmetic
and rounding"). A quotient has exactly 16 places, rounded half up (away from zero); a
product is exact up to 16 places and rounded half up to 16 beyond; a quotient, or a
product rounded to 16 places, of 10^22 or more is an error. The Python engine's helpers
(compplan/engine/money.py) and the SQL engine's (compplan/engine/sql/decimals.py) must
give the same digits, and both the digits of exact arithmetic (Fraction) rounded once.

The helpers' tests run DuckDB's SQL text in DuckDB itself (DuckDB's alone: PostgreSQL's
division is test_issue13_pg_division.py's, Spark's cp_idiv test_issue13_spark.py's).
The two plans at the end, a value that outgrows the rule and a large team's tier split,
run on every SQL engine installed here (`sql_engine`, issue 13).
"""
from __future__ import annotations

from decimal import Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine import money  # noqa: E402
from compplan.engine.sql import decimals as dec  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402

CON = duckdb.connect()
for _m in dec.MACROS:
    CON.execute(_m)
UNIT = Decimal("1e-16")
LIMIT = Decimal(10) ** 22


class OutOfRange(Exception):
    pass


def _rule(f: Fraction) -> Decimal:
    """Exact arithmetic's value rounded once, half away from zero, to 16 places."""
    sign = -1 if f < 0 else 1
    units, rest = divmod(abs(f) * 10 ** 16, 1)
    units += 1 if rest >= Fraction(1, 2) else 0
    return Decimal(f"{sign * int(units)}E-16")  # exact (scaleb would round to 28 digits)


def _sql(op, a: Decimal, b: Decimal, sa: int, sb: int) -> Decimal | None:
    """a op b worked out by the SQL engine's helpers, on columns DECIMAL(38, sa/sb)."""
    CON.execute(f"CREATE OR REPLACE TEMP TABLE t (a DECIMAL(38,{sa}), b DECIMAL(38,{sb}))")
    CON.execute("INSERT INTO t VALUES (CAST(? AS DECIMAL(38,{0})), CAST(? AS DECIMAL(38,{1})))"
                .format(sa, sb), [format(a, "f"), format(b, "f")])
    x, y = dec.Num("a", sa), dec.Num("b", sb)
    with dec.statement() as lets:
        v = op(x, y).sql
        try:
            return CON.execute(f"SELECT v FROM (SELECT {lets.select()}{v} AS v FROM t)"
                               ).fetchone()[0]
        except duckdb.DataError as e:
            assert "out of range" in str(e).lower() or "could not cast" in str(e).lower(), e
            raise OutOfRange from None


def _py(fn, a: Decimal, b: Decimal) -> Decimal:
    try:
        return fn(a, b)
    except money.OutOfRange:
        raise OutOfRange from None


def _both(fn, op, a, b, sa, sb):
    """(python, sql), or 'out of range' for either that raises."""
    got = []
    for f in (lambda: _py(fn, a, b), lambda: _sql(op, a, b, sa, sb)):
        try:
            got.append(f())
        except OutOfRange:
            got.append("out of range")
    return got


# dec.div (steps as lateral aliases) and dec.div_columns (over plain columns, with the
# 64-bit long division first): the same digits, held to the same tests
DIVS = pytest.mark.parametrize("div", [dec.div, dec.div_columns], ids=["div", "div_columns"])

# operands as (units, scale): up to 16 places, any sign, up to 21 digits before the point
scales = st.integers(0, 16)
units = st.one_of(st.integers(-10**12, 10**12), st.integers(-10**30, 10**30),
                  st.integers(-99, 99))


@DIVS
@settings(max_examples=400, deadline=None)
@given(sa=scales, sb=scales, ua=units, ub=units)
def test_division_same_digits_on_both_engines_and_exact_rounded_once(div, sa, sb, ua, ub):
    a, b = Decimal(ua).scaleb(-sa), Decimal(ub).scaleb(-sb)
    if b == 0 or len(str(abs(ua))) > 38 - sa or len(str(abs(ub))) > 38 - sb:
        return
    want = _rule(Fraction(a) / Fraction(b))
    py, sql = _both(money.divide, div, a, b, sa, sb)
    if abs(want) >= LIMIT:
        assert py == sql == "out of range"
    else:
        assert py == want and sql == want, (a, b)
        assert py.as_tuple().exponent >= -16


@settings(max_examples=400, deadline=None)
@given(sa=scales, sb=scales, ua=units, ub=units)
def test_multiplication_same_digits_on_both_engines_and_exact_rounded_once(sa, sb, ua, ub):
    a, b = Decimal(ua).scaleb(-sa), Decimal(ub).scaleb(-sb)
    if len(str(abs(ua))) > 38 - sa or len(str(abs(ub))) > 38 - sb:
        return
    exact = Fraction(a) * Fraction(b)
    want = _rule(exact)
    py, sql = _both(money.multiply, dec.mul, a, b, sa, sb)
    kept = Context(prec=100).multiply(a, b)
    rounded = kept.as_tuple().exponent < -16
    # Python: out of range only when rounded to 16 places and 10^22 or more. SQL: the
    # product is DECIMAL(38, sa + sb), so it must fit that; above WIDE_SCALE places it
    # is multiplied in parts and only the rule's limit holds (a ratio x a ratio)
    if sa + sb <= dec.WIDE_SCALE:
        sql_fits = abs(exact) < Decimal(10) ** (38 - (sa + sb)) and \
            (sa + sb <= 16 or abs(want) < LIMIT)
    else:
        sql_fits = abs(want) < LIMIT
    assert sql == (want if sql_fits else "out of range"), (a, b)
    assert py == ("out of range" if rounded and abs(want) >= LIMIT else want), (a, b)
    if not rounded:  # 16 places or fewer: the product as it is (0.4 x 5 = 2.0)
        assert py.as_tuple() == kept.as_tuple()


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
    ("123456789012345678.12", "0.001", "123456789012345678120"),  # the 128-bit path
    # a dividend with more places than the quotient (a plan's literal) is not rounded
    # before it is divided: 9,695.45 units of 10^-16, not 9,695.5 (rounded first: 9,696)
    ("0.000000000000581727", "0.6", "0.0000000000009695"),
])
@DIVS
def test_division_edges_on_both_engines(div, a, b, want):
    a, b = Decimal(a), Decimal(b)
    sa, sb = max(0, -a.as_tuple().exponent), max(0, -b.as_tuple().exponent)
    assert _both(money.divide, div, a, b, sa, sb) == [Decimal(want)] * 2


# Operands at the bounds of 64-bit integers of their scales (2^62, 10^9, and div_columns'
# own: 2^63 - 1 and 9 x 10^9 units, where its 64-bit long division hands over to the
# 128-bit one) and ties at the 17th place: the same digits on both engines, each worked
# out by exact fractions (_rule).
@pytest.mark.parametrize("ua, sa, ub, sb", [
    (1, 2, 999_999_999, 2),                  # divisor just below 10^9 units
    (1, 2, 1_000_000_000, 2),                # divisor at 10^9
    (2 ** 62 - 1, 2, 3, 0),                  # dividend just below 2^62
    (2 ** 62, 2, 3, 0),                      # at 2^62
    (999_999_998, 0, 999_999_999, 0),        # a remainder near the divisor each step
    (1, 0, 2 * 10 ** 8, 0),                  # 5e-9: exact, no rounding
    (1, 16, 2, 0),                           # 5e-17: a tie at the 17th place, up
    (-1, 16, 2, 0),                          # a tie, away from zero
    (3, 16, 7, 0),                           # 4.28e-17: below the tie, 0
    (1, 7, 2 * 10 ** 8, 0),                  # 5e-16 / ... : a tie after two steps
    (5, 0, 2 * 10 ** 8 - 1, 0),             # rounding on the last digit
    (123_456_789, 3, 7, 16),                 # k = 16 + 16 - 3 = 29: beyond 18 places
    (123_456_789, 16, 7, 2),                 # k = 2: one step
    (-4_582_08, 2, 1_000_000_00, 2),         # a running basis: negative, money / money
    (2 ** 63 - 1, 3, 8_999_999_999, 2),      # div_columns: both at its 64-bit bounds
    (-(2 ** 63 - 1), 0, 8_999_999_999, 0),   # the remainder near 9 x 10^9 each step
    (2 ** 63, 3, 7, 2),                      # |A| just past 2^63 - 1: the 128-bit path
    (123_456_789, 3, 9_000_000_000, 2),      # |B| at 9 x 10^9: the 128-bit path
    (4_500_000_000, 0, 9_000_000_001, 0),    # just past it, a quotient near a half
    (1, 0, 3, 16),                           # k = 32: four 64-bit steps
    (10 ** 18 - 1, 3, 7, 2),                 # the most DECIMAL(18, 3) holds: 64-bit
    (10 ** 18, 3, 7, 2),                     # one unit more: the 128-bit path
])
@DIVS
def test_division_at_64_bit_bounds_on_both_engines(div, ua, sa, ub, sb):
    a, b = Decimal(ua).scaleb(-sa), Decimal(ub).scaleb(-sb)
    want = _rule(Fraction(a) / Fraction(b))
    if abs(want) >= LIMIT:
        want = "out of range"
    assert _both(money.divide, div, a, b, sa, sb) == [want, want]


@pytest.mark.parametrize("a, b, sa, sb, fast", [
    ("4582.08", "1000000.00", 2, 2, True),         # a running basis: money / money
    ("-4582.085", "1000000.00", 3, 2, True),
    ("999999999999.999", "0.01", 3, 2, True),       # the most DECIMAL(15, 3) holds
    ("1000000000000.000", "0.01", 3, 2, False),     # one unit more (x 10^3 in 64 bits)
    ("1", "89999999.99", 0, 2, True),               # |B| just below 9 x 10^9 units
    ("1", "90000000.00", 0, 2, False),              # at it
    ("1", "0", 0, 0, False),                        # a zero divisor: missing, as div
])
def test_div_layers_takes_the_64_bit_path_where_the_operands_fit(a, b, sa, sb, fast):
    """The 64-bit path is taken where the operands fit (not only correct where it is):
    its flag column, read from the inner query."""
    items, _ = dec.div_layers(dec.Num("a", sa), dec.Num("b", sb))
    CON.execute(f"CREATE OR REPLACE TEMP TABLE t (a DECIMAL(38,{sa}), b DECIMAL(38,{sb}))")
    CON.execute(f"INSERT INTO t VALUES ({a}, {b})")
    flag = next(c for c, _ in items if c.endswith("_ok"))
    got = CON.execute(f"SELECT {flag} FROM (SELECT "
                      f"{', '.join(f'{x} AS {c}' for c, x in items)} FROM t)").fetchone()[0]
    assert (got is True) is fast


@DIVS
@settings(max_examples=300, deadline=None)
@given(sa=scales, sb=scales, ua=st.integers(-2 ** 63 + 1, 2 ** 63 - 1),
       ub=st.integers(-9 * 10 ** 9, 9 * 10 ** 9))
def test_division_of_64_bit_operands_same_digits_on_both_engines(div, sa, sb, ua, ub):
    a, b = Decimal(ua).scaleb(-sa), Decimal(ub).scaleb(-sb)
    if b == 0:
        return
    want = _rule(Fraction(a) / Fraction(b))
    py, sql = _both(money.divide, div, a, b, sa, sb)
    if abs(want) >= LIMIT:
        assert py == sql == "out of range"
    else:
        assert py == want and sql == want, (a, b)


@pytest.mark.parametrize("a, b, want", [
    ("0.00000001", "0.000000005", "0.0000000000000001"),   # 5e-17: a tie, up
    ("-0.00000001", "0.000000005", "-0.0000000000000001"),  # away from zero
    ("0.00000001", "0.000000004", "0"),
    ("0.3333333333333333", "0.3333333333333333", "0.1111111111111111"),
    ("0.6666666666666667", "-0.6666666666666667", "-0.4444444444444445"),
    # a ratio x a ratio with 7 digits before the point: DECIMAL(38, 32) would overflow,
    # the rule's limit is 22 digits
    ("1234567.1234567890123456", "1.5000000000000001", "1851850.6851851836419751"),
    ("60000.00", "0.04", "2400.0000"),                     # exact: kept as it is
])
def test_multiplication_edges_on_both_engines(a, b, want):
    a, b = Decimal(a), Decimal(b)
    sa, sb = max(0, -a.as_tuple().exponent), max(0, -b.as_tuple().exponent)
    assert _both(money.multiply, dec.mul, a, b, sa, sb) == [Decimal(want)] * 2


def test_a_quotient_beyond_22_digits_is_an_error_on_both_engines():
    a, b = Decimal("10000000000"), Decimal("0.000000000001")  # 10^22
    assert _both(money.divide, dec.div, a, b, 0, 12) == ["out of range"] * 2
    a = Decimal("9999999999")                                   # 9.999999999 x 10^21: fits
    assert _both(money.divide, dec.div, a, b, 0, 12) == [Decimal("9999999999000000000000")] * 2


def test_a_target_scaled_by_days_is_multiplied_before_it_is_divided():
    """365,000 x 90 / 365 is exactly 90,000 (divided first, 1,000 x 90: the same here;
    but 100,000 x 90 / 365 is 24,657.5342465753424658 only when multiplied first)."""
    assert money.scale(Decimal(365000), 90, 365) == Decimal(90000)
    assert money.scale(Decimal(100000), 90, 365) == Decimal("24657.5342465753424658")
    assert money.divide(Decimal(100000), 365) * 90 != Decimal("24657.5342465753424658")
    with dec.statement() as lets:
        v = dec.div(dec.mul(dec.literal(Decimal(100000)), dec.literal(90)), dec.literal(365))
        got = CON.execute(f"SELECT v FROM (SELECT {lets.select()}{v.sql} AS v)").fetchone()[0]
    assert got == Decimal("24657.5342465753424658")


# ------------------------------------------------------------------ a plan, both engines

PLAN = """
plan: big
name: Too big
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: deals.amount}
measures:
  booked: sum(bookings)
earnings:
  bonus:
    value: booked / 0.000000000001
"""


def test_a_value_that_outgrows_the_rule_stops_both_engines_at_its_rule(tmp_path, sql_engine):
    """booked / 10^-12: 500.00 gives 5 x 10^14, paid as such by both; 10,000,000,000.00
    gives 10^22, which a quotient (16 places in DECIMAL(38)) cannot hold: both engines
    stop with the same error at the earning's line, not a rounded value."""
    from compplan.engine.data import load_inline
    from compplan.engine.ir import compile_plan
    from compplan.engine.periods import parse_period
    from compplan.engine.run import run_plan
    from compplan.lang import check_file
    from engines import run_tables
    run_sql = run_tables(sql_engine)
    plan = tmp_path / "big.yaml"
    plan.write_text(PLAN)
    compiled = compile_plan(check_file(str(plan)))
    q1 = parse_period("2026-Q1")

    def data(amount):
        return {"payees": [{"rep_id": "ann", "name": "Ann"}],
                "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-02-01",
                           "amount": amount}]}
    ok = [run(compiled, load_inline(compiled.plan, data("500.00"), "t", []), q1)
          for run in (run_plan, run_sql)]
    assert [r.payee("ann").components["bonus"] for r in ok] == [Decimal("500000000000000.00")] * 2
    errors = []
    for run in (run_plan, run_sql):
        with pytest.raises(CompplanError) as err:
            run(compiled, load_inline(compiled.plan, data("10000000000.00"), "t", []), q1)
        (p,) = err.value.problems
        errors.append(p)
        assert p.code == "out-of-range" and p.file == str(plan)
        # the earning's line (plan text starts with a newline: line 1 is empty)
        assert (p.line, p.col) == (PLAN.splitlines().index("  bonus:") + 1, 3), p
        assert "outgrew" in p.message
    assert errors[0].hint == errors[1].hint



def test_a_payee_tier_split_of_a_large_team_does_not_square_the_amount(tmp_path, sql_engine):
    """manager.yaml's team_commission is tiered(manager_tiers, booked): each band of
    attainment pays on booked x band / booked. With every deal and quota a million
    times the sample's, a manager's team books about 10^12: booked x band would be
    about 10^23 with the places of a prorated quota, beyond what the rule holds (both
    engines stopped there, the duckdb engine from about 3 x 10^9 on). The band is the
    amount's own share when the amount is the whole, so both engines pay it, alike, and
    a million times what the sample pays."""
    import csv

    from compplan.engine import load_plan
    from compplan.engine.data import load_folder
    from compplan.engine.periods import parse_period
    from compplan.engine.run import run_plan

    from engines import run_tables
    from test_sql_differential import PLANS, assert_same  # tests/engine is on sys.path
    run_sql = run_tables(sql_engine)

    src, data = PLANS / "data" / "manager", tmp_path / "data"
    data.mkdir()
    for f in src.iterdir():
        rows = list(csv.DictReader(f.open(newline="")))
        with (data / f.name).open("w", newline="") as out:
            w = csv.DictWriter(out, fieldnames=list(rows[0]))
            w.writeheader()
            for r in rows:
                if f.name in ("deals.csv", "quotas.csv"):
                    r["amount"] = str(Decimal(r["amount"]) * 10 ** 6)
                w.writerow(r)
    compiled = load_plan(PLANS / "manager.yaml")
    q1 = parse_period("2026-Q1")
    small = run_plan(compiled, load_folder(compiled.plan, src, []), q1)
    ref = run_plan(compiled, load_folder(compiled.plan, data, []), q1)
    got = run_sql(compiled, load_folder(compiled.plan, data, []), q1)
    assert_same(ref, got)
    team = [p for p in ref.payees if p.components.get("team_commission")]
    assert team and max(p.measure_values["booked"] for p in team) > 10 ** 11
    for p in ref.payees:
        assert p.components == {k: v * 10 ** 6 for k, v in
                                small.payee(p.payee).components.items()}, p.payee
