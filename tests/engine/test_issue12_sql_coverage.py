"""Issue 12 item 3: constructs the SQL engine ran not at all before, held to the Python
engine (the reference). Each test has a small plan, its data, the pay worked out by hand
in a comment, the hand figures asserted on the SQL engine, and both engines giving the
same lines and totals (test_sql_differential.assert_same); and cover.py no longer
refuses the construct.

Issue 13: each test of pay runs on every SQL engine installed here (`sql_engine`:
duckdb, postgres, spark). Spark runs a statement as a job (seconds a run): the rounding
table runs there each mode and each step once (SPARK_ROUNDING), not all 42 pairs, and the
generated splits take fewer examples (engines.examples). DuckDB's alone: its rounding
macro against money.round_to (its SQL text in DuckDB itself).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.ir import compile_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.lang import check_file  # noqa: E402
from engines import SQL_ENGINES, examples, run_folder, run_tables  # noqa: E402
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


def both(compiled, data: dict, period: str = "2026-Q1", engine: str = "duckdb"):
    """SQL engine `engine`'s result, after checking it against the Python engine's."""
    p = parse_period(period)
    problems: list = []
    tables = load_inline(compiled.plan, data, "t", problems)
    assert not problems, [x.text for x in problems]
    ref = run_plan(compiled, tables, p)
    got = run_tables(engine)(compiled, load_inline(compiled.plan, data, "t", []), p)
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


def test_lookup_tables_with_wildcards_defaults_and_missing_keys(tmp_path, sql_engine):
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
    got = both(compiled, data, engine=sql_engine)
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


# ------------------------------------------------------------------ 2. split credits

SPLIT = """
inputs:
  payees: {key: rep_id, manager: manager_id, columns: {name: text, manager_id: text}}

  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  deal_splits: {key: split_id, payee: rep_id, columns: {deal_id: text, share: ratio}}
credits:
  sales:
    from: deals
    value: amount
    split: {from: deal_splits, share: share}
    rollup: {levels: 1}
measures:
  booked: sum(sales)
rates:
  bands:
    basis: sum(sales)
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 20_000, rate: 5%}
      - {rate: 10%}
earnings:
  commission:
    each: sales
    value: tiered(bands)
