"""Issue 20 items 1-3: curves through points, per-unit tiers paid in whole units with
bounds from params, and at_boundary per tier. Each plan's pay is worked out by hand in
a comment; curves and per-tier boundaries run on both engines (the SQL engine held to the
Python reference, formula text included), whole units on the Python engine, refused by
the SQL engine at the table's line.

Issue 13: the tests held to the Python engine run on every SQL engine installed here
(`sql_engine`: duckdb, postgres, spark)."""
from __future__ import annotations

from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine.curves import Curve  # noqa: E402
from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.ir import compile_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from engines import run_tables  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from compplan.lang import check_file  # noqa: E402
from test_sql_differential import assert_same  # noqa: E402

HEAD = """\
plan: t
name: T
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: month
currency: USD
"""

MARCH = parse_period("2026-03")


def compiled_from(tmp_path, text: str):
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD + text)
    checked = check_file(str(path))
    assert checked.ok, [p.text for p in checked.problems.errors]
    return compile_plan(checked)


def python_run(compiled, data: dict):
    problems: list = []
    tables = load_inline(compiled.plan, data, "t", problems)
    assert not problems, [x.text for x in problems]
    return run_plan(compiled, tables, MARCH)


def both(compiled, data: dict, engine: str = "duckdb"):
    """SQL engine `engine`'s result, after checking it against the Python engine's."""
    assert refusals(compiled) == []
    ref = python_run(compiled, data)
    got = run_tables(engine)(compiled, load_inline(compiled.plan, data, "t", []), MARCH)
    assert_same(ref, got)
    return got


def D(x) -> Decimal:
    return Decimal(str(x))


# ------------------------------------------------------------------ 1. curves

SCORECARD = """
inputs:
  payees: {key: rep_id, columns: {name: text, target_pay: money}}
  kpis: {payee: rep_id, columns: {csat: ratio, nps: ratio}}
params:
  threshold: 80%
rates:
  kpi_curve:
    mode: interpolate
    below: zero
    above: clamp
    points:
      - [threshold, 50%]
      - [100%, 100%]
      - [120%, 150%]
  open_curve:
    mode: interpolate
    below: extend
    above: extend
    points: [[80%, 50%], [100%, 100%], [120%, 150%]]
earnings:
  csat_bonus:
    value: payee.target_pay * 60% * rate(kpi_curve, kpis.csat)
  nps_bonus:
    value: payee.target_pay * 40% * rate(kpi_curve, kpis.nps)
  open_bonus:
    value: payee.target_pay * 10% * rate(open_curve, kpis.csat)
"""


def _scorecard_data(rows):
    return {"payees": [{"rep_id": r, "name": r.title(), "target_pay": "1000"} for r, _, _ in rows],
            "kpis": [{"rep_id": r, "csat": c, "nps": n} for r, c, n in rows]}


def test_issue20_curve_at_its_points_between_and_beyond(tmp_path, sql_engine):
    """Target pay 1,000.00; csat weighs 60%, nps 40%, on 80% -> 50%, 100% -> 100%,
    120% -> 150%, nothing below 80%, flat above 120%:
      ann csat 80% (the threshold, exactly): 50%   -> 1,000 x 60% x 50%  = 300.00
          nps 100%:                          100%  -> 1,000 x 40% x 100% = 400.00
      bob csat 120%: 150% -> 900.00; nps 90%: 50% + (90% - 80%) x 50% / 20% = 75%
          -> 1,000 x 40% x 75% = 300.00
      cy  csat 79.99%: below the threshold, 0 -> 0.00; nps 130%: flat at 150% -> 600.00
      dee csat 110%: 100% + 10% x 50% / 20% = 125% -> 750.00; nps 85%: 62.5% -> 250.00
    open_curve carries its end lines on (10% of target pay): ann 80% -> 50.00, bob 120%
    -> 150.00, cy 79.99%: 50% + (79.99% - 80%) x 50% / 20% = 49.975% -> 49.975 = 49.98
    (half up), dee 110% -> 125.00."""
    compiled = compiled_from(tmp_path, SCORECARD)
    got = both(compiled, _scorecard_data([("ann", "80%", "100%"), ("bob", "120%", "90%"),
                                          ("cy", "79.99%", "130%"), ("dee", "110%", "85%")]), engine=sql_engine)
    want = {"ann": ("300.00", "400.00", "50.00"), "bob": ("900.00", "300.00", "150.00"),
            "cy": ("0.00", "600.00", "49.98"), "dee": ("750.00", "250.00", "125.00")}
    for payee, (csat, nps, open_) in want.items():
        assert got.payee(payee).components == {"csat_bonus": D(csat), "nps_bonus": D(nps),
                                               "open_bonus": D(open_)}, payee


