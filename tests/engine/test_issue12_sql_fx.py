"""Issue 12: the SQL engine runs amounts in other currencies and payees paid in theirs, as
the Python engine does (the reference): which rate applies (the most specific row, by
the period or by the deal's date), each converted row's note, and a line paid in another
currency rounded once, in the currency paid. Every field of every line is compared
(tests/engine/test_sql_differential.py's assert_same), and the rounding text and the
payee's currency too.

Issue 13: every test of pay runs on each SQL engine installed here (`sql_engine`: duckdb,
postgres, spark), so these are what test_issue13_postgres_fx_dated.py (gone) reran on
PostgreSQL. DuckDB's alone: lines.csv written by DuckDB's COPY
(test_lines_csv_of_the_sql_engine_shows_each_payees_currency), whose text is its own."""
from __future__ import annotations

import importlib.util
from decimal import Decimal as D
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_folder, load_inline  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.engine.sql.run import lines_query, run_folder  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from engines import run_folder as folder_run, run_tables  # noqa: E402

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("differential", HERE / "test_sql_differential.py")
_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_diff)
assert_same = _diff.assert_same


def same_in_full(ref, got) -> None:
    """assert_same, and what it leaves out: each payee's currency, each line's rounding."""
    assert_same(ref, got)
    for x, y in zip(ref.payees, got.payees):
        assert y.currency == x.currency, x.payee
        for lx, ly in zip(x.lines, y.lines):
            if x.currency != ref.currency:  # the SQL engine's Line carries the converted's
                assert ly.rounding == lx.rounding, f"{x.payee} line {lx.number}"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scenarios_both_ways(tmp_path, text: str, engine: str = "duckdb") -> list:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    compiled = load_plan(path)
    assert refusals(compiled) == []
    out = []
    for sc in compiled.plan.scenarios:
        period = parse_period(sc.period)
        ref = run_plan(compiled, load_inline(compiled.plan, sc.data, sc.name, []), period)
        got = run_tables(engine)(compiled, load_inline(compiled.plan, sc.data, sc.name, []),
                                 period)
        same_in_full(ref, got)
        out.append(got)
    return out


@pytest.mark.parametrize("name", ["test_currency", "test_issue16_currency_rounding"])
def test_issue16_currency_plans_same_on_the_sql_engine(tmp_path, name, sql_engine):
    # the plans of the Python engine's currency tests (their pay worked out by hand
    # there): a EUR deal paid in VND, a USD cap; a line and a cap paid in EUR and GBP
    [got] = _scenarios_both_ways(tmp_path, _module(name).PLAN, sql_engine)
    if name == "test_currency":
        [an] = got.payee("an").lines
        assert an.amount == D("2751238") and got.payee("an").currency == "VND"
        assert an.note == ("amount EUR 1,000.45 x 1.1 = USD 1,100.50; paid in VND: USD "
                           "110.0495 / 0.00004 = 2751237.5 -> VND 2,751,238")
    else:
        assert [ln.amount for ln in got.payee("cy").lines] == [D("333.35"), D("-0.02")]


PLAN = """
plan: fx-sql
name: Euro deals, paid in dollars
period: quarter
currency: GBP
fx: {from: fx_rates, at: date}
inputs:
  payees: {key: rep_id, currency: pay_currency, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, currency: cur,
          columns: {amount: money}}
  fx_rates: {period: period, columns: {currency: text, rate: number}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: amount * 10%}
"""

RATES = ("period,currency,rate\n"
         "2026,EUR,0.80\n"       # the year's budget rate
         "2026-02,EUR,0.85\n"    # February's own: more specific for a February deal
         "2026-Q1,USD,0.75\n"    # one USD is 0.75 GBP in the quarter ...
         "2026,USD,0.70\n")      # ... not the year's 0.70

DEALS = ("deal_id,rep_id,close_date,amount,cur\n"
         "D1,ann,2026-01-20,1000.00,EUR\n"
         "D2,ann,2026-02-10,1000.06,EUR\n"
         "D3,bo,2026-03-05,500.00,EUR\n")


def _folder(tmp_path, rates: str = RATES, deals: str = DEALS):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "payees.csv").write_text("rep_id,name,pay_currency\nann,Ann,USD\nbo,Bo,GBP\n")
    (data / "deals.csv").write_text(deals)
    (data / "fx_rates.csv").write_text(rates)
    return load_plan(tmp_path / "plan.yaml"), data