"""

SPLIT_DATA = {
    "payees": [{"rep_id": "mia", "name": "Mia"},
               {"rep_id": "ann", "name": "Ann", "manager_id": "mia"},
               {"rep_id": "bob", "name": "Bob", "manager_id": "mia"},
               {"rep_id": "cy", "name": "Cy"}],
    "deals": [{"deal_id": "D7", "rep_id": "ann", "close_date": "2026-03-02",
               "amount": "50000"},
              {"deal_id": "D8", "rep_id": "bob", "close_date": "2026-03-05",
               "amount": "1000.01"}],
    "deal_splits": [{"split_id": "S1", "deal_id": "D7", "rep_id": "ann", "share": "0.6"},
                    {"split_id": "S2", "deal_id": "D7", "rep_id": "bob", "share": "0.30"},
                    {"split_id": "S3", "deal_id": "D7", "rep_id": "cy", "share": "0.1"}],
}


def test_split_credits_with_rollups_notes_and_second_sources(tmp_path, sql_engine):
    """D7 50,000 split 60/30/10; D8 (no split rows) is bob's in full.
      ann: 30,000: 20,000 x 5% + 10,000 x 10% = 1,000 + 1,000 = 2,000.00
      bob: 15,000 x 5% = 750.00, then D8 1,000.01 x 5% = 50.0005 -> 50.00: 800.00
      cy: 5,000 x 5% = 250.00
      mia (one level up, ann's and bob's copies, in date then id order): D7@ann
      30,000 (1,000 + 1,000), D7@bob 15,000 at 10% = 1,500, D8@bob 1,000.01 x 10% =
      100.001 -> 100.00: 3,600.00.
    Lines name the split row (inline data counts rows from 1) beside the deal and say
    the share."""
    compiled = compiled_from(tmp_path, SPLIT)
    got = both(compiled, SPLIT_DATA, engine=sql_engine)
    assert {p.payee: p.total for p in got.payees} == {
        "ann": D("2000.00"), "bob": D("800.00"), "cy": D("250.00"), "mia": D("3600.00")}
    ann = got.payee("ann").lines[0]
    assert ann.sources == ["deals:D7", "deal_splits:row 1"]
    assert ann.note == "split share 60%"
    assert [ln.note for ln in got.payee("mia").lines] == [
        "credited through ann; split share 60%", "credited through bob; split share 30%",
        "credited through bob"]
    assert got.payee("cy").lines[0].note == "split share 10%"


def _write_folder(folder, data: dict) -> None:
    import csv
    folder.mkdir()
    for name, rows in data.items():
        cols = list(dict.fromkeys(k for r in rows for k in r))
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            w = csv.DictWriter(fh, cols)
            w.writeheader()
            w.writerows(rows)


def test_split_rows_are_numbered_as_in_the_file_when_duckdb_reads_the_folder(tmp_path,
                                                                             sql_engine):
    """DuckDB reads the CSVs itself (direct.py) and numbers the split rows as the Python
    reader does: the same sources and pay as the reference (PostgreSQL's run reads the
    folder so; Spark reads the deals itself)."""
    from compplan.engine.data import load_folder
    from compplan.engine.sql.direct import read_folder
    compiled = compiled_from(tmp_path, SPLIT)
    folder = tmp_path / "data"
    _write_folder(folder, SPLIT_DATA)
    con = duckdb.connect()
    read_folder(con, compiled.plan, folder)  # plain: DuckDB reads it
    assert con.execute("SELECT _row FROM in_deal_splits ORDER BY _row").fetchall() == \
        [(2,), (3,), (4,)]
    con.close()
    p = parse_period("2026-Q1")
    ref = run_plan(compiled, load_folder(compiled.plan, folder, []), p)
    got = run_folder(sql_engine)(compiled, folder, p)
    assert_same(ref, got)
    assert got.payee("bob").lines[0].sources == ["deals:D7", "deal_splits:row 3"]


def test_split_shares_that_do_not_add_up_are_named_as_the_python_engine_names_them(tmp_path, sql_engine):
    from compplan.errors import CompplanError
    compiled = compiled_from(tmp_path, SPLIT)
    data = {**SPLIT_DATA, "deal_splits": SPLIT_DATA["deal_splits"][:2]}
    p = parse_period("2026-Q1")
    with pytest.raises(CompplanError) as ref:
        run_plan(compiled, load_inline(compiled.plan, data, "t", []), p)
    with pytest.raises(CompplanError) as got:
        run_tables(sql_engine)(compiled, load_inline(compiled.plan, data, "t", []), p)
    assert [x.text for x in got.value.problems] == [x.text for x in ref.value.problems]
    assert "add up to 90%" in got.value.problems[0].text


def _lines_csv(root):
    import csv
    (path,) = list(root.rglob("lines.csv"))
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_split_lines_csv_written_by_duckdb_as_the_python_writer_writes_it(tmp_path,
                                                                          sql_engine):
    """lines.csv by DuckDB's COPY (PostgreSQL's server, DuckDB over Spark's Parquet):
    sources `deals:D7 deal_splits:row 2` and the note `credited through ann; split share
    60%`, as the Python writer has them."""
    from click.testing import CliRunner
    from compplan.cli.main import cli
    compiled_from(tmp_path, SPLIT)
    folder = tmp_path / "data"
    _write_folder(folder, SPLIT_DATA)
    for engine in ("python", sql_engine):
        r = CliRunner().invoke(cli, ["run", str(tmp_path / "plan.yaml"), "--data", str(folder),
                                     "--period", "2026-Q1", "--out", str(tmp_path / engine),
                                     "--engine", engine], catch_exceptions=False)
        assert r.exit_code == 0, r.output
    py, dk = _lines_csv(tmp_path / "python"), _lines_csv(tmp_path / sql_engine)
    assert len(py) == len(dk) == 7
    for x, y in zip(py, dk):
        for col in ("payee", "line", "component", "amount", "sources", "note", "date"):
            assert y[col] == x[col], (x["payee"], x["line"], col)
    assert {(x["sources"], x["note"]) for x in dk if x["payee"] == "mia"} >= {
        ("deals:D7 deal_splits:row 2", "credited through ann; split share 60%")}


# ------------------------------------------------------------------ 3. targets of other spans

SPANS = """
inputs:
  payees: {key: rep_id, columns: {name: text, bonus: money}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money, product: text}}
  quotas: {payee: rep_id, period: period, columns: {amount: money, note: text}, missing: null}
  annual: {payee: rep_id, period: period, columns: {amount: money},
           weights: {1: 10%, 2: 20%, 3: 30%, 4: 40%}, missing: null}
  product_quotas: {payee: rep_id, period: period, by: [product],
                   columns: {product: text, amount: money}, missing: null}
