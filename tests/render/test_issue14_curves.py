"""Issue 14: the payout curve tells the truth.

On plans paid on several KPIs the "you" dot sat far off the curve (Rita: dot at 1,205,
curve near 405): the curve moved every KPI at once while the dot was her real pay.
Now the curve is drawn against the measure behind most of the payee's pay, with only
the components that move with it, the engine works it out at the payee's own x too,
and a curve that does not pass through the dot is not drawn at all. Gates are steps.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from compplan.cli.run import compile_or_exit as _compile
from compplan.engine.run import run_plan
from compplan.periods import parse_period
from compplan.render import curve as curve_mod
from compplan.render import publish, rows, svgchart

from .conftest import ROOT

SAMPLES = [("field.yaml", "field", "2026-03"), ("field_daily.yaml", "field_daily", "2026-04"),
           ("ae.yaml", "ae", "2026-Q1"), ("manager.yaml", "manager", "2026-Q1"),
           ("cs.yaml", "cs", "2026-Q1"), ("sdr.yaml", "sdr", "2026-03"),
           ("textbook.yaml", "textbook", "2026-Q1"), ("team_pool.yaml", "team_pool", "2026-Q1"),
           ("retail.yaml", "retail", "2026-03")]  # every sample of plans/data/samples.yaml


def sample_statements(plan, data, period):
    """A sample plan run on its data and every payee's statement (HTML only):
    (compiled plan, statements). test_issue14_curve_rates.py uses it too."""
    compiled = _compile(str(ROOT / "plans" / plan))
    folder = ROOT / "plans" / "data" / data
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period(period))
    ctx = publish._Context(compiled, publish.header_of(compiled, result), folder,
                           ("html",))
    return compiled, [publish.statement_for(ctx, pr, None) for pr in result.payees]


def _statements(plan, data, period):
    return sample_statements(plan, data, period)[1]


@pytest.mark.parametrize("plan,data,period", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_the_dot_sits_on_the_curve_for_every_sample_payee(plan, data, period):
    drawn = 0
    for st in _statements(plan, data, period):
        if st.curve is None:
            # no curve rather than a misleading one, and the index says why
            assert any(p.startswith("no payout curve") for p in st.problems), st.payee
            continue
        if st.curve_own is None:
            continue  # the payee's measure is missing: a curve, and no dot on it
        drawn += 1
        x, y = st.curve_own
        # the engine's own point at the payee's x is the payee's pay (to the rounding
        # of made-up cents): the dot's y is the curve's value at the dot's x
        at = min(st.curve.points, key=lambda p: abs(p.x - x))
        assert publish.on_curve(at.x, at.total, x, y), (st.payee, at.x, at.total, x, y)
    # no curve for a CSM (see the test below), nor for retail's two (the index says
    # "no payout curve: no points"): no curve, and so none that misleads
    if plan not in ("cs.yaml", "retail.yaml"):
        assert drawn, f"no payee of {plan} got a curve"


def test_a_kpi_plan_draws_the_kpi_behind_most_of_the_pay_not_every_kpi_at_once():
    """Rita (field, 2026-03) is paid 1,425.00 on six components (1,205.00 on four
    before issue 19 added presentations, 100.00, and the close rate, 120.00); the old
    curve moved every KPI together and showed about 405 at her x. Her curve now is
    the components that move with one KPI, and passes through her pay from them."""
    rita = next(st for st in _statements("field.yaml", "field", "2026-03")
                if st.payee == "rita")
    assert rita.total == Decimal("1425.00")
    c = rita.curve
    assert c is not None and c.components and len(c.components) < 4
    x, y = rita.curve_own
    assert y == sum(k.amount for k in rita.components if k.name in c.components)
    assert y < rita.total


def test_a_gate_is_drawn_as_a_step_not_a_ramp():
    """field: each KPI bonus pays nothing below 80% and 1,000 x 30% x 80% = 240.00 for
    new outlets at exactly 80%: the line rises straight up at 80%."""
    tom = next(st for st in _statements("field.yaml", "field", "2026-03")
               if st.payee == "tom")
    c = tom.curve
    xs, ys = svgchart.steps(c)
    gate = [i for i in range(1, len(xs)) if xs[i] == xs[i - 1] and ys[i] > ys[i - 1]]
    assert gate, "no vertical rise"
    i = gate[0]
    assert xs[i] == pytest.approx(80.0)  # percent on the axis
    assert ys[i] - ys[i - 1] == pytest.approx(1200 * 0.3 * 0.8)  # tom's kpi_bonus 1,200


def test_a_shared_drawing_puts_each_payees_dot_on_the_drawn_line():
    """Payees alike share one drawing of their curve (svgchart.drawing); each payee's
    dot is added to its SVG where the drawing's own axes put (x, pay), which is on the
    total line drawn: the dot lies on a segment of the drawn polyline, to a tenth of a
    point."""
    import re

    from compplan.render.locale import Fmt
    st = next(s for s in _statements("ae.yaml", "ae", "2026-Q1") if s.curve is not None)
    f = Fmt("en", "USD")
    d = svgchart.drawing(st.curve, f)
    svg = svgchart.with_dot(d, st.curve, st.curve_own, f)
    cx, cy = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
    assert (cx, cy) == pytest.approx(d.at(st.curve, *st.curve_own), abs=0.001)
    line = re.search(r'<polyline points="([^"]+)" fill="none" stroke="#1d5c3a"', svg)
    pts = [tuple(float(v) for v in p.split(",")) for p in line.group(1).split()]
    off = min(_distance((cx, cy), a, b) for a, b in zip(pts, pts[1:]))
    assert off < 0.1, off
    assert "you: " in svg and svg.count("<svg") == 1 and svg.rstrip().endswith("</svg>")


def _distance(p, a, b) -> float:
    """From point p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) /
                                               (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def test_cs_draws_no_curve_and_textbook_draws_one_where_a_quota_moves_it():
    """The decision for the plans whose payees got no curve (issue 14: a curve of what
    the payee is paid on, or none, never a misleading one).

    cs: a CSM is paid a rate by segment on each renewal kept and a bonus by gross
    retention. Made-up renewals (the first one repeated or resized) scale the base
    and the kept ARR together, so retention never moves, and a curve of commission
    against kept ARR would draw one segment's rate for a mix of segments: no curve,
    and the admins' index says why. textbook: Ann and Bob have a quota, and their
    dot is on their curve (test above); Cy has none, so attainment cannot move."""
    cs = _statements("cs.yaml", "cs", "2026-Q1")
    assert cs and all(st.curve is None and st.curve_svg is None for st in cs)
    assert all(any("gross_retention does not grow in step" in p for p in st.problems)
               for st in cs)
    book = {st.payee: st for st in _statements("textbook.yaml", "textbook", "2026-Q1")}
    assert book["ann"].curve is not None and book["bob"].curve is not None
    assert book["cy"].curve is None
    assert any("attainment stays at 0" in p for p in book["cy"].problems)


def test_issue14_a_payee_whose_first_deal_counts_for_nothing_still_gets_a_curve():
    """ae: services never count. A rep whose first deal (in file order) is a services
    deal got no curve ('attainment stays at 0': the curve repeats the first
    transaction), 9 of 60 generated payees; the curve now repeats their first deal
    that a line of theirs was paid on. Dev's data (renewal, then new) is put services
    first here: her curve is the one drawn from her first paid deal."""
    from compplan.cli.run import compile_or_exit

    compiled = compile_or_exit(str(ROOT / "plans" / "ae.yaml"))
    folder = ROOT / "plans" / "data" / "ae"
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    ctx = publish._Context(compiled, publish.header_of(compiled, result), folder, ("html",))
    pr = result.payees[0]
    own = ctx.own_rows(pr.payee)
    first = dict(own["deals"][0], deal_id="SVC-1", product="services")
    own["deals"] = [first] + own["deals"]
    st = publish.statement_for(ctx, pr, None)
    assert st.curve is not None
    moved = publish.counted_first(compiled, own, st)
    assert moved["deals"][0]["deal_id"] != "SVC-1"  # a deal a line was paid on
    assert own["deals"][0]["deal_id"] == "SVC-1"  # the payee's own rows untouched
    profile = curve_mod.profile_from_rows(compiled, own, pr.payee, ctx.period)
    c = curve_mod.compute(compiled, profile, "attainment", 21)
    assert any("attainment stays at 0" in p for p in c.problems)  # as it was
    profile = curve_mod.profile_from_rows(compiled, moved, pr.payee, ctx.period)
    assert curve_mod.compute(compiled, profile, "attainment", 21).points


def _x_ticks(svg: str) -> list[str]:
    """The x axis's labels: the line of centred texts that holds most of them (the
    axis's title is one text below it)."""
    import re
    from collections import Counter
    texts = [(float(y), t) for y, t in re.findall(
        r'<text x="[\d.]+" y="([\d.]+)" text-anchor="middle"[^>]*>([^<]*)</text>', svg)]
    row = Counter(y for y, _ in texts).most_common(1)[0][0]
    return [t for y, t in texts if y == row]


@pytest.mark.parametrize("plan,data,period,unit", [
    ("ae.yaml", "ae", "2026-Q1", "percent"),             # attainment: 0%, 50%, ...
    ("sdr.yaml", "sdr", "2026-03", "count"),             # qualified meetings: 0, 5, 10
    ("textbook.yaml", "textbook", "2026-Q1", "money")])  # booked: 0, 20,000, ...
def test_issue14_the_x_axis_reads_in_the_measures_own_units(plan, data, period, unit):
    """A curve's axis is in the units of what it is drawn against: attainment in
    percent; a count of meetings in whole meetings (SDRs read 2.5 and 7.5 meetings on
    it before); money as amounts, not percent. English pages here."""
    from compplan.render.locale import Fmt
    st = next(s for s in _statements(plan, data, period) if s.curve is not None)
    ticks = _x_ticks(svgchart.drawing(st.curve, Fmt("en", "USD")).svg)
    assert len(ticks) >= 3, ticks
    if unit == "percent":
        assert all(t.endswith("%") for t in ticks), ticks
    else:
        assert not any("%" in t for t in ticks), ticks
        values = [Decimal(t.replace(",", "")) for t in ticks]
        if unit == "count":
            assert all(v == int(v) for v in values), ticks
