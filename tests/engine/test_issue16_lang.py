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