credits:
  bookings: {from: deals, value: amount}
measures:
  booked: sum(bookings)
  quota: quotas.amount
  weighted: annual.amount
  hw_quota: sum(product_quotas.amount where product == "hw")
  hw_booked: sum(bookings where product == "hw")
earnings:
  attainment_bonus:
    when: quotas.amount > 0
    value: payee.bonus * (booked / quotas.amount)
  weighted_bonus:
    when: annual.amount > 0
    value: payee.bonus * 10% * (booked / annual.amount)
  hw_bonus:
    when: hw_quota > 0
    value: payee.bonus * 50% * (hw_booked / hw_quota)
"""


def test_targets_set_for_other_spans_split_or_added_up_by_and_weights(tmp_path, sql_engine):
    """Q1 2026 has 90 days (the year 365).
    ann: a 2026 quota of 365,000 -> 365,000 x 90/365 = 90,000 exactly; 90,000 booked:
      1000 x 100% = 1,000.00. annual 1,000,000 with weights: Q1 10% = 100,000:
      100 x 90,000 / 100,000 = 90.00. product quotas hw: 2026-01 10,000 + 2026-02 20,000
      + 2026-03 30,000 = 60,000 (sw rows not counted); hw booked 30,000: 500 x 50% = 250.00.
      Total 1,340.00.
    bob: a Q1 row 50,000 and a 2026 row: the row for the period wins; 10,000 booked ->
      1000 x 20% = 200.00. annual: a Q2 row only, nothing for Q1 -> no weighted bonus.
      product quotas: 2026 hw 73,000 -> 73,000 x 90/365 = 18,000; hw booked 10,000 ->
      500 x 10,000/18,000 = 277.777... -> 277.78. Total 477.78.
    cy: months 2026-01 and 2026-02 (and 2026-04, another quarter): 7,000 + 7,001.50 =
      14,001.50; the first row's note ('jan') is kept; 14,001.50 booked: 1,000.00.
      A week 2026-W13 (Mar 23-29) inside Q1 adds nothing to cy (in product quotas, sw).
    """
    compiled = compiled_from(tmp_path, SPANS)
    deals = [("D1", "ann", "2026-01-10", "60000", "sw"), ("D2", "ann", "2026-02-10", "30000", "hw"),
             ("D3", "bob", "2026-03-01", "10000", "hw"), ("D4", "cy", "2026-03-31", "14001.50", "sw")]
    data = {
        "payees": [{"rep_id": r, "name": r.title(), "bonus": "1000"} for r in ("ann", "bob", "cy")],
        "deals": [{"deal_id": d, "rep_id": r, "close_date": c, "amount": a, "product": p}
                  for d, r, c, a, p in deals],
        "quotas": [{"rep_id": "ann", "period": "2026", "amount": "365000", "note": "year"},
                   {"rep_id": "bob", "period": "2026", "amount": "999999", "note": "year"},
                   {"rep_id": "bob", "period": "2026-Q1", "amount": "50000", "note": "q1"},
                   {"rep_id": "cy", "period": "2026-01", "amount": "7000", "note": "jan"},
                   {"rep_id": "cy", "period": "2026-02", "amount": "7001.50", "note": "feb"},
                   {"rep_id": "cy", "period": "2026-04", "amount": "5", "note": "apr"}],
        "annual": [{"rep_id": "ann", "period": "2026", "amount": "1000000"},
                   {"rep_id": "bob", "period": "2026-Q2", "amount": "1000"}],
        "product_quotas": [
            {"rep_id": "ann", "period": "2026-01", "product": "hw", "amount": "10000"},
            {"rep_id": "ann", "period": "2026-02", "product": "hw", "amount": "20000"},
            {"rep_id": "ann", "period": "2026-03", "product": "hw", "amount": "30000"},
            {"rep_id": "ann", "period": "2026-Q1", "product": "sw", "amount": "40000"},
            {"rep_id": "bob", "period": "2026", "product": "hw", "amount": "73000"},
            {"rep_id": "cy", "period": "2026-W13", "product": "sw", "amount": "700"}],
    }
    got = both(compiled, data, engine=sql_engine)
    ann, bob, cy = got.payee("ann"), got.payee("bob"), got.payee("cy")
    assert ann.measure_values["quota"] == 90000 and ann.measure_values["weighted"] == 100000
    assert ann.measure_values["hw_quota"] == 60000
    assert ann.components == {"attainment_bonus": D("1000.00"), "weighted_bonus": D("90.00"),
                              "hw_bonus": D("250.00")}
    assert ann.total == D("1340.00")
    assert bob.measure_values["quota"] == 50000 and bob.measure_values["hw_quota"] == 18000
    assert bob.total == D("477.78") and bob.components["weighted_bonus"] == 0
    assert "weighted_bonus" not in {ln.component for ln in bob.lines}
    assert cy.measure_values["quota"] == D("14001.50") and cy.total == D("1000.00")


def test_a_week_across_the_period_edge_counts_by_its_days_inside(tmp_path, sql_engine):
    """A monthly plan: week 2026-W14 (Mon Mar 30 - Sun Apr 5) has 2 of its 7 days in March:
    700 x 2/7 = 200; with 2026-W10 (Mar 2-8) 700 in full: March's target 900.
    900 booked -> 1000 x 100% = 1,000.00."""
    text = SPANS.replace("quotas: {payee: rep_id, period: period, columns: {amount: money, "
                         "note: text}, missing: null}",
                         "quotas: {payee: rep_id, period: period, columns: {amount: money}}")
    path = tmp_path / "plan.yaml"
    path.write_text((HEAD + text).replace("period: quarter", "period: month"))
    compiled = compile_plan(check_file(str(path)))
    data = {"payees": [{"rep_id": "ann", "name": "Ann", "bonus": "1000"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-03-03",
                       "amount": "900", "product": "hw"}],
            "quotas": [{"rep_id": "ann", "period": "2026-W14", "amount": "700"},
                       {"rep_id": "ann", "period": "2026-W10", "amount": "700"}]}
    got = both(compiled, data, "2026-03", engine=sql_engine)
    assert got.payee("ann").measure_values["quota"] == 900
    assert got.payee("ann").components["attainment_bonus"] == D("1000.00")


def test_a_payee_without_any_row_for_the_period_is_named_as_the_python_engine_does(tmp_path, sql_engine):
    from compplan.errors import CompplanError
    text = SPANS.replace("quotas: {payee: rep_id, period: period, columns: {amount: money, "
                         "note: text}, missing: null}",
                         "quotas: {payee: rep_id, period: period, columns: {amount: money}}")
    compiled = compiled_from(tmp_path, text)
    data = {"payees": [{"rep_id": "ann", "name": "Ann", "bonus": "1000"}, {"rep_id": "bob", "name": "Bob", "bonus": "1000"}],
            "quotas": [{"rep_id": "ann", "period": "2026", "amount": "1"},
                       {"rep_id": "bob", "period": "2025", "amount": "1"}]}
    p = parse_period("2026-Q1")
    with pytest.raises(CompplanError) as ref:
        run_plan(compiled, load_inline(compiled.plan, data, "t", []), p)
    with pytest.raises(CompplanError) as got:
        run_tables(sql_engine)(compiled, load_inline(compiled.plan, data, "t", []), p)
    assert [x.text for x in got.value.problems] == [x.text for x in ref.value.problems]
    assert "payee 'bob' has no quotas row for 2026-Q1" in got.value.problems[0].text


# ------------------------------------------------------------------ 4. rounding

ROUNDING = """
rounding: {to: STEP, mode: MODE}
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
earnings:
  commission:
    each: bookings
    value: value * 100%
  bonus:
    value: sum(bookings) * 10%
    cap: 1.234
