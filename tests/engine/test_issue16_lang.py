"""Issue 16, the language items: plans that checked clean but paid a wrong amount.

Each plan carries its own scenario with the pay worked out by hand in a comment; the
test runs it as `compplan test` does and checks the lines the engine wrote.
"""
from __future__ import annotations

from decimal import Decimal

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios


def _run(tmp_path, text: str, name: str = "plan.yaml"):
    """Run the plan's scenarios; every one must pass. Returns the outcomes."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    outcomes = run_scenarios(load_plan(path))
    for o in outcomes:
        assert o.passed, o.differences + [p.message for p in o.problems]
    return outcomes


# ---------------------------------------------------------------- item 10
MISSING_PLAN = """
plan: missing-test
name: Missing test
period: quarter
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  kpis: {payee: id, period: period, missing: null, columns: {csat: number}}
measures:
  csat_or_zero: kpis.csat if kpis.csat != missing else 0
earnings:
  csat_bonus:
    value: 10 * csat_or_zero
  missing_penalty:
    when: kpis.csat == missing
    value: -100
  listed:
    when: kpis.csat not in [80, missing]
    value: 1
scenarios:
  - name: reported and not
    period: 2026-Q1
    data:
      payees: [{id: a, name: A}, {id: b, name: B}]
      kpis: [{id: a, period: 2026-Q1, csat: 90}, {id: b, period: 2026-Q1, csat: null}]
    # a: csat 90 is not missing: csat_or_zero 90, bonus 10 x 90 = 900.00; no penalty;
    #    90 is neither 80 nor missing: listed pays 1.00; total 901.00
    # b: csat missing: csat_or_zero 0, bonus 0.00; penalty -100.00; listed does not
    #    fire (missing is in the list); total -100.00
    expect:
      a: {csat_or_zero: 90, csat_bonus: 900.00, missing_penalty: 0, listed: 1, total: 901.00}
      b: {csat_or_zero: 0, csat_bonus: 0, missing_penalty: -100.00, listed: 0, total: -100.00}
