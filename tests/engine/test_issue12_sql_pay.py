"""The pay stage and windows in time on the SQL engine (issue 12): holds, draws,
clawbacks, year-to-date payouts, ytd() and trailing().

Each test runs the Python engine (the reference) and the SQL engine on the same plan and
data and holds them to the same lines, every field exact, the same totals and warnings;
the pay is worked out by hand beside it. Across periods, each engine saves, approves and
pays month after month into a store of its own (SQLite), and the stored lines of every
run must be the same, fingerprints included.

Issue 13: every test runs on each SQL engine installed here (`sql_engine`: duckdb,
postgres, spark; the stores are SQLite, the engine's lines sent to it in batches). Spark
runs a statement as a job (seconds a run): of the draws' six (basis, month) cases it
runs the year-to-date three, which work out the earlier months on it too (SPARK_DRAWS),
and of the windows over rollups one month of three (April: a new quarter's windows).
The refusal of a target in a window's where is the compiler's, the same for every
engine, and is not repeated."""
from __future__ import annotations

import csv
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.engine.standalone import run_standalone  # noqa: E402
from compplan.periods import parse_period  # noqa: E402
from compplan.store import lifecycle, open_store  # noqa: E402
from compplan.store.models import LineItem  # noqa: E402
from engines import SQL_ENGINES, assert_same_stored, run_tables, stored_lines  # noqa: E402
from engines import run_standalone as engine_standalone  # noqa: E402

from tests.engine.test_sql_differential import assert_same  # noqa: E402


def _plan(tmp_path: Path, text: str):
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    compiled = load_plan(path)
    assert refusals(compiled) == []  # the SQL engine runs it
    return compiled


def _both(compiled, run_ref, run_sql_fn, period: str | None = None):
    """The reference and the SQL engine's result of the plan's first scenario."""
    sc = compiled.plan.scenarios[0]
    p = parse_period(period or sc.period)
    ref = run_ref(compiled, load_inline(compiled.plan, sc.data, sc.name, []), p)
    got = run_sql_fn(compiled, load_inline(compiled.plan, sc.data, sc.name, []), p)
    assert_same(ref, got)
    assert [list(x.components) for x in got.payees] == [list(x.components) for x in ref.payees]
    assert [(w.file, w.line, w.col, w.message) for w in got.warnings] == \
        [(w.file, w.line, w.col, w.message) for w in ref.warnings]
    assert sum(x.total for x in got.payees) == sum(x.total for x in ref.payees)
    return ref, got


# ------------------------------------------------------------------ holds
HOLDS = """
plan: held
name: Held back
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, manager_id: text}, manager: manager_id}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, type: text, invoice_paid: boolean}}
credits:
  sales: {from: deals, value: amount, rollup: {levels: 1}}
measures:
  booked: sum(sales)
earnings:
  commission:
    each: sales
    value: value * 10%
    cap: 2500
    hold: {share: 50% if type == "renewal" else 30%, until: invoice_paid}
  bonus:
    when: booked > 10000
    value: 333.33
    hold: {share: 1/3, periods: 2}
TOTAL
scenarios:
  - name: March
    period: 2026-03
    data:
      payees: [{rep_id: ann, name: Ann, manager_id: mo}, {rep_id: bob, name: Bob,
               manager_id: mo}, {rep_id: mo, name: Mo}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-03-01, amount: 30000, type: new}
        - {deal_id: D2, rep_id: ann, close_date: 2026-03-05, amount: 33333.33, type: renewal}
        - {deal_id: D3, rep_id: bob, close_date: 2026-03-05, amount: 1234.57, type: new}
        - {deal_id: D4, rep_id: bob, close_date: 2026-03-06, amount: -500, type: new}
"""


