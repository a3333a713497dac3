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


def test_a_point_just_below_a_bound_only_where_pay_may_jump():
    """100% is a tier bound and the CSAT bonus's gate: the bonus starts there, so the
    curve has a point just below it (99.9%) to draw the step; 50% and 150% are bounds
    of a marginal table paid through tiered() alone, where pay does not jump, so no
    point is made up just below them. Every point is made up once."""
    compiled = compile_plan(check_file(str(ROOT / "plans" / "ae.yaml")))
    c = curve.compute(compiled, _profile(), "attainment", 21)
    xs = [p.x for p in c.points]
    assert len(xs) == len(set(xs))
    # 21 steps of 10% to 200% (the bounds among them), and 99.9% below the gate
    assert len(xs) == 22 and Decimal("0.999") in xs
    assert Decimal("0.499") not in xs and Decimal("1.499") not in xs


def test_the_curve_bends_where_the_cap_starts_not_at_the_next_point():
    """A target incentive of 20.00 caps commission at 250% x 20.00 = 50.00. Before the
    cap, from 50% on: 20.02 + (x - 50%) x 1,001.00 x 8%, which is 50.00 at
    x = 50% + 29.98 / 80.08 = 87.4375...%. With 13 points (a sixth of the axis apart)
    the nearest are 83.3% (46.71) and 100% (50.00, capped from 60.06): the engine works
    out one more point where the cap starts, so the line is not drawn across the corner."""
    compiled = compile_plan(check_file(str(ROOT / "plans" / "ae.yaml")))
    profile = _profile()
    profile.rows["payees"][0]["target_incentive"] = "20.00"
    c = curve.compute(compiled, profile, "attainment", 13)
    assert not c.problems
    between = [p for p in c.points if Decimal("0.84") < p.x < Decimal("0.99")]
    assert len(between) == 1, [(p.x, p.total) for p in c.points]
    kink = between[0]
    assert Decimal("0.874") < kink.x < Decimal("0.875")
    assert abs(kink.total - Decimal("50.00")) <= Decimal("0.01")
    # on either side, the engine's own points: before the cap and held at it
    at = {p.x: p for p in c.points}
    assert at[Decimal("1.0000000000000000")].total == Decimal("50.00")
    assert at[Decimal("1.0000000000000000")].limited == ["commission"]