def test_issue20_curve_formula_says_how_the_value_was_read(tmp_path):
    compiled = compiled_from(tmp_path, SCORECARD)
    r = python_run(compiled, _scorecard_data([("bob", "120%", "90%"), ("cy", "79.99%", "130%")]))
    formulas = {ln.component + ":" + ln.payee: ln.formula for p in r.payees for ln in p.lines}
    assert formulas["nps_bonus:bob"] == (
        "1,000.00 x 40% x 75% (kpi_curve at 90%: 50% + (90% - 80%) x (100% - 50%) / "
        "(100% - 80%)) = 300.00")
    assert formulas["csat_bonus:bob"] == (
        "1,000.00 x 60% x 150% (kpi_curve at 120%: point 150%) = 900.00")
    assert formulas["csat_bonus:cy"] == (
        "1,000.00 x 60% x 0% (kpi_curve at 79.99%: below the first point 80%, 0) = 0.00")
    assert formulas["nps_bonus:cy"] == (
        "1,000.00 x 40% x 150% (kpi_curve at 130%: above the last point 120%, 150%) = 600.00")


def test_issue20_curve_quotient_has_16_places_half_up():
    """(0, 0) to (30%, 10%) read at 10%: 0 + (10% - 0) x 10% / 30% = 0.01 / 0.3 =
    0.0333... to 16 places, half up: 0.0333333333333333; (0, 0) to (3, 2) at 1: 2 / 3 =
    0.6666666666666667 (the 17th place is 6: up)."""
    c = Curve("c", ((D(0), D(0)), (D("0.3"), D("0.1"))), "zero", "clamp")
    assert c.at(D("0.1")) == D("0.0333333333333333")
    c2 = Curve("c2", ((D(0), D(0)), (D(3), D(2))), "zero", "clamp")
    assert c2.at(D(1)) == D("0.6666666666666667")
    assert c2.at(D(3)) == D(2) and c2.at(D(4)) == D(2) and c2.at(D(-1)) == D(0)


def test_issue20_curve_points_from_params_out_of_order_stop_the_run(tmp_path):
    """A point's x from a param the checker cannot reduce (threshold + 80% = 160%, above
    100%) is checked when the plan compiles, at the point."""
    text = SCORECARD.replace("- [threshold, 50%]", "- [threshold + 80%, 50%]")
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD + text)
    with pytest.raises(CompplanError) as err:
        compile_plan(check_file(str(path)))
    p = err.value.problems[0]
    assert p.message == ("points of 'kpi_curve' are not in order: point 2 is at 100%, not "
                         "above point 1's 160%")
    assert (p.line, p.col) == (HEAD.count("\n") + 14, 10)


# ------------------------------------------------------------------ 2. per-unit tiers

MEETINGS = """
inputs:
  payees: {key: sdr_id, columns: {name: text}}
  meetings: {key: meeting_id, payee: sdr_id, date: held_on, columns: {qualified: boolean}}
params:
  target_meetings: 25
  accelerator_at: 82%            # of the target: 20.5 meetings
  base_rate: 60
  above_rate: base_rate + 35
credits:
  qualified_meetings: {from: meetings, when: qualified, value: 1}
measures:
  qualified: count(qualified_meetings)
rates:
  meeting_rates:
    basis: qualified
    mode: marginal
    at_boundary: upper
    units: whole
    tiers:
      - {to: target_meetings * accelerator_at, rate: base_rate}
      - {rate: above_rate}
earnings:
  meeting_pay:
    each: qualified_meetings
    value: tiered(meeting_rates)
  month_pay:
    value: tiered(meeting_rates)
"""


def _meetings(n: int) -> dict:
    return {"payees": [{"sdr_id": "sam", "name": "Sam"}],
            "meetings": [{"meeting_id": f"M{i:02}", "sdr_id": "sam",
                          "held_on": f"2026-03-{i:02}", "qualified": "true"}
                         for i in range(1, n + 1)]}


