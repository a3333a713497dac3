"""Currencies (issue 4, item 7): transactions in their own currency, paid in the payee's,
every conversion shown on the line; and a cap on the payee's total."""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: fx
name: Sold in euros, paid in dong
period: month
currency: USD
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
scenarios:
  - name: a euro deal paid in dong, a dollar deal capped
    period: 2026-03
    data:
      payees:
        - {rep_id: an, name: An, pay_currency: VND}
        - {rep_id: bo, name: Bo, pay_currency: USD}
      fx_rates:
        - {month: 2026-03, currency: EUR, rate: 1.1}
        - {month: 2026-03, currency: VND, rate: 0.00004}
        - {month: 2026-02, currency: EUR, rate: 9.99}
      deals:
        - {deal_id: D1, rep_id: an, close_date: 2026-03-20, amount: 1000.45, cur: EUR}
        - {deal_id: D2, rep_id: bo, close_date: 2026-03-21, amount: 20000, cur: USD}
    expect:
      # an: EUR 1,000.45 x 1.1 = USD 1,100.495; x 10% = 110.0495 (the line, exact, in
      #     USD); paid in VND and rounded once there (issue 16 item 12):
      #     110.0495 / 0.00004 = 2,751,237.5 -> 2,751,238 (VND has no minor unit; half up)
      an: {booked: 1100.495, commission: 2751238, total: 2751238}
      # bo: 20,000 x 10% = 2,000.00, capped at 1,500: a -500.00 line
      bo: {commission: 2000.00, total_cap: -500.00, total: 1500.00}
"""


def test_conversion_and_rounding_are_shown_on_each_line(tmp_path):
    path = tmp_path / "fx.yaml"
    path.write_text(PLAN)
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    [an] = outcome.result.payee("an").lines
    assert an.note == ("amount EUR 1,000.45 x 1.1 = USD 1,100.50; paid in VND: USD 110.0495 / "
                       "0.00004 = 2751237.5 -> VND 2,751,238")
    assert an.rounding == "2751237.5 -> 2751238 (half up to 1)"
    assert outcome.result.payee("an").currency == "VND"
    bo = outcome.result.payee("bo")
    assert [(ln.kind, ln.amount) for ln in bo.lines] == [("credit", D("2000.00")),
                                                         ("cap", D("-500.00"))]
    assert bo.lines[1].formula == "Cap reached: total pay limited to 1500 = 1,500.00"
