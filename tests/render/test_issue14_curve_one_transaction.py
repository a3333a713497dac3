"""Issue 14 (curves cheap enough for 10,000 statements): a curve's point is one made-up
transaction resized until the measure lands at the point's x, worked out by the engine
(curve.ONE_TRANSACTION), not i copies of a transaction of one step's size. The points
stay the pay the plan gives for made-up data; they move by a line's rounding only.

The AE plan (plans/ae.yaml), a made-up rep with a quota of 1,001.00 and one new software
deal of 10.01 (so one deal is 1% of quota), CSAT 80 (no bonus), target incentive
10,000.00 (the cap, 25,000.00, never binds here).
"""
from __future__ import annotations

from decimal import Decimal

from compplan.engine.ir import compile_plan
from compplan.lang import check_file
from compplan.periods import parse_period
from compplan.render import curve

from .conftest import ROOT


def _profile() -> curve.Profile:
    return curve.Profile("p1", parse_period("2026-Q1"), {
        "payees": [{"rep_id": "p1", "manager_id": None, "name": "P", "region": "EMEA",
                    "target_incentive": "10000.00"}],
        "deals": [{"deal_id": "D1", "rep_id": "p1", "close_date": "2026-01-05",
                   "amount": "10.01", "product": "software", "type": "new"}],
        "quotas": [{"rep_id": "p1", "period": "2026-Q1", "amount": "1001.00"}],
        "kpis": [{"rep_id": "p1", "period": "2026-Q1", "csat": "80"}],
    })


def test_a_point_is_one_transaction_rounded_once():
    compiled = compile_plan(check_file(str(ROOT / "plans" / "ae.yaml")))
    c = curve.compute(compiled, _profile(), "attainment", 21)
    assert not c.problems and c.mode == "size"
    at = {p.x: p.total for p in c.points}
    # x = 30%: one deal credited 0.3 x 1,001.00 = 300.30, all in tier 1 (to 50%):
    #   300.30 x 4% = 12.012 -> 12.01
    # (three deals of one step, 100.10 each, would pay 3 x round(4.004) = 12.00)
    assert at[Decimal("0.3")] == Decimal("12.01")
    # x = 150%, on the last bound: 500.50 x 4% + 500.50 x 8% + 500.50 x 12%
    #   = 20.02 + 40.04 + 60.06 = 120.12
    assert at[Decimal("1.5")] == Decimal("120.12")
    # one more point, for a payee whose x is 112.5%: one deal of 1,126.125 credited,
    #   500.50 x 4% + 500.50 x 8% + 125.125 x 12% = 20.02 + 40.04 + 15.015 = 75.075
    #   -> 75.08 (half up; each tier's part is not rounded on its own)
    p = curve.point_at(compiled, _profile(), c, Decimal("1.125"))
    assert p.x == Decimal("1.125") and p.total == Decimal("75.08")


def test_a_bound_that_is_also_a_gate_is_worked_out_once():
    """100% is a tier bound and the CSAT bonus's gate: its two points (on it and just
    below it) are made up once, not twice."""
    compiled = compile_plan(check_file(str(ROOT / "plans" / "ae.yaml")))
    c = curve.compute(compiled, _profile(), "attainment", 21)
    xs = [p.x for p in c.points]
    assert len(xs) == len(set(xs))
    # 21 steps of 10% to 200%, and just below each bound: 49.9%, 99.9%, 149.9%
    assert len(xs) == 24