@pytest.mark.parametrize("n, pay", [
    (20, "1200.00"),   # 20 x 60.00: all below 20.5
    (21, "1295.00"),   # 20 x 60.00 + 1 x 95.00: the 21st is above 20.5, whole
                       # (split at 20.5 it would be 20.5 x 60 + 0.5 x 95 = 1,277.50)
    (28, "1960.00"),   # 20 x 60.00 + 8 x 95.00 (split: 1,942.50, the issue's example)
])
def test_issue20_per_unit_tiers_pay_whole_meetings(tmp_path, n, pay):
    compiled = compiled_from(tmp_path, MEETINGS)
    r = python_run(compiled, _meetings(n))
    sam = r.payee("sam")
    assert sam.components == {"meeting_pay": D(pay), "month_pay": D(pay)}
    lines = [ln for ln in sam.lines if ln.component == "meeting_pay"]
    # the 20th meeting at 60.00 and the 21st at 95.00, each one tier
    assert lines[19].amount == D("60.00") and len(lines[19].tiers) == 1
    if n > 20:
        assert lines[20].amount == D("95.00") and len(lines[20].tiers) == 1
        assert lines[20].formula == "1 x 95.00 = 95.00"


def test_issue20_without_whole_units_a_meeting_is_split(tmp_path):
    """The same table without 'units: whole' splits the 21st meeting at 20.5:
    20 x 60 + 0.5 x 60 + 0.5 x 95 = 1,200 + 30 + 47.50 = 1,277.50."""
    compiled = compiled_from(tmp_path, MEETINGS.replace("    units: whole\n", ""))
    assert python_run(compiled, _meetings(21)).payee("sam").components["meeting_pay"] == \
        D("1277.50")


def test_issue20_whole_units_run_on_the_sql_engine_as_in_python(tmp_path, sql_engine):
    """Issue 12: the SQL engine no longer refuses per-unit tables; 21 meetings pay
    20 x 60.00 + 1 x 95.00 = 1,295.00 on both engines, every line the same."""
    compiled = compiled_from(tmp_path, MEETINGS)
    assert refusals(compiled) == []
    got = both(compiled, _meetings(21), engine=sql_engine)
    assert got.payee("sam").components == {"meeting_pay": D("1295.00"),
                                           "month_pay": D("1295.00")}


# ------------------------------------------------------------------ 3. at_boundary per tier

CHURN = """
inputs:
  payees: {key: rep_id, columns: {name: text}}
  figures: {payee: rep_id, columns: {churn: ratio, expansion: money}}
rates:
  churn_tiers:
    basis: figures.churn
    mode: whole
    tiers:
      - {to: 5%, rate: 10%}
      - {from: 5%, to: 15%, rate: 5%, at_boundary: upper}   # 5% churn: this band
      - {from: 15%, rate: 0%, at_boundary: lower}           # 15% churn: the band below
earnings:
  expansion_commission:
    value: tiered(churn_tiers, figures.expansion)
"""


def test_issue20_each_tier_closes_its_own_bound(tmp_path, sql_engine):
    """Expansion 10,000.00 at the rate of the band churn falls in:
      4.99% -> band 1, 10%: 1,000.00    5% (on the bound, upper) -> band 2, 5%: 500.00
      15% (on the bound, lower) -> band 2: 500.00    15.01% -> band 3, 0%: 0.00"""
    compiled = compiled_from(tmp_path, CHURN)
    churn = {"a": "4.99%", "b": "5%", "c": "15%", "d": "15.01%"}
    data = {"payees": [{"rep_id": k, "name": k} for k in churn],
            "figures": [{"rep_id": k, "churn": v, "expansion": "10000"} for k, v in churn.items()]}
    got = both(compiled, data, engine=sql_engine)
    assert {p.payee: p.total for p in got.payees} == {
        "a": D("1000.00"), "b": D("500.00"), "c": D("500.00"), "d": D("0.00")}


SPIFF_CURVE = """
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: closed_on, columns: {amount: money}}
  quotas: {payee: rep_id, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
measures:
  booked: sum(bookings)
  attainment: booked / quotas.amount
rates:
  bonus_curve:                   # an amount at each attainment, read at the basis
    basis: attainment
    mode: interpolate
    below: clamp
    above: extend
    points: [[50%, 100], [100%, 1000], [150%, 1600]]
  deal_kicker:                   # an amount by deal size, read per credit
    mode: interpolate
    below: zero
    above: clamp
    points: [[0, 0], [30000, 300]]
earnings:
  attainment_bonus:
    value: rate(bonus_curve)
  kicker:
    each: bookings
    value: rate(deal_kicker, value)
"""


