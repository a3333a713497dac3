"""Issue 12 item 3: constructs the SQL engine ran not at all before, held to the Python
engine (the reference). Each test has a small plan, its data, the pay worked out by hand
in a comment, the hand figures asserted on the SQL engine, and both engines giving the
same lines and totals (test_sql_differential.assert_same); and cover.py no longer
refuses the construct.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.ir import compile_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql import run_sql  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.lang import check_file  # noqa: E402
from test_sql_differential import assert_same  # noqa: E402

HEAD = """
plan: t
name: T
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
"""


def compiled_from(tmp_path, text: str, name: str = "plan.yaml"):
    path = tmp_path / name
    path.write_text(HEAD + text)
    checked = check_file(str(path))
    assert checked.ok, [p.text for p in checked.problems.errors]
    compiled = compile_plan(checked)
    assert refusals(compiled) == []
    return compiled


def both(compiled, data: dict, period: str = "2026-Q1"):
    """The SQL engine's result, after checking it against the Python engine's."""
    p = parse_period(period)
    problems: list = []
    tables = load_inline(compiled.plan, data, "t", problems)
    assert not problems, [x.text for x in problems]
    ref = run_plan(compiled, tables, p)
    got = run_sql(compiled, load_inline(compiled.plan, data, "t", []), p)
    assert_same(ref, got)
    assert sum(x.total for x in got.payees) == sum(x.total for x in ref.payees)
    return got


def D(x) -> Decimal:
    return Decimal(str(x))


# ------------------------------------------------------------------ 1. lookups

LOOKUP = """
inputs:
  payees: {key: rep_id, columns: {name: text, region: text, level: integer},
           missing: null}
  deals: {key: deal_id, payee: rep_id, date: close_date,
          columns: {amount: money, product: text, type: text}, missing: null}
credits:
  bookings:
    from: deals
    value: amount * lookup(credit_share, type)
rates:
  product_rates:
    keys: [product, type]
    rows:
      - [hw, new, 10%]
      - [hw, renewal, 4%]
      - [sw, new, 12.5%]
      - [sw, "*", 8%]
      - ["*", "*", 1%]
  credit_share:
    keys: [type]
    rows:
      - [renewal, 50%]
    default: 100%
  region_bonus:
    keys: [region, level]
    rows:
      - [west, 1, 100]
      - [west, 2, 250.5]
      - [east, "*", 75]
earnings:
  commission:
    each: bookings
    value: value * lookup(product_rates, product, type)
  kicker:
    value: lookup(region_bonus, payee.region, payee.level)
"""


def test_lookup_tables_with_wildcards_defaults_and_missing_keys(tmp_path):
    """ann (west, level 2): kicker 250.50.
      D1 hw new 1,000: credit 1,000 x 100% (default) -> 1,000 x 10% = 100.00
      D2 hw renewal 1,000: credit 1,000 x 50% = 500 -> 500 x 4% = 20.00
      D3 sw renewal 999.99: credit 499.995 -> x 8% (sw, *) = 39.9996 -> 40.00
      D4 xx new 300: credit 300 -> no (xx, new), no (xx, *), (*, *) 1% -> 3.00
      D5 hw (no type) 500: the credit is missing (a missing key) -> no line
    ann: 250.50 + 100 + 20 + 40 + 3 = 413.50.
    bob (east, no level): a missing key -> no kicker; D6 sw new 2,000 x 12.5% = 250.00.
    cy (north, level 1): no row, no default -> no kicker; no deals: 0.
    """
    compiled = compiled_from(tmp_path, LOOKUP)
    data = {
        "payees": [{"rep_id": "ann", "name": "Ann", "region": "west", "level": "2"},
                   {"rep_id": "bob", "name": "Bob", "region": "east"},
                   {"rep_id": "cy", "name": "Cy", "region": "north", "level": "1"}],
        "deals": [
            {"deal_id": "D1", "rep_id": "ann", "close_date": "2026-01-05", "amount": "1000",
             "product": "hw", "type": "new"},
            {"deal_id": "D2", "rep_id": "ann", "close_date": "2026-01-06", "amount": "1000",
             "product": "hw", "type": "renewal"},
            {"deal_id": "D3", "rep_id": "ann", "close_date": "2026-02-01", "amount": "999.99",
             "product": "sw", "type": "renewal"},
            {"deal_id": "D4", "rep_id": "ann", "close_date": "2026-02-02", "amount": "300",
             "product": "xx", "type": "new"},
            {"deal_id": "D5", "rep_id": "ann", "close_date": "2026-02-03", "amount": "500",
             "product": "hw"},
            {"deal_id": "D6", "rep_id": "bob", "close_date": "2026-03-01", "amount": "2000",
             "product": "sw", "type": "new"},
        ],
    }
    got = both(compiled, data)
    ann = got.payee("ann")
    assert ann.components == {"commission": D("163.00"), "kicker": D("250.50")}
    assert ann.total == D("413.50")
    assert [ln.amount for ln in ann.lines if ln.component == "commission"] == \
        [D("100.00"), D("20.00"), D("40.00"), D("3.00")]
    assert got.payee("bob").total == D("250.00")
    assert "kicker" not in [ln.component for ln in got.payee("bob").lines]
    assert got.payee("cy").total == D("0")


def test_cs_plan_runs_on_the_sql_engine():
    """plans/cs.yaml (renewal rates by segment, a lookup with a default) is no longer
    refused; its sample data and scenarios are held to the Python engine in
    test_sql_differential (RUNS)."""
    from test_sql_differential import PLANS
    from compplan.engine import load_plan
    assert refusals(load_plan(PLANS / "cs.yaml")) == []