@pytest.mark.parametrize("total", ["", "total:\n  cap: 1700"], ids=["", "total_cap"])
def test_issue12_holds_after_a_cap_per_credit_and_per_payee(tmp_path, total, sql_engine):
    compiled = _plan(tmp_path, HOLDS.replace("TOTAL", total))
    ref, got = _both(compiled, run_plan, run_tables(sql_engine))
    ann = got.payee("ann")
    # ann: 3,000.00 + 3,333.33 = 6,333.33 earned, capped at 2,500 (-3,833.33); each line
    # counts for 2,500 / 6,333.33 of itself: D1 3,000 x 2,500 / 6,333.33 x 30% =
    # 355.2633... -> 355.26; D2 (a renewal, 50%) 3,333.33 x 2,500 / 6,333.33 x 50% =
    # 657.8944... -> 657.89; the bonus 333.33 x 1/3 = 111.11 held for 2 periods
    held = [(ln.amount, ln.formula) for ln in ann.lines if ln.kind == "hold"]
    assert held == [
        (D("-355.26"), "3,000.00 x 2,500.00 / 6,333.33 x 30% held until invoice_paid"),
        (D("-657.89"), "3,333.33 x 2,500.00 / 6,333.33 x 50% held until invoice_paid"),
        (D("-111.11"), "333.33 x 33.3333% held for 2 periods")]
    assert ann.components["held"] == D("-1124.26")
    # bob's -500 deal pays -50.00 and holds nothing; D3: 123.46 x 30% = 37.038 -> 37.04
    assert got.payee("bob").components["held"] == D("-37.04")
    # ann: 2,500 - 1,124.26 + 333.33 = 1,709.07; mo (both reps' deals rolled up):
    # 2,500 - (351.19 + 650.35 + 14.45 + 111.11) + 333.33 = 1,706.23
    if not total:
        assert (ann.total, got.payee("mo").total) == (D("1709.07"), D("1706.23"))
    else:  # the held lines count in the total capped at 1,700: -9.07 and -6.23
        assert ann.components["total_cap"] == D("-9.07")
        assert got.payee("mo").components["total_cap"] == D("-6.23")
        assert (ann.total, got.payee("mo").total) == (D("1700.00"), D("1700.00"))


# ------------------------------------------------------------------ windows
WINDOWS = """
plan: windows
name: Year to date and trailing
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  booked_ytd: ytd(sum(sales))
  quota_ytd: ytd(quotas.amount)
  t3: trailing(sum(sales), 3 months)
earnings:
  ytd_bonus:
    when: booked_ytd >= quota_ytd
    value: booked_ytd * 1%
  run_rate: {value: "trailing(sum(sales), 3 months) / 3 * 2%"}
scenarios:
  - name: March
    period: 2026-03
    data:
      payees: [{rep_id: ann, name: Ann}, {rep_id: cy, name: Cy}]
      deals:
        - {deal_id: D0, rep_id: ann, close_date: 2025-12-20, amount: 9000}
        - {deal_id: D1, rep_id: ann, close_date: 2026-01-20, amount: 12000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-03-02, amount: 6000}
        - {deal_id: D3, rep_id: cy, close_date: 2026-01-05, amount: 3000}
        - {deal_id: D4, rep_id: ann, close_date: 2026-04-01, amount: 50000}
      quotas:
        - {rep_id: ann, period: 2026-01, amount: 5000}
        - {rep_id: ann, period: 2026-02, amount: 5000}
        - {rep_id: ann, period: 2026-03, amount: 7500}
        - {rep_id: cy, period: 2026, amount: 36500}
"""


def test_issue12_ytd_and_trailing_windows(tmp_path, sql_engine):
    compiled = _plan(tmp_path, WINDOWS)
    ref, got = _both(compiled, run_plan, run_tables(sql_engine))
    ann, cy = got.payee("ann"), got.payee("cy")
    # ann, year to date: 12,000 + 6,000 = 18,000 against 5,000 + 5,000 + 7,500 =
    # 17,500: the bonus pays 18,000 x 1% = 180.00; the trailing 3 months (2026-01-01 to
    # 2026-03-31): 18,000 / 3 x 2% = 120.00 (December's D0 and April's D4 are outside)
    assert ann.measure_values["quota_ytd"] == D("17500")
    assert ann.components == {"ytd_bonus": D("180.00"), "run_rate": D("120.00")}
    [rate] = [ln for ln in ann.lines if ln.component == "run_rate"]
    assert rate.formula == "trailing 3 months (2026-01-01 to 2026-03-31) 18,000.00 / 3 x 2%" \
                           " = 120.00"
    # cy closed nothing in March, only in January: paid all the same on the windows;
    # the year's 36,500 to March 31 is 36,500 x 90 / 365 = 9,000 > 3,000: no bonus;
    # 3,000 / 3 x 2% = 20.00
    assert cy.measure_values["quota_ytd"] == D("9000")
    assert cy.components == {"ytd_bonus": D("0"), "run_rate": D("20.00")}
    assert cy.warnings == []  # its credits are in the windows' sets: not 'no credits'