"""

AMOUNTS = ["2.345", "2.355", "-2.345", "2.341", "0.025", "7.5", "-7.5", "12.4999", "0",
           "-0.004", "162.5", "-137.5"]
# the language reference's table (docs/language.md, section 12), to the cent
TABLE = {"half_up": ["2.35", "2.36", "-2.35", "2.34"],
         "half_even": ["2.34", "2.36", "-2.34", "2.34"],
         "half_down": ["2.34", "2.35", "-2.34", "2.34"],
         "up": ["2.35", "2.36", "-2.35", "2.35"],
         "down": ["2.34", "2.35", "-2.34", "2.34"],
         "ceiling": ["2.35", "2.36", "-2.34", "2.35"],
         "floor": ["2.34", "2.35", "-2.35", "2.34"]}


STEPS = ["0.01", "0.05", "1", "25", "100", "0.001"]
# Spark's share of the 42 (mode, step) pairs: every mode once, every step once (a run
# costs Spark seconds; the rounding SQL is the same text on every engine)
SPARK_ROUNDING = {(m, STEPS[i % len(STEPS)]) for i, m in enumerate(TABLE)}


@pytest.mark.parametrize("mode, step, sql_engine", [
    pytest.param(m, s, e, id=f"{s}-{m}-{e}") for m in TABLE for s in STEPS for e in SQL_ENGINES
    if e != "spark" or (m, s) in SPARK_ROUNDING], indirect=["sql_engine"])
def test_every_rounding_mode_and_step_as_the_python_engine(tmp_path, mode, step, sql_engine):
    """Each deal pays its amount (x 100%), rounded once per line; to the cent the first
    four are the language reference's table. The bonus is 10% of the sum, capped at
    1.234 rounded the same way."""
    compiled = compiled_from(tmp_path, ROUNDING.replace("STEP", step).replace("MODE", mode))
    data = {"payees": [{"rep_id": "ann", "name": "Ann"}],
            "deals": [{"deal_id": f"D{i:02d}", "rep_id": "ann", "close_date": "2026-01-05",
                       "amount": a} for i, a in enumerate(AMOUNTS)]}
    got = both(compiled, data, engine=sql_engine)
    lines = [ln.amount for ln in got.payee("ann").lines if ln.component == "commission"]
    if step == "0.01":
        assert lines[:4] == [D(x) for x in TABLE[mode]]
    from compplan.engine.money import round_to
    assert lines == [round_to(D(a), D(step), mode) for a in AMOUNTS]


def test_sql_rounding_against_money_round_to_on_generated_values():
    """rounding.round_to in DuckDB against compplan.engine.money.round_to: any sign,
    places, step and mode (hypothesis)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from compplan.engine.sql.decimals import MACROS, Num
    from compplan.engine.sql.rounding import round_to as sql_round
    from compplan.engine.money import round_to
    con = duckdb.connect()
    for m in MACROS:
        con.execute(m)

    @settings(max_examples=150, deadline=None)
    @given(v=st.decimals(min_value=D("-1e12"), max_value=D("1e12"), places=6,
                         allow_nan=False, allow_infinity=False),
           step=st.sampled_from(["0.01", "0.05", "0.25", "1", "5", "100", "0.001", "0.1"]),
           mode=st.sampled_from(list(TABLE)))
    def check(v, step, mode):
        x = Num(f"CAST('{v}' AS DECIMAL(38,6))", 6)
        got = con.execute(f"SELECT {sql_round(x, D(step), mode).sql}").fetchone()[0]
        assert got == round_to(v, D(step), mode), (v, step, mode)
    check()


