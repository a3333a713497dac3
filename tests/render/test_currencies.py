"""A statement in the currency the payee is paid in, straight from a run in memory
(no store): the engine's currency test plan, one payee paid in dong, one capped."""
from __future__ import annotations

from decimal import Decimal as D

from compplan.engine import load_plan, parse_period, run_plan
from compplan.render import publish, rows
from compplan.render.locale import Fmt

from .conftest import page_text
from .test_statements import _check_sums

PLAN = """
plan: fx
name: Sold in euros, paid in dong
period: month
currency: USD
locale: vi
fx: {from: fx_rates}
inputs:
  payees: {key: rep_id, currency: pay_currency, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, currency: cur,
          columns: {amount: money}}
  fx_rates: {period: month, columns: {currency: text, rate: number}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: amount * 10%}
total:
  cap: 1500
"""
FILES = {
    "payees.csv": "rep_id,name,pay_currency,locale\nan,An Nguyen,VND,\nbo,Bo Berg,USD,en\n",
    "fx_rates.csv": "month,currency,rate\n2026-03,EUR,1.1\n2026-03,VND,0.00004\n",
    "deals.csv": "deal_id,rep_id,close_date,amount,cur\nD1,an,2026-03-20,1000.45,EUR\n"
                 "D2,bo,2026-03-21,20000,USD\n",
}


def test_statements_in_the_payees_currency_and_language(tmp_path):
    (tmp_path / "fx.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    for name, text in FILES.items():
        (data / name).write_text(text)
    compiled = load_plan(tmp_path / "fx.yaml")
    tables, problems = rows.load(compiled, data)
    assert not problems
    result = run_plan(compiled, tables, parse_period("2026-03"))
    report = publish.write_result(result, compiled, data, tmp_path / "out",
                                  formats=("html", "json"), curves=False)
    by = {e.payee: e for e in report.entries}
    assert by["an"].locale == "vi" and by["bo"].locale == "en"  # plan default, column
    an = (report.out / by["an"].files[0][1]).read_text(encoding="utf-8")
    text = page_text(an)
    assert "Tổng trong kỳ\n2.751.238 ₫" in text  # dong has no minor unit: none shown
    assert "paid in VND: USD 110,0495 / 0,00004" in text
    assert "Run | chưa lưu" not in text and "Lần tính | chưa lưu" in text
    _check_sums(an, Fmt("vi", "VND"))
    bo = page_text((report.out / by["bo"].files[0][1]).read_text(encoding="utf-8"))
    assert "Cap reached: total pay limited to 1500 = $1,500.00" in bo
    assert "Total cap | 1 | -500.00" in bo
    assert by["bo"].total == D("1500.00")