WIDE = """
plan: wide
name: Wide windows
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, manager_id: text}, manager: manager_id}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, kind: text}}
  meetings: {key: meeting_id, payee: rep_id, date: day, columns: {held: boolean}}
  targets: {payee: rep_id, period: period, by: [product],
            columns: {product: text, amount: money}}
credits:
  sales: {from: deals, value: amount, when: kind != "void", rollup: {levels: 1}}
measures:
  booked: sum(sales)
  ytd_big: ytd(sum(sales where value > 1000))
  q_meet: qtd(count(meetings where held))
  t_targets: ytd(sum(targets.amount where product == "a"))
  ly: last_year(max(sales))
  avg6: trailing(avg(sales), 6 months)
earnings:
  bonus: {value: "ytd_big * 1% + coalesce(ly, 0) * 0.5% + t_targets * 0.1%"}
  meet: {value: q_meet * 10}
  kick:
    each: sales
    value: value * 1% if mtd(sum(sales)) > 2000 else 0
scenarios:
  - name: m
    period: 2026-05
    data:
      payees: [{rep_id: ann, name: Ann, manager_id: mo}, {rep_id: mo, name: Mo},
               {rep_id: zed, name: Zed}]
      deals:
        - {deal_id: D0, rep_id: ann, close_date: 2025-05-20, amount: 7000, kind: new}
        - {deal_id: D1, rep_id: ann, close_date: 2026-01-20, amount: 1200, kind: new}
        - {deal_id: D2, rep_id: ann, close_date: 2026-04-05, amount: 800, kind: void}
        - {deal_id: D3, rep_id: ann, close_date: 2026-05-05, amount: 2500, kind: new}
        - {deal_id: D4, rep_id: ann, amount: 333.33, kind: new}
        - {deal_id: D5, rep_id: zed, close_date: 2026-02-05, amount: 5000, kind: new}
      meetings:
        - {meeting_id: M1, rep_id: ann, day: 2026-04-02, held: true}
        - {meeting_id: M2, rep_id: ann, day: 2026-05-02, held: false}
        - {meeting_id: M3, rep_id: mo, day: 2026-03-31, held: true}
      targets:
        - {rep_id: ann, period: 2026-01, product: a, amount: 1000}
        - {rep_id: ann, period: 2026-Q2, product: a, amount: 3000}
        - {rep_id: ann, period: 2026-Q2, product: b, amount: 9000}
"""


@pytest.mark.parametrize("month, sql_engine", [
    pytest.param(m, e, id=f"{m}-{e}") for m in ("2026-02", "2026-04", "2026-05")
    for e in SQL_ENGINES if e != "spark" or m == "2026-04"], indirect=["sql_engine"])
def test_issue12_windows_over_rollups_raw_rows_and_targets_by_key(tmp_path, month, sql_engine):
    """Every kind of window argument: credits with a `when` and a rollup, a transaction
    table with a `where`, targets by product, max() and avg(); undated rows; mtd() in
    a per-credit rule."""
    compiled = _plan(tmp_path, WIDE)
    ref, got = _both(compiled, run_plan, run_tables(sql_engine), month)
    if month == "2026-05":
        ann = got.payee("ann").measure_values
        # the year to May: D1 1,200 and D3 2,500 above 1,000 (D2 is void, D4 333.33
        # undated counts in the period but is not above 1,000): 3,700
        assert ann["ytd_big"] == D("3700")
        # product a: January 1,000 + Q2's 3,000 x 61 / 91 days (April and May) =
        # 3,010.989...
        assert ann["t_targets"].quantize(D("0.01")) == D("3010.99")
        # May 2025: D0 7,000; 2025-12-01 to 2026-05-31: (1,200 + 2,500 + 333.33) / 3
        assert (ann["ly"], ann["avg6"].quantize(D("0.01"))) == (D("7000"), D("1344.44"))
        # the manager reads the rolled-up credits of the same windows
        assert got.payee("mo").measure_values["ytd_big"] == D("3700")