def test_a_euro_deal_paid_to_a_dollar_payee_at_its_dates_most_specific_rate(tmp_path,
                                                                           sql_engine):
    compiled, data = _folder(tmp_path)
    period = parse_period("2026-Q1")
    ref = run_plan(compiled, load_folder(compiled.plan, data, []), period)
    for got in (run_tables(sql_engine)(compiled, load_folder(compiled.plan, data, []), period),
                folder_run(sql_engine)(compiled, data, period)):
        same_in_full(ref, got)
        ann, bo = got.payee("ann"), got.payee("bo")
        # D1, 20 January: no January row, the year's 0.80: EUR 1,000.00 x 0.80 = GBP
        #     800.00; 10% = 80.00 GBP; ann is paid in USD at the quarter's 0.75 (more
        #     specific than the year's 0.70): 80 / 0.75 = 106.666... -> USD 106.67
        # D2, 10 February: February's 0.85 over the year's: EUR 1,000.06 x 0.85 =
        #     GBP 850.051; 10% = 85.0051 GBP, exact; / 0.75 = 113.340133... -> 113.34
        #     (rounded once: 85.01 GBP first would have paid 85.01 / 0.75 = 113.35)
        assert [ln.amount for ln in ann.lines] == [D("106.67"), D("113.34")]
        assert ann.total == D("220.01") and ann.currency == "USD"
        assert ann.components == {"commission": D("220.01")}
        assert ann.measure_values["booked"] == D("1650.051")
        assert ann.lines[1].note == ("amount EUR 1,000.06 x 0.85 (2026-02) = GBP 850.05; "
                                     "paid in USD: GBP 85.00510 / 0.75 = 113.340133 -> USD "
                                     "113.34")  # 85.00510: 1,000.06 x 0.85 x 0.1, places kept
        assert ann.lines[1].rounding == "113.3401333333333333 -> 113.34 (half up to 0.01)"
        # D3, 5 March: no March row, the year's 0.80: EUR 500.00 x 0.80 = GBP 400.00;
        #     bo is paid in GBP, the plan currency: 10% = 40.00 GBP
        assert [ln.amount for ln in bo.lines] == [D("40.00")] and bo.currency == "GBP"


def test_lines_csv_of_the_sql_engine_shows_each_payees_currency(tmp_path):
    compiled, data = _folder(tmp_path)
    period = parse_period("2026-Q1")
    out = tmp_path / "lines.csv"
    run_folder(compiled, data, period, lines_csv=out)
    rows = out.read_text().splitlines()
    assert "lines_query" and "amount_places" in lines_query(compiled)
    # ann's lines at USD's cents, rounded once from the GBP line's exact value
    assert rows[1].startswith("ann,1,commission,credit,106.67,")
    assert "106.6666666666666667 -> 106.67 (half up to 0.01)" in rows[1]
    assert rows[3].startswith("bo,1,commission,credit,40.00,")


@pytest.mark.parametrize("rates,at,period,expected", [
    # the month's row wins over the year's, in either order (issue 16 item 7):
    # (1,000.00 + 2,000.00) x 1.10 = 3,300.00; 10% = 330.00
    ("period,currency,rate\n2026,EUR,1.50\n2026-03,EUR,1.10\n", "", "2026-03", "330.00"),
    ("period,currency,rate\n2026-03,EUR,1.10\n2026,EUR,1.50\n", "", "2026-03", "330.00"),
    # daily rates, at the period: their March average (1.10 + 1.20 + 1.30) / 3 = 1.20:
    # 3,000.00 x 1.20 x 10% = 360.00
    ("date,currency,rate\n2026-02-27,EUR,1.00\n2026-03-13,EUR,1.20\n2026-03-02,EUR,1.10\n"
     "2026-03-31,EUR,1.30\n", "", "2026-03", "360.00"),
    # daily rates, at the date: D1 2 March 1.10 -> 110.00; D2 16 March has no rate, the
    # 13th's 1.20 -> 240.00; 350.00
    ("date,currency,rate\n2026-02-27,EUR,1.00\n2026-03-13,EUR,1.20\n2026-03-02,EUR,1.10\n"
     "2026-03-31,EUR,1.30\n", "date", "2026-03", "350.00"),
], ids=["year-first", "month-first", "daily-average", "daily-by-date"])
def test_issue16_rate_choice_same_on_the_sql_engine(tmp_path, rates, at, period, expected,
                                                   sql_engine):
    text = PLAN.replace("currency: pay_currency, ", "").replace(
        "period: quarter", "period: month").replace("currency: GBP", "currency: USD")
    if not at:
        text = text.replace(", at: date", "")
    if rates.startswith("date"):
        text = text.replace("fx_rates: {period: period,", "fx_rates: {date: date,")
    (tmp_path / "plan.yaml").write_text(text)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,cur\n"
                                    "D1,ann,2026-03-02,1000.00,EUR\n"
                                    "D2,ann,2026-03-16,2000.00,EUR\n")
    (data / "fx_rates.csv").write_text(rates)
    compiled = load_plan(tmp_path / "plan.yaml")
    p = parse_period(period)
    ref = run_plan(compiled, load_folder(compiled.plan, data, []), p)
    got = folder_run(sql_engine)(compiled, data, p)
    same_in_full(ref, got)
    assert got.payee("ann").total == D(expected)


def test_a_missing_rate_is_the_python_engines_problem_at_file_row(tmp_path, sql_engine):
    # no USD row for the quarter or the year: ann cannot be paid; no rate for EUR on
    # 2026-01-20 either (only February's): both named, as prepare names them
    compiled, data = _folder(tmp_path, "period,currency,rate\n2026-02,EUR,0.85\n")
    with pytest.raises(CompplanError) as e:
        folder_run(sql_engine)(compiled, data, parse_period("2026-Q1"))
    found = sorted((p.where, p.code) for p in e.value.problems)
    assert found == sorted([(f"{data / 'deals.csv'}:2", "missing-rate"),
                            (f"{data / 'deals.csv'}:4", "missing-rate"),
                            (f"{data / 'payees.csv'}:2", "missing-rate")])