# ------------------------------------------------------------------ 5. caps and floors on the total

TOTAL = """
inputs:
  payees: {key: rep_id, columns: {name: text, target_incentive: money, minimum: money},
           missing: null}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
earnings:
  commission:
    each: bookings
    value: value * 10%
    cap: 1500
  spiff:
    value: 100 * count(bookings where value >= 5000)
total:
  cap: 150% * payee.target_incentive
  floor: payee.minimum
"""


def test_caps_and_floors_on_the_total(tmp_path, sql_engine):
    """ann (TI 1,000 -> total cap 1,500.00): D1 12,000 -> 1,200; D2 5,000 -> 500:
      commission 1,700 capped at 1,500 (a -200 line); spiff 2 x 100 = 200; total
      1,700 > 1,500: a total_cap line of -200; she is paid 1,500.00.
    bob (TI 1,000, minimum 300.005 -> 300.01): D3 999.99 -> 100.00 (99.999); no spiff:
      100.00 < 300.01: a total_floor line of 200.01; paid 300.01.
    cy (no target incentive: the cap is missing and does not apply; no minimum):
      D4 4,000 -> 400.00, paid 400.00, no limit line.
    """
    compiled = compiled_from(tmp_path, TOTAL)
    data = {"payees": [{"rep_id": "ann", "name": "Ann", "target_incentive": "1000"},
                       {"rep_id": "bob", "name": "Bob", "target_incentive": "1000",
                        "minimum": "300.005"},
                       {"rep_id": "cy", "name": "Cy"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-01-05",
                       "amount": "12000"},
                      {"deal_id": "D2", "rep_id": "ann", "close_date": "2026-02-05",
                       "amount": "5000"},
                      {"deal_id": "D3", "rep_id": "bob", "close_date": "2026-02-05",
                       "amount": "999.99"},
                      {"deal_id": "D4", "rep_id": "cy", "close_date": "2026-03-05",
                       "amount": "4000"}]}
    got = both(compiled, data, engine=sql_engine)
    ann, bob, cy = got.payee("ann"), got.payee("bob"), got.payee("cy")
    assert ann.total == D("1500.00")
    assert ann.components == {"commission": D("1500.00"), "spiff": D("200.00"),
                              "total_cap": D("-200.00")}
    assert [(ln.component, ln.kind, ln.amount) for ln in ann.lines][-1] == \
        ("total_cap", "cap", D("-200.00"))
    assert bob.total == D("300.01") and bob.components["total_floor"] == D("200.01")
    assert cy.total == D("400.00") and set(cy.components) == {"commission", "spiff"}


