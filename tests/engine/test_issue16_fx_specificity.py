"""Issue 16 item 7: the most specific exchange rate wins, whatever the order of the rows;
two rows for the same currency and span are a data error at FILE:ROW. And rates by date
(`fx.at: date`): a deal converted at its close date's rate, or the period's average."""
from decimal import Decimal as D

import pytest

from compplan.engine import load_plan, parse_period, run_files
from compplan.engine.validate import validate_data
from compplan.errors import CompplanError

PLAN = """
plan: fx-specific
name: Euro deals
period: month
currency: USD
fx: {from: fx_rates%(at)s}
inputs:
  deals: {key: deal_id, payee: rep_id, date: close_date, currency: cur,
          columns: {amount: money}}
  fx_rates: {%(span)s, columns: {currency: text, rate: number}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: amount * 10%%}
"""

DEALS = ("deal_id,rep_id,close_date,amount,cur\n"
         "D1,ann,2026-03-02,1000.00,EUR\n"
         "D2,ann,2026-03-16,2000.00,EUR\n")


def _write(tmp_path, rates: str, at: str = "", span: str = "period: period"):
    (tmp_path / "plan.yaml").write_text(PLAN % {"at": at, "span": span})
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "deals.csv").write_text(DEALS)
    (data / "fx_rates.csv").write_text(rates)
    return tmp_path / "plan.yaml", data


YEAR = "2026,EUR,1.50\n"
MONTH = "2026-03,EUR,1.10\n"


@pytest.mark.parametrize("rows", [YEAR + MONTH, MONTH + YEAR], ids=["year-first", "month-first"])
def test_issue16_item7_the_months_rate_wins_over_the_years_in_either_order(tmp_path, rows):
    plan, data = _write(tmp_path, "period,currency,rate\n" + rows)
    ann = run_files(plan, data, "2026-03").payee("ann")
    # March's own row (1.10), not the year's budget rate (1.50), in both orders:
    # (1,000.00 + 2,000.00) x 1.10 = 3,300.00 booked; 10% of each: 110.00 + 220.00
    assert ann.measure_values["booked"] == D("3300.0000")
    assert ann.total == D("330.00")
    # April has no row of its own: the year's 1.50 holds; 0 deals in April, but the
    # period's rate is the year's
    compiled = load_plan(plan)
    from compplan.engine.data import load_folder
    from compplan.engine.prepare import prepare
    tables = load_folder(compiled.plan, data, [])
    assert prepare(compiled, tables, parse_period("2026-04")).rates["EUR"] == D("1.50")


def test_issue16_item7_two_rows_for_one_month_are_a_data_error_at_file_row(tmp_path):
    plan, data = _write(tmp_path, "period,currency,rate\n" + MONTH + YEAR + "2026-03,eur,1.2\n")
    with pytest.raises(CompplanError) as e:
        run_files(plan, data, "2026-03")
    [p] = e.value.problems
    assert (p.where, p.code) == (f"{data / 'fx_rates.csv'}:4", "duplicate-rate")
    assert p.text == "column period: a second EUR rate for 2026-03 (the first is at row 2)"
    # validate says so too, as an error
    found = validate_data(load_plan(plan), data, parse_period("2026-03"))
    assert [(x.where, x.severity, x.code) for x in found if x.code == "duplicate-rate"] == [
        (f"{data / 'fx_rates.csv'}:4", "error", "duplicate-rate")]


DAILY = ("date,currency,rate\n"
         "2026-02-27,EUR,1.00\n"
         "2026-03-13,EUR,1.20\n"   # a Friday: D2's Monday 16th has no rate of its own
         "2026-03-02,EUR,1.10\n"
         "2026-03-31,EUR,1.30\n")


def test_issue16_fx_by_date_converts_each_deal_at_its_close_dates_rate(tmp_path):
    plan, data = _write(tmp_path, DAILY, at=", at: date", span="date: date")
    ann = run_files(plan, data, "2026-03").payee("ann")
    # D1 closed 2026-03-02: its own day's 1.10 -> 1,000.00 x 1.10 = 1,100.00, pays 110.00
    # D2 closed 2026-03-16 (no rate that day): the last before it, 13th's 1.20
    #    -> 2,000.00 x 1.20 = 2,400.00, pays 240.00
    assert [ln.amount for ln in ann.lines] == [D("110.00"), D("240.00")]
    assert ann.total == D("350.00")
    assert "x 1.20 (of 2026-03-13)" in ann.lines[1].note


def test_issue16_fx_by_period_on_daily_rates_is_the_periods_average(tmp_path):
    plan, data = _write(tmp_path, DAILY, span="date: date")
    ann = run_files(plan, data, "2026-03").payee("ann")
    # the average of March's three daily rates (Feb 27th is not March's):
    # (1.10 + 1.20 + 1.30) / 3 = 1.20; 3,000.00 x 1.20 = 3,600.00, pays 360.00
    assert ann.measure_values["booked"] == D("3600.00")
    assert ann.total == D("360.00")


def test_issue16_fx_by_date_on_monthly_rows_takes_the_deals_month(tmp_path):
    # a quarterly view of monthly rows: each deal at its own month's row, the most
    # specific row holding its date (the year's row would hold it too)
    plan, data = _write(tmp_path, "period,currency,rate\n" + YEAR + MONTH + "2026-02,EUR,1.00\n",
                        at=", at: date")
    (data / "deals.csv").write_text(DEALS + "D3,ann,2026-02-10,500.00,EUR\n")
    ann = run_files(plan, data, "2026-02").payee("ann")
    # only D3 is in February: 500.00 x 1.00 = 500.00, pays 50.00
    assert ann.total == D("50.00")
    ann = run_files(plan, data, "2026-03").payee("ann")
    # D1, D2 at March's 1.10: 3,000.00 x 1.10 = 3,300.00, pays 110.00 + 220.00
    assert ann.total == D("330.00")


def test_issue16_fx_by_date_with_no_rate_on_or_before_the_date_is_an_error(tmp_path):
    plan, data = _write(tmp_path, "date,currency,rate\n2026-03-10,EUR,1.2\n", at=", at: date",
                        span="date: date")
    with pytest.raises(CompplanError) as e:
        run_files(plan, data, "2026-03")
    [p] = e.value.problems
    assert (p.where, p.message) == (f"{data / 'deals.csv'}:2",
                                    "no exchange rate for EUR in 2026-03-02")


def test_issue16_fx_at_date_needs_a_date_on_inputs_with_a_currency(tmp_path):
    from compplan.lang import check_file
    text = (PLAN % {"at": ", at: date", "span": "period: period, date: day"}).replace(
        "date: close_date, ", "")
    (tmp_path / "plan.yaml").write_text(text)
    found = sorted((p.line, p.message) for p in check_file(tmp_path / "plan.yaml").problems.errors)
    assert found == [(8, "'deals' has no date to take its rates at"),
                     (10, "the exchange-rate input 'fx_rates' has both 'period:' and 'date:'")]