# ------------------------------------------------------------------ draws, year to date
DRAWS = """
plan: drawn
name: Drawn
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, start: date, guarantee: money}, start: start}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
payout:
  BASIS
  draw: {amount: payee.guarantee / 3, recoverable: true, periods: 3}
scenarios:
  - name: the first quarter
    period: 2026-01
    data:
      payees: [{rep_id: ann, name: Ann, start: 2026-01-15, guarantee: 5000},
               {rep_id: bob, name: Bob, start: 2026-05-01, guarantee: 3000}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-01-20, amount: 3000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-02-05, amount: 40000}
        - {deal_id: D3, rep_id: ann, close_date: 2026-03-05, amount: 12000}
"""


SPARK_DRAWS = {"year_to_date"}  # the bases Spark runs (see the module's docstring)


@pytest.mark.parametrize("basis, month, sql_engine", [
    pytest.param(b, m, e, id=f"{m}-{b}-{e}") for b in ("period", "year_to_date")
    for m in ("2026-01", "2026-02", "2026-03") for e in SQL_ENGINES
    if e != "spark" or b in SPARK_DRAWS], indirect=["sql_engine"])
def test_issue12_draws_and_year_to_date_without_a_store(tmp_path, basis, month, sql_engine):
    compiled = _plan(tmp_path, DRAWS.replace("BASIS", f"basis: {basis}"))
    ref, got = _both(compiled, run_standalone, engine_standalone(sql_engine), month)
    ann = got.payee("ann")
    assert got.payee("bob").total == 0  # starts in May: no draw yet
    # the draw: 5,000 / 3 = 1,666.666... -> 1,666.67 a month for ann's first 3 months
    if month == "2026-01":  # 300.00 earned, topped up by 1,366.67
        assert ann.components == {"commission": D("300.00"), "draw": D("1366.67")}
    elif basis == "period" and month == "2026-02":
        # 4,000 earned; without a store the balance of January is not known (a warning)
        assert ann.components == {"commission": D("4000.00")}
        assert any(w.code == "no-history" for w in got.warnings)
    elif basis == "year_to_date" and month == "2026-02":
        # the year: 4,300 earned, less January as the data pays it (1,666.67 with its
        # draw); 2,633.33 due, the draw's balance 1,366.67 recovered from what is above
        # the draw: min(1,366.67, 2,633.33 - 1,666.67 = 966.66) = 966.66
        assert ann.components == {"commission": D("4300.00"), "paid_earlier": D("-1666.67"),
                                  "draw": D("-966.66")}
        assert ann.total == D("1666.67")
    elif basis == "year_to_date":
        # March: 5,500 earned; January and February paid 1,666.67 each (3,333.34);
        # 2,166.66 due, 400.01 of the balance left (1,366.67 - 966.66) recovered
        assert ann.components == {"commission": D("5500.00"), "paid_earlier": D("-3333.34"),
                                  "draw": D("-400.01")}
    else:  # March, by period: 1,200 earned, topped up by 466.67
        assert ann.components == {"commission": D("1200.00"), "draw": D("466.67")}


# ------------------------------------------------------------------ across periods
STORE_PLAN = """
plan: monthly
name: Monthly commission
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, missing: null,
          columns: {amount: money, status: text, cancel_date: date, invoice_paid: boolean}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission:
    each: sales
    value: amount * 10%
    hold: {share: 30%, until: invoice_paid}
clawbacks:
  cancelled:
    from: deals
    when: status == "cancelled"
    share: 100% if days_between(close_date, cancel_date) <= 90 else 50%
payout:
  draw: {amount: 500, recoverable: true}
"""
HEADER = "deal_id,rep_id,close_date,amount,status,cancel_date,invoice_paid\n"
STORED = ("number", "component", "kind", "amount", "exact", "formula", "rule", "sources",
          "inputs", "tiers", "basis_before", "basis_after", "rounding", "date", "note", "key")


