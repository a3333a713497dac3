"""Issue 14 (10,000 statements with curves in a minute): a curve's points worked out
without an engine run each (curve.Quick: the made-up payee prepared once, then paid at
each size of its one transaction by the payee stage's own steps) are the engine's runs'
points to the cent, for every payee of every sample plan, and the dot is on the curve.

Plans whose pay reads other payees' figures (manager.yaml's team(), team_pool.yaml's
pool, retail.yaml's groups) keep a run per curve (curve.quick_refusal says why).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from compplan.render import curve as curve_mod
from compplan.render import publish

from .test_issue14_curves import sample_statements

SAMPLES = [("textbook.yaml", "textbook", "2026-Q1"), ("ae.yaml", "ae", "2026-Q1"),
           ("sdr.yaml", "sdr", "2026-03"), ("manager.yaml", "manager", "2026-Q1"),
           ("cs.yaml", "cs", "2026-Q1"), ("field.yaml", "field", "2026-03"),
           ("field_daily.yaml", "field_daily", "2026-04"),
           ("team_pool.yaml", "team_pool", "2026-Q1"), ("retail.yaml", "retail", "2026-03")]


_statements = sample_statements  # (compiled plan, statements) of a sample run


def _points(c):
    return [(p.x, p.total, sorted(p.components.items()), p.limited, sorted(p.paid))
            for p in c.points]


@pytest.mark.parametrize("plan,data,period", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_issue14_quick_points_are_the_engine_runs_points_to_the_cent(plan, data, period,
                                                                    monkeypatch):
    compiled, quick = _statements(plan, data, period)
    monkeypatch.setattr(curve_mod, "QUICK", False)
    _, runs = _statements(plan, data, period)
    allowed = curve_mod.quick_refusal(compiled) is None
    assert allowed == (plan not in ("manager.yaml", "team_pool.yaml", "retail.yaml"))
    drawn = 0
    for a, b in zip(quick, runs, strict=True):
        assert a.payee == b.payee and a.problems == b.problems, a.payee
        assert (a.curve is None) == (b.curve is None), a.payee
        if a.curve is None:
            continue
        drawn += 1
        assert (a.curve.quick is not None) == (allowed and a.curve.mode == "size")
        assert _points(a.curve) == _points(b.curve), a.payee
        assert a.curve_own == b.curve_own and a.curve_svg == b.curve_svg
        if a.curve_own is not None:  # the dot on the curve: the point at the payee's x
            x, y = a.curve_own
            at = min(a.curve.points, key=lambda p: abs(p.x - x))
            assert publish.on_curve(at.x, at.total, x, y), (a.payee, at.x, at.total, x, y)
    if plan not in ("cs.yaml", "retail.yaml"):  # no curve for either: test_issue14_curves
        assert drawn, plan


def test_issue14_quick_pays_ann_by_the_rate_table_and_her_own_factors():
    """plans/data/ae's ann: quota 200,000.00, target incentive 20,000.00 (cap 250% =
    50,000.00), CSAT 84 (no bonus). Her curve's point at 100% is one deal credited
    200,000.00: 100,000 x 4% + 100,000 x 8% = 4,000 + 8,000 = 12,000.00; at 200%:
    + 100,000 x 12% + 100,000 x 16% = 40,000.00 (under the cap)."""
    compiled, sts = _statements("ae.yaml", "ae", "2026-Q1")
    ann = next(st for st in sts if st.payee == "ann")
    assert ann.curve.quick is not None
    at = {p.x: p.total for p in ann.curve.points}
    assert at[Decimal(1)] == Decimal("12000.00")
    assert at[Decimal(2)] == Decimal("40000.00")