"""


def test_issue16_item10_comparing_with_missing_asks_whether_a_value_is_there(tmp_path):
    [outcome] = _run(tmp_path, MISSING_PLAN)
    a = outcome.result.payee("a")
    assert a.components["csat_bonus"] == Decimal("900.00")
    assert outcome.result.payee("b").total == Decimal("-100.00")


# ---------------------------------------------------------------- item 1
ORDER_PLAN = """
plan: order-test
name: Order test
period: quarter
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  deals: {key: deal_id, payee: id, date: d, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  effective_rate: commission / booked
  commission_earned: commission
earnings:
  commission:
    each: sales
    value: value * 5%
  override:
    value: commission_earned * 10%
scenarios:
  - name: measures that read an earning see it
    period: 2026-Q1
    data:
      payees: [{id: a, name: A}]
      deals:
        - {deal_id: D1, id: a, d: 2026-01-10, amount: 10000}
        - {deal_id: D2, id: a, d: 2026-02-10, amount: 30000}
    # commission: 10,000 x 5% + 30,000 x 5% = 500.00 + 1,500.00 = 2,000.00
    # effective_rate (a measure of an earning): 2,000 / 40,000 = 5%
    # override (an earning of a measure of an earning): 2,000.00 x 10% = 200.00
    # total: 2,000.00 + 200.00 = 2,200.00
    expect:
      a: {booked: 40000, effective_rate: 5%, commission_earned: 2000, commission: 2000.00,
          override: 200.00, total: 2200.00}
"""


def test_issue16_item1_a_measure_of_an_earning_sees_the_earning(tmp_path):
    [outcome] = _run(tmp_path, ORDER_PLAN)
    a = outcome.result.payee("a")
    assert a.measure_values["effective_rate"] == Decimal("0.05")
    assert a.measure_values["commission_earned"] == Decimal("2000.00")


def test_issue16_item1_an_earning_of_a_measure_of_an_earning_pays(tmp_path):
    [outcome] = _run(tmp_path, ORDER_PLAN)
    a = outcome.result.payee("a")
    assert a.components["override"] == Decimal("200.00")
    assert a.total == Decimal("2200.00")


# ---------------------------------------------------------------- item 5
CAPPED_TIERS_PLAN = """
plan: capped-tiers
name: Capped tiers
period: quarter
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  deals: {key: deal_id, payee: id, date: d, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
rates:
  t:
    basis: booked
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 100_000, rate: 5%}
      - {from: 100_000, to: 250_000, rate: 7%}
      - {from: 250_000, rate: 0%}
earnings:
  commission:
    value: tiered(t)
scenarios:
  - name: nothing more above the last paying tier, as the plan says
    period: 2026-Q1
    data:
      payees: [{id: a, name: A}]
      deals: [{deal_id: D1, id: a, d: 2026-01-10, amount: 300000}]
    # 100,000 x 5% + 150,000 x 7% + 50,000 x 0% = 5,000 + 10,500 + 0 = 15,500.00
    expect:
      a: {commission: 15500.00}
"""


def test_issue16_item5_a_last_tier_at_zero_pays_nothing_above_the_bound(tmp_path):
    [outcome] = _run(tmp_path, CAPPED_TIERS_PLAN)
    [line] = outcome.result.payee("a").lines
    assert [(t.tier, t.amount) for t in line.tiers] == [
        (1, Decimal("100000")), (2, Decimal("150000")), (3, Decimal("50000"))]


def test_issue16_item5_a_bounded_last_tier_is_refused(tmp_path):
    from compplan.lang import check_source
    text = CAPPED_TIERS_PLAN.replace("      - {from: 250_000, rate: 0%}\n", "")
    [problem] = check_source(text, "plan.yaml").problems.sorted()
    assert (problem.line, problem.code) == (20, "tier-bounds")
    assert "{from: 250_000, rate: 0%}" in problem.hint


# ---------------------------------------------------------------- item 15
CORRELATED_PLAN = """
plan: correlated
name: Correlated filters
period: quarter
currency: USD
inputs:
  payees: {key: id, columns: {name: text}}
  shifts: {key: shift_id, payee: id, date: shift_date, columns: {store: text}}
  sales: {key: sale_id, payee: id, date: sale_date, columns: {amount: money, store: text}}
credits:
  worked: {from: shifts, value: 1}
earnings:
  shift_bonus:
    each: worked
    value: sum(sales.amount where sale_date == shift_date) * 10%
  other_store:
    each: worked
    value: count(sales where store != worked.store and sale_date == shift_date) * 5
scenarios:
  - name: each shift is paid on the sales of its own day
    period: 2026-Q1
    data:
      payees: [{id: a, name: A}]
      shifts:
        - {shift_id: S1, id: a, shift_date: 2026-01-05, store: north}
        - {shift_id: S2, id: a, shift_date: 2026-01-06, store: south}
      sales:
        - {sale_id: X, id: a, sale_date: 2026-01-05, amount: 100, store: north}
        - {sale_id: Y, id: a, sale_date: 2026-01-05, amount: 250, store: south}
        - {sale_id: Z, id: a, sale_date: 2026-01-06, amount: 400, store: south}
        - {sale_id: W, id: a, sale_date: 2026-01-07, amount: 1000, store: north}
    # shift_bonus: S1 (100 + 250) x 10% = 35.00; S2 400 x 10% = 40.00; W has no shift
    # other_store: S1 sells Y at south, not its store north: 1 x 5 = 5.00; S2 none: 0
    # total 35.00 + 40.00 + 5.00 = 80.00
    expect:
      a: {shift_bonus: 75.00, other_store: 5.00, total: 80.00}
"""


def test_issue16_item15_a_where_in_an_each_earning_sees_the_credit_row(tmp_path):
    [outcome] = _run(tmp_path, CORRELATED_PLAN)
    lines = [ln for ln in outcome.result.payee("a").lines if ln.component == "shift_bonus"]
    assert [ln.amount for ln in lines] == [Decimal("35.00"), Decimal("40.00")]