class Books:
    """The same plan and data folder, saved, approved and paid month by month by each
    engine into its own store; every run's stored lines compared."""

    def __init__(self, tmp: Path, engine: str):
        self.dir = tmp
        self.engine = engine
        (tmp / "data").mkdir()
        (tmp / "plan.yaml").write_text(STORE_PLAN)
        (tmp / "data" / "payees.csv").write_text("rep_id,name\nann,Ann\n")
        self.compiled = load_plan(tmp / "plan.yaml")
        assert refusals(self.compiled) == []
        self.stores = {e: open_store(f"sqlite:///{tmp / (e + '.db')}")
                       for e in ("python", engine)}
        self.deals: dict[str, str] = {}

    def deal(self, line: str) -> None:
        self.deals[line.split(",")[0]] = line

    def pay(self, period: str) -> dict:
        (self.dir / "data" / "deals.csv").write_text(
            HEADER + "".join(d + "\n" for d in self.deals.values()))
        runs, lines = {}, {}
        for engine, store in self.stores.items():
            saved = lifecycle.save_run(store, self.compiled, self.dir / "data", period, "fin",
                                       engine=engine)
            lifecycle.approve(store, saved.run.id, "controller")
            lifecycle.mark_paid(store, saved.run.id, "payroll")
            runs[engine] = saved
            with store.session() as s:
                lines[engine] = [tuple(getattr(li, f) for f in STORED) for li in s.execute(
                    select(LineItem).where(LineItem.run_id == saved.run.id).order_by(
                        LineItem.payee, LineItem.number)).scalars()]
        sql = self.engine
        if sql == "duckdb":  # the same stored values, text for text
            assert lines[sql] == lines["python"]
        else:  # as verify reads them: numbers as numbers, JSON as what it says
            assert_same_stored(*(stored_lines(self.stores[e], runs[e].run.id)
                                 for e in ("python", sql)))
        assert runs[sql].run.fingerprint == runs["python"].run.fingerprint
        ann = runs[sql].result.payee("ann")
        assert ann.total == runs["python"].result.payee("ann").total
        return {**{k: v for k, v in ann.components.items() if v}, "total": ann.total}

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


def test_issue12_a_hold_released_a_draw_recovered_a_deal_clawed_back_on_both_engines(
        tmp_path, sql_engine):
    book = Books(tmp_path, sql_engine)
    try:
        book.deal("D1,ann,2026-01-10,10000,open,,false")
        book.deal("D2,ann,2026-01-12,2000,open,,true")
        # January: 1,000 + 200 earned; 30% held: 300 + 60 = 360; 840 due, the draw 500
        # is met
        assert book.pay("2026-01") == {"commission": D("1200.00"), "held": D("-360.00"),
                                       "total": D("840.00")}
        book.deal("D3,ann,2026-02-03,1000,open,,false")
        # February: 100 earned, 30 held; D2's 60 released (its invoice was paid when
        # January was saved: a hold is released by a later run); 100 - 30 + 60 = 130
        # due, topped up by 370 to the draw of 500 (a balance of 370 to recover)
        assert book.pay("2026-02") == {"commission": D("100.00"), "held": D("-30.00"),
                                       "released": D("60.00"), "draw": D("370.00"),
                                       "total": D("500.00")}
        book.deal("D1,ann,2026-01-10,10000,open,,true")  # D1's invoice is paid
        book.deal("D4,ann,2026-03-02,9000,open,,false")
        book.deal("D2,ann,2026-01-12,2000,cancelled,2026-03-20,true")  # 67 days
        # March: D4 900 earned, 270 held; D1's 300 released; D2 cancelled within 90
        # days: the 200 paid on it in January comes back; 900 - 270 + 300 - 200 = 730
        # due, min(370, 730 - 500) = 230 of the balance recovered: 500 paid
        assert book.pay("2026-03") == {"commission": D("900.00"), "held": D("-270.00"),
                                       "released": D("300.00"), "clawback": D("-200.00"),
                                       "draw": D("-230.00"), "total": D("500.00")}
        # April: nothing new; 140 of the balance is left and nothing is due above the
        # draw: topped up by 500 (the balance grows to 640)
        assert book.pay("2026-04") == {"draw": D("500.00"), "total": D("500.00")}
    finally:
        book.close()


YTD_STORE = """
plan: annual
name: Annual quota, paid quarterly
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  attainment: booked / quotas.amount
rates:
  tiers:
    basis: attainment
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100%, rate: 5%}
      - {rate: 10%}
earnings:
  commission: {value: "tiered(tiers, booked)"}
payout:
  basis: year_to_date
"""


