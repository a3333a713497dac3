"""Issue 16 item 12: a line paid in another currency is rounded once, in the currency
paid. It was rounded in the plan's currency and then again in the payee's: 0.125 USD
at 0.5 paid 0.13 / 0.5 = 0.26 EUR instead of 0.125 / 0.5 = 0.25."""
from decimal import Decimal as D

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios

PLAN = """
plan: once
name: Rounded once, in the currency paid
period: month
currency: USD
fx: {from: fx_rates}
inputs:
  payees: {key: rep_id, currency: pay_currency, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  fx_rates: {period: month, columns: {currency: text, rate: number}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
total:
  cap: 100
scenarios:
  - name: a line and a cap paid in euros
    period: 2026-03
    data:
      payees:
        - {rep_id: ann, name: Ann, pay_currency: EUR}
        - {rep_id: cy, name: Cy, pay_currency: GBP}
      fx_rates:
        # one EUR is worth 0.5 USD; one GBP 0.3 USD
        - {month: 2026-03, currency: EUR, rate: 0.5}
        - {month: 2026-03, currency: GBP, rate: 0.3}
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-03-02, amount: 1.25}
        - {deal_id: D2, rep_id: cy, close_date: 2026-03-03, amount: 1000.05}
    expect:
      # ann: 1.25 x 10% = 0.125 USD, exact; / 0.5 = 0.25 EUR (it was 0.13 / 0.5 = 0.26)
      ann: {commission: 0.25, total: 0.25}
      # cy: 1,000.05 x 10% = 100.005 USD -> / 0.3 = 333.35 GBP; the total is capped at
      # 100 USD, which is 100 / 0.3 = 333.333... -> 333.33 GBP: the cap line is
      # 333.33 - 333.35 = -0.02 (it was 100.01 / 0.3 = 333.37 and -0.01 / 0.3 = -0.03:
      # 333.34, more than the cap)
      cy: {commission: 333.35, total_cap: -0.02, total: 333.33}
"""


def test_issue16_item12_a_line_paid_in_another_currency_is_rounded_once(tmp_path):
    path = tmp_path / "once.yaml"
    path.write_text(PLAN)
    [outcome] = run_scenarios(load_plan(path))
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]
    [line] = outcome.result.payee("ann").lines
    assert (line.amount, line.exact) == (D("0.25"), D("0.25"))
    assert line.note == "paid in EUR: USD 0.125 / 0.5 = 0.25 -> EUR 0.25"
    cy = outcome.result.payee("cy")
    assert [ln.amount for ln in cy.lines] == [D("333.35"), D("-0.02")]
    assert cy.total == D("333.33")
