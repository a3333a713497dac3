"""Issue 14: a manager's statement has their payout curve too.

manager.yaml pays a manager 1% of the team's bookings up to 100% of their quota and 2%
above (team_commission, on their attainment: the team's bookings over their own quota),
and an override of 5% of their reps' commission (team(commission)). A manager has no
deal of their own, so the curve's made-up payee had nothing to resize and no manager
got a curve. Now the curve resizes one of their team's deals as their own, and draws
the team commission against their attainment; the override moves with the reps' pay,
not with the manager's attainment, and is neither on the curve nor in the dot.
"""
from __future__ import annotations

from decimal import Decimal

from compplan.render import curve as curve_mod
from compplan.render import publish, svgchart
from compplan.render.locale import shared

from .test_issue14_curves import sample_statements

# Worked out by hand from plans/data/manager (quotas.csv, deals.csv):
#   max:  team 140,000 + 80,000 + 90,000 = 310,000 on 300,000 (103.33%):
#         300,000 x 1% + 10,000 x 2% = 3,200.00; override 5% x 19,800 = 990.00
#   nia:  team 130,000 + 60,000 = 190,000 on 250,000 (76%): 190,000 x 1% = 1,900.00
#   vera: every deal, 500,000 on 450,000 (111.11%): 4,500 + 50,000 x 2% = 5,500.00
TEAM_COMMISSION = {"max": Decimal("3200.00"), "nia": Decimal("1900.00"),
                   "vera": Decimal("5500.00")}


def _managers():
    compiled, statements = sample_statements("manager.yaml", "manager", "2026-Q1")
    return compiled, {st.payee: st for st in statements if st.payee in TEAM_COMMISSION}


def test_issue14_a_managers_dot_is_on_their_team_commission_curve():
    compiled, managers = _managers()
    assert set(managers) == set(TEAM_COMMISSION)
    for pid, st in managers.items():
        assert st.curve is not None, (pid, st.problems)
        assert not any(p.startswith("no payout curve") for p in st.problems)
        x, y = st.curve_own
        # the dot: their attainment, and their team commission (not the override)
        assert x == next(m.value for m in st.measures if m.name == "attainment")
        assert y == TEAM_COMMISSION[pid]
        assert y < st.total  # the override is paid, and left off the curve
        assert "override" not in st.curve.components
        assert "team_commission" in st.curve.components
        # the dot's y is the curve's value at the dot's x (the engine's own point there)
        at = min(st.curve.points, key=lambda p: abs(p.x - x))
        assert publish.on_curve(at.x, at.total, x, y), (pid, at.x, at.total, x, y)
        assert st.curve_svg and "you:" in st.curve_svg


def test_issue14_a_managers_curve_is_the_manager_tiers_on_their_own_quota():
    """max's quota is 300,000: at 50% the team commission is 150,000 x 1% = 1,500.00,
    at 200% 300,000 x 1% + 300,000 x 2% = 9,000.00 (within the made-up cents)."""
    _, managers = _managers()
    c = managers["max"].curve
    for x, want in ((Decimal("0.5"), Decimal("1500.00")), (Decimal("2"), Decimal("9000.00"))):
        p = min(c.points, key=lambda p: abs(p.x - x))
        assert abs(p.x - x) < Decimal("0.001"), (p.x, x)
        assert abs(p.total - want) <= Decimal("0.10"), (x, p.total)


def test_issue14_a_managers_curve_is_named_by_what_it_draws():
    """Its label names the one component drawn, the team commission, not the rep
    commission a manager is not paid, nor the override."""
    _, managers = _managers()
    names = managers["nia"].curve.names
    assert names["total pay"] == "Manager commission on team bookings"
    d = svgchart.drawing(managers["nia"].curve, shared("en", "USD", 2))
    assert d.svg


def test_issue14_the_override_moves_only_through_the_team():
    compiled, _ = _managers()
    assert curve_mod.through_team_only(compiled, "attainment") == {"override"}
    # and a rep's statement keeps every component on their curve, as before
    _, statements = sample_statements("manager.yaml", "manager", "2026-Q1")
    ana = next(st for st in statements if st.payee == "ana")
    assert "total pay" not in ana.curve.names or \
        ana.curve.names["total pay"] != "Manager commission on team bookings"
    assert ana.curve_own[1] == ana.total == Decimal("12000.00")