# ------------------------------------------------------------------ 6. prorate by months, correlated where

PRORATE = """
inputs:
  payees: {key: rep_id, start: hired, end: left_on,
           columns: {name: text, hired: date, left_on: date, target: money}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
measures:
  by_months: prorate(payee.target, months)
  by_days: prorate(payee.target)
earnings:
  target_bonus:
    value: prorate(payee.target, months)
  same_day_bonus:
    each: bookings
    value: 50 * count(deals where close_date == bookings.close_date and deal_id != bookings.deal_id)
  bigger_than_me:
    each: bookings
    value: 1% * sum(deals.amount where amount > bookings.value)
"""


def test_prorate_by_months_and_a_where_that_reads_the_credit(tmp_path, sql_engine):
    """Q1 2026: January 31, February 28, March 31 days; each month weighs 1/3.
    ann (all quarter): 20,000 in full. bob (hired 1 March): 1 of 3 months: 20,000 x 1/3
    = 6,666.666... -> 6,666.67 (by days 31/90: 6,888.888...). cy (hired 15 February,
    left 10 March): Feb 14/28 + Mar 10/31 = 0.5 + 0.32258... = 0.82258 of 3 months:
    20,000 x (14/28 + 10/31) / 3 = 20,000 x 51/186 = 5,483.870967... -> 5,483.87.
    dan (left 31 December 2025): 0 months -> 0.00.
    ann's deals: D1 and D2 on 2026-01-05, D3 on 2026-01-06: D1 and D2 each have one
    other deal that day (50.00 each), D3 none (0.00). Bigger than me: D1 1,000: D2
    3,000 is bigger: 30.00; D2: none: 0.00; D3 500: 1,000 + 3,000 -> 40.00.
    ann: 20,000 + 100 + 70 = 20,170.00.
    """
    compiled = compiled_from(tmp_path, PRORATE)
    data = {"payees": [{"rep_id": "ann", "name": "Ann", "target": "20000"},
                       {"rep_id": "bob", "name": "Bob", "target": "20000",
                        "hired": "2026-03-01"},
                       {"rep_id": "cy", "name": "Cy", "target": "20000",
                        "hired": "2026-02-15", "left_on": "2026-03-10"},
                       {"rep_id": "dan", "name": "Dan", "target": "20000",
                        "left_on": "2025-12-31"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-01-05",
                       "amount": "1000"},
                      {"deal_id": "D2", "rep_id": "ann", "close_date": "2026-01-05",
                       "amount": "3000"},
                      {"deal_id": "D3", "rep_id": "ann", "close_date": "2026-01-06",
                       "amount": "500"}]}
    for row in data["payees"]:
        row.setdefault("hired", "")
        row.setdefault("left_on", "")
    got = both(compiled, data, engine=sql_engine)
    pay = {p.payee: p.components["target_bonus"] for p in got.payees}
    assert pay == {"ann": D("20000.00"), "bob": D("6666.67"), "cy": D("5483.87"),
                   "dan": D("0.00")}
    assert abs(got.payee("bob").measure_values["by_days"] - D("6888.8888888888")) < D("1e-9")
    ann = got.payee("ann")
    assert [ln.amount for ln in ann.lines if ln.component == "same_day_bonus"] == \
        [D("50.00"), D("50.00"), D("0.00")]
    assert [ln.amount for ln in ann.lines if ln.component == "bigger_than_me"] == \
        [D("30.00"), D("0.00"), D("40.00")]
    assert ann.total == D("20170.00")