def test_issue12_a_year_to_date_plan_saved_on_both_engines(tmp_path, sql_engine):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "quotas.csv").write_text(
        "rep_id,period,amount\nann,2026-Q1,100000\nann,2026-Q2,100000\n")
    saved = {}
    for engine in ("python", sql_engine):
        (tmp_path / "plan.yaml").write_text(YTD_STORE)
        (tmp_path / "data" / "payees.csv").write_text("rep_id,name\nann,Ann\n")
        compiled = load_plan(tmp_path / "plan.yaml")
        assert refusals(compiled) == []
        store = open_store(f"sqlite:///{tmp_path / (engine + '.db')}")
        try:
            out = []
            for period, deals in (("2026-Q1", "D1,ann,2026-02-10,80000\n"),
                                  ("2026-Q2", "D1,ann,2026-02-10,80000\n"
                                              "D2,ann,2026-05-10,150000\n")):
                (tmp_path / "data" / "deals.csv").write_text(
                    "deal_id,rep_id,close_date,amount\n" + deals)
                s = lifecycle.save_run(store, compiled, tmp_path / "data", period, "fin",
                                       engine=engine)
                lifecycle.approve(store, s.run.id, "c")
                lifecycle.mark_paid(store, s.run.id, "p")
                ann = s.result.payee("ann")
                out.append(({k: v for k, v in ann.components.items() if v}, ann.total,
                            s.run.fingerprint))
            saved[engine] = out
        finally:
            store.close()
    assert saved[sql_engine] == saved["python"]
    # Q1: 80,000 of 100,000 at 5%: 4,000; Q2, the year so far: 230,000 of 200,000:
    # 200,000 x 5% + 30,000 x 10% = 13,000, less the 4,000 paid for Q1: 9,000
    assert [(c, t) for c, t, _f in saved[sql_engine]] == [
        ({"commission": D("4000.00")}, D("4000.00")),
        ({"commission": D("13000.00"), "paid_earlier": D("-4000.00")}, D("9000.00"))]


# ------------------------------------------------------------------ the command line
def test_issue12_run_on_duckdb_writes_the_pay_stage_lines_after_its_own(tmp_path, sql_engine):
    from click.testing import CliRunner
    from compplan.cli.main import cli as main
    (tmp_path / "plan.yaml").write_text(DRAWS.replace("BASIS", "basis: period"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,start,guarantee\nann,Ann,2026-01-15,5000\n"
                                     "bob,Bob,2026-01-01,300\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-01-20,3000\nD2,bob,2026-01-21,9000\n")
    rows = {}
    for engine in ("python", sql_engine):
        out = tmp_path / engine
        r = CliRunner().invoke(main, ["run", str(tmp_path / "plan.yaml"), "--data", str(data),
                                      "--period", "2026-01", "--out", str(out), "--engine",
                                      engine, "-q"])
        assert r.exit_code == 0, r.output
        with (out / "drawn" / "2026-01" / "lines.csv").open(newline="") as fh:
            rows[engine] = sorted(csv.DictReader(fh),
                                  key=lambda x: (x["payee"], int(x["line"])))
    # ann: 300.00 earned, the draw 1,666.67 tops it up by 1,366.67 (line 2); bob: 900.00
    # above his draw of 100.00: no draw line
    assert [(x["payee"], x["line"], x["component"], x["amount"]) for x in rows[sql_engine]] == [
        ("ann", "1", "commission", "300.00"), ("ann", "2", "draw", "1366.67"),
        ("bob", "1", "commission", "900.00")]
    assert [x["formula"] for x in rows[sql_engine]] == [x["formula"] for x in rows["python"]]


def test_issue12_a_target_read_in_a_windows_where_is_refused_at_its_place(tmp_path):
    """Inside a window the Python engine reads a target over the window's days; the SQL
    engine does not yet, so it refuses the plan there (and `run` falls back), never
    paying otherwise."""
    from compplan.engine.sql import script_text
    from compplan.errors import CompplanError
    text = WINDOWS.replace("  booked_ytd: ytd(sum(sales))",
                           "  booked_ytd: ytd(sum(sales where value > quotas.amount))")
    compiled = _plan(tmp_path, text)
    with pytest.raises(CompplanError) as e:
        script_text(compiled, parse_period("2026-03"))
    [p] = e.value.problems
    line = text.split("\n").index("  booked_ytd: ytd(sum(sales where value > quotas.amount))")
    assert (p.line, p.col) == (line + 1, len("  booked_ytd: ytd(") + 1)
    assert p.message == "the SQL engine does not run a target in a 'where' in ytd() yet"
