"""Rate tables at run time: bands, boundaries, and splits in both directions."""
from decimal import Decimal as D

import pytest

from compplan.engine import load_plan
from compplan.engine.scenarios import run_scenarios
from compplan.engine.tiers import Band, TierTable
from compplan.errors import CompplanError

# 5% to 50,000, 6% to 100,000, 7% above
BANDS = TierTable("bands", (Band(1, None, D(50000), D("0.05")),
                            Band(2, D(50000), D(100000), D("0.06")),
                            Band(3, D(100000), None, D("0.07"))), "marginal", True, False)


def test_split_of_102000_pays_5640():
    # 50,000 x 5% + 50,000 x 6% + 2,000 x 7% = 2,500 + 3,000 + 140 = 5,640
    parts = BANDS.split(D(0), D(102000))
    assert [(p.tier, p.amount, p.pays) for p in parts] == [
        (1, D(50000), D("2500.00")), (2, D(50000), D("3000.00")), (3, D(2000), D("140.00"))]


def test_a_backward_range_takes_back_band_by_band():
    # a 12,000 cancellation at 102,000 moves the basis back to 90,000:
    # -2,000 x 7% - 10,000 x 6% = -140 - 600 = -740, the mirror of moving up
    parts = BANDS.split(D(102000), D(90000))
    assert sum(p.pays for p in parts) == D("-740.00")
    assert {p.tier: p.amount for p in parts} == {2: D(-10000), 3: D(-2000)}


@pytest.mark.parametrize("upper, expected_rate", [(True, "0.06"), (False, "0.05")])
def test_at_boundary_decides_which_tier_an_exact_bound_takes(upper, expected_rate):
    table = TierTable("t", BANDS.bands, "whole", upper, False)
    assert table.rate_at(D(50000)) == D(expected_rate)


PLAN = """
plan: cancel
name: Cancellations move the running basis back
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money, list: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  listed: sum(sales.list)
rates:
  bands:
    basis: BASIS
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: 50_000, rate: 5%}
      - {to: 100_000, rate: 6%}
      - {rate: 7%}
earnings:
  commission: {each: sales, value: tiered(bands)}
scenarios:
  - name: a cancellation after crossing two bounds
    period: 2026-Q1
    data:
      payees: [{rep_id: ann, name: Ann}]
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-01-05, amount: 102000, list: 102000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-02-01, amount: -12000, list: -12000}
    expect:
      # D1: 2,500 + 3,000 + 140 = 5,640; D2 takes back 140 + 600 = 740; 5,640 - 740 = 4,900
      # = what 90,000 pays outright: 2,500 + 40,000 x 6% = 4,900
      ann: {commission: 4900.00, booked: 90000}
"""


def _plan(tmp_path, basis: str):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.replace("BASIS", basis))
    return load_plan(path)


def test_a_negative_credit_takes_back_commission_band_by_band(tmp_path):
    [outcome] = run_scenarios(_plan(tmp_path, "booked"))
    assert outcome.passed, outcome.differences + [p.message for p in outcome.problems]
    d2 = outcome.result.payee("ann").lines[1]
    assert d2.amount == D("-740.00")
    assert (d2.basis_before, d2.basis_after) == (D(102000), D(90000))


def test_a_basis_summing_a_credit_column_runs_per_credit(tmp_path):
    # the running basis follows sales.list, which equals the amounts here: same 4,900
    [outcome] = run_scenarios(_plan(tmp_path, "listed"))
    assert outcome.passed, outcome.differences + [p.message for p in outcome.problems]


def test_a_per_credit_marginal_basis_that_does_not_add_up_credits_is_refused(tmp_path):
    # max() of the credits has no running value at each credit: refuse, do not guess
    with pytest.raises(CompplanError) as err:
        _plan(tmp_path, "max(sales.amount)")
    [problem] = err.value.problems
    assert problem.code == "running-basis"
    assert (problem.line, problem.col) == (24, 36)  # the tiered( call
    assert "use mode: whole" in problem.hint
