"""Issue 20: a statement's payout curve bends where the plan's curve does. Pay on a
curve (mode: interpolate) is a straight line between the curve's points, so the
statement's curve is worked out by the engine at each point's x, not only on its grid."""
from __future__ import annotations

from decimal import Decimal

from compplan.cli.run import compile_or_exit as _compile
from compplan.render import curve as curve_mod

from .conftest import ROOT
from .test_issue14_curves import _statements


def test_issue20_the_kpi_curves_points_are_on_the_x_axis():
    compiled = _compile(str(ROOT / "plans" / "field.yaml"))
    # kpi_curve: threshold 80%, target 100%, stretch 120%, read at the three KPIs
    for measure in ("coverage", "new_outlet_attainment", "focus_attainment"):
        assert curve_mod._curve_points_on(compiled, measure) == {
            Decimal("0.8"), Decimal(1), Decimal("1.2")}
    assert curve_mod._curve_points_on(compiled, "revenue_attainment") == set()


def test_issue20_the_statement_curve_at_the_target_point_pays_the_weight():
    """Tom (field, March; KPI bonus 1,200): his curve is drawn against a KPI on
    kpi_curve; at its target point, 100%, the KPI's bonus is 1,200 x its weight x 100%
    exactly (coverage 40%: 480.00; new outlets or focus lines 30%: 360.00)."""
    tom = next(st for st in _statements("field.yaml", "field", "2026-03") if st.payee == "tom")
    c = tom.curve
    assert c is not None
    at_target = [p for p in c.points if p.x == 1]
    assert at_target, "no point at the curve's target, 100%"
    bonus = {"coverage": "coverage_bonus", "new_outlet_attainment": "new_outlet_bonus",
             "focus_attainment": "focus_bonus"}[c.measure]
    weight = {"coverage_bonus": Decimal("0.4")}.get(bonus, Decimal("0.3"))
    assert at_target[0].components[bonus] == Decimal(1200) * weight


def test_issue20_a_rep_reads_the_curve_by_its_label_the_auditor_by_its_name():
    """Rita (Vietnamese) at 90% coverage: her line reads the curve's Vietnamese label;
    the formula an auditor reads keeps the plan's name, kpi_curve."""
    rita = next(st for st in _statements("field.yaml", "field", "2026-03")
                if st.payee == "rita")
    [line] = [ln for ln in rita.lines if ln.component == "coverage_bonus"]
    assert "(Đường chi trả KPI at 90%: 80% + (90% - 80%) x (100% - 80%) / (100% - 80%))" \
        in line.working
    assert "(kpi_curve at 90%: " in line.formula and "kpi_curve" not in line.working