def test_issue20_a_curve_of_amounts_at_its_basis_and_per_credit(tmp_path, sql_engine):
    """Quota 30,000.
      ann books 10,000 + 35,000 = 45,000: 150%, the last point: 1,600.00;
          kickers: 10,000 -> 0 + 10,000 x 300 / 30,000 = 100.00; 35,000 -> clamp 300.00
      bob books 7,000: 23.3333333333333333% (7,000 / 30,000 to 16 places), below 50%:
          clamp 100.00; kicker 7,000 x 300 / 30,000 = 70.00
      cy books 50,000: 166.6666666666666667%, extended: 1,000 + (166.67% - 100%) x 600 /
          50% = 1,000 + 0.6666666666666667 x 600 / 0.5 = 1,000 + 800.00000000000004
          = 1,800.00; kicker 300.00 (clamped)"""
    compiled = compiled_from(tmp_path, SPIFF_CURVE)
    deals = [("ann", "10000"), ("ann", "35000"), ("bob", "7000"), ("cy", "50000")]
    data = {"payees": [{"rep_id": r, "name": r} for r in ("ann", "bob", "cy")],
            "quotas": [{"rep_id": r, "amount": "30000"} for r in ("ann", "bob", "cy")],
            "deals": [{"deal_id": f"D{i}", "rep_id": r, "closed_on": f"2026-03-{i + 1:02}",
                       "amount": a} for i, (r, a) in enumerate(deals)]}
    got = both(compiled, data, engine=sql_engine)
    assert {p.payee: p.components for p in got.payees} == {
        "ann": {"attainment_bonus": D("1600.00"), "kicker": D("400.00")},
        "bob": {"attainment_bonus": D("100.00"), "kicker": D("70.00")},
        "cy": {"attainment_bonus": D("1800.00"), "kicker": D("300.00")}}


TARGETED = """
inputs:
  payees: {key: sdr_id, columns: {name: text}}
  targets: {payee: sdr_id, columns: {meetings: integer}}
  meetings: {key: meeting_id, payee: sdr_id, date: held_on, columns: {qualified: boolean}}
credits:
  qualified_meetings: {from: meetings, when: qualified, value: 1}
measures:
  qualified: count(qualified_meetings)
  meeting_attainment: qualified / targets.meetings
rates:
  meeting_rates:               # above 82% of each SDR's own target, 95.00 a meeting
    basis: meeting_attainment
    mode: marginal
    at_boundary: upper
    units: whole
    tiers:
      - {to: 82%, rate: 60}
      - {rate: 95}
earnings:
  meeting_pay:
    each: qualified_meetings
    value: tiered(meeting_rates)
  month_pay:
    value: tiered(meeting_rates)
"""


def test_issue20_whole_units_above_a_share_of_each_payees_target(tmp_path):
    """A bound that depends on the payee's target is written on the attainment: 82% of
    sam's 25 meetings is 20.5, of ted's 20 is 16.4. 21 meetings each:
      sam: 20 x 60.00 + 1 x 95.00 = 1,295.00
      ted: 16 x 60.00 + 5 x 95.00 = 960.00 + 475.00 = 1,435.00
    the same per meeting (a line each) and for the month (one line)."""
    compiled = compiled_from(tmp_path, TARGETED)
    rows = _meetings(21)["meetings"]
    data = {"payees": [{"sdr_id": "sam", "name": "Sam"}, {"sdr_id": "ted", "name": "Ted"}],
            "targets": [{"sdr_id": "sam", "meetings": "25"}, {"sdr_id": "ted", "meetings": "20"}],
            "meetings": rows + [dict(r, meeting_id="T" + r["meeting_id"], sdr_id="ted")
                                for r in rows]}
    r = python_run(compiled, data)
    assert r.payee("sam").components == {"meeting_pay": D("1295.00"), "month_pay": D("1295.00")}
    assert r.payee("ted").components == {"meeting_pay": D("1435.00"), "month_pay": D("1435.00")}
    [month] = [ln for ln in r.payee("ted").lines if ln.component == "month_pay"]
    assert month.formula == "16 x 60.00 + 5 x 95.00 = 1,435.00"


def test_issue20_whole_units_on_a_ratio_that_does_not_count_credits_stop_the_run(tmp_path):
    """Counting the meetings table itself (not a credit set) gives the engine no count
    of credits to follow: the run stops at 'units', not paying half meetings."""
    text = TARGETED.replace("meeting_attainment: qualified / targets.meetings",
                            "meeting_attainment: count(meetings) / targets.meetings")
    text = text.replace("  meeting_pay:\n    each: qualified_meetings\n"
                        "    value: tiered(meeting_rates)\n", "")  # one line for the month
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD + text)
    with pytest.raises(CompplanError) as err:
        compile_plan(check_file(str(path)))
    assert err.value.problems[0].message == (
        "'units: whole' on 'meeting_rates' needs a basis that counts credits, count(S) or "
        "count(S) over a target")