# ------------------------------------------------------------------ generated data

GENERATED = """
rounding: {to: 0.05, mode: half_even}
inputs:
  payees: {key: rep_id, manager: manager_id, columns: {name: text, manager_id: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date,
          columns: {amount: money, type: text}}
  deal_splits: {key: split_id, payee: rep_id, columns: {deal_id: text, share: ratio}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales:
    from: deals
    value: amount * lookup(credit_share, type)
    split: {from: deal_splits, share: share}
    rollup: {levels: all}
measures:
  attainment: sum(sales) / quotas.amount
rates:
  credit_share:
    keys: [type]
    rows:
      - [renewal, 50%]
      - [new, 100%]
    default: 75%
  bands:
    basis: sum(sales) / quotas.amount
    mode: marginal
    at_boundary: lower
    tiers:
      - {to: 50%, rate: 3%}
      - {to: 100%, rate: 6%}
      - {rate: 9.5%}
earnings:
  commission:
    each: sales
    value: tiered(bands)
total:
  cap: 4000
"""


def test_generated_splits_lookups_and_year_quotas_same_on_both_engines(tmp_path, sql_engine):
    """Random deals (ties on dates, negative amounts, four places), random splits whose
    shares add up to 100%, a year's quota split into Q1 by days: the same lines."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    compiled = compiled_from(tmp_path, GENERATED)
    reps = ["ann", "ben", "cy"]
    deal = st.fixed_dictionaries({
        "rep_id": st.sampled_from(reps),
        "close_date": st.sampled_from(["2026-01-05", "2026-02-10", "2026-03-31"]),
        "amount": st.decimals(min_value=D("-5000"), max_value=D("60000"), places=4,
                              allow_nan=False, allow_infinity=False).map(str),
        "type": st.sampled_from(["new", "renewal", "other"])})
    split = st.lists(st.sampled_from(reps), min_size=1, max_size=3, unique=True)

    @settings(max_examples=examples(sql_engine, 25), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(deals=st.lists(deal, max_size=12), splits=st.lists(split, max_size=12),
           quota=st.sampled_from(["365000", "100000.5", "0.01"]))
    def check(deals, splits, quota):
        rows = []
        for i, who in enumerate(splits[:len(deals)]):
            shares = [(D(1) / len(who)).quantize(D("0.0001"))] * len(who)
            shares[-1] = D(1) - sum(shares[:-1])
            rows += [{"split_id": f"S{i}-{j}", "deal_id": f"D{i:02d}", "rep_id": r,
                      "share": str(s)} for j, (r, s) in enumerate(zip(who, shares))]
        data = {"payees": [{"rep_id": "ann", "name": "Ann", "manager_id": "cy"},
                           {"rep_id": "ben", "name": "Ben", "manager_id": "cy"},
                           {"rep_id": "cy", "name": "Cy", "manager_id": ""}],
                "deals": [{**d, "deal_id": f"D{i:02d}"} for i, d in enumerate(deals)],
                "deal_splits": rows,
                "quotas": [{"rep_id": r, "period": "2026", "amount": quota} for r in reps]}
        both(compiled, data, engine=sql_engine)
    check()
