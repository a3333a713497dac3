"""Issue 20 items 1-3 in the checker and the JSON Schema: curves (mode: interpolate),
tier bounds and rates from params, units: whole, at_boundary per tier. Each misuse is
one positioned error (the golden files in golden/ hold the full wording of the main
ones)."""
from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.lang import check_source

PLAN = textwrap.dedent("""\
    plan: demo
    name: Demo plan
    period: month
    currency: USD
    inputs:
      payees: {key: rep_id, columns: {bonus: money}}
      kpis: {payee: rep_id, columns: {csat: ratio, count: integer}}
    params:
      tier_meetings: 20
    measures:
      csat: kpis.csat
      meetings: kpis.count
    rates:
    RATES
    earnings:
      pay:
        value: EARNING
    """)

CURVE = """\
  kpi_curve:
    mode: interpolate
    below: zero
    above: clamp
    points: [[80%, 50%], [100%, 100%], [120%, 150%]]
"""

TIERS = """\
  meeting_rates:
    basis: meetings
    mode: marginal
    at_boundary: upper
    tiers:
      - {to: tier_meetings, rate: 60}
      - {rate: 95}
"""


def check(rates: str, earning: str):
    text = PLAN.replace("RATES\n", rates).replace("EARNING", earning)
    return check_source(text, "plan.yaml")


def errors(rates: str, earning: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.col, p.message) for p in check(rates, earning).problems.errors]


def test_issue20_a_curve_checks_and_gives_its_points_unit():
    c = check(CURVE, "payee.bonus * rate(kpi_curve, csat)")
    assert c.problems.sorted() == []
    assert c.symbols.rates["kpi_curve"].kind == "ratio"


def test_issue20_a_curve_with_a_basis_reads_it_without_x():
    rates = CURVE.replace("    mode: interpolate\n", "    basis: csat\n    mode: interpolate\n")
    assert errors(rates, "payee.bonus * rate(kpi_curve)") == []


def test_issue20_a_curve_without_a_basis_needs_x():
    assert errors(CURVE, "payee.bonus * rate(kpi_curve)") == [
        (21, 26, "curve 'kpi_curve' has no basis: say where to read it")]


def test_issue20_a_curve_needs_two_points():
    rates = CURVE.replace("[[80%, 50%], [100%, 100%], [120%, 150%]]", "[[80%, 50%]]")
    assert errors(rates, "payee.bonus * rate(kpi_curve, csat)") == [
        (18, 5, "curve 'kpi_curve' needs at least two points")]


def test_issue20_a_point_is_two_values():
    rates = CURVE.replace("[100%, 100%]", "[100%, 100%, 3]")
    assert errors(rates, "payee.bonus * rate(kpi_curve, csat)") == [
        (18, 26, "point 2 of 'kpi_curve' has 3 values; a point is [x, y]")]


def test_issue20_points_do_not_mix_percentages_and_amounts():
    rates = CURVE.replace("[120%, 150%]", "[120%, 1500]")
    assert errors(rates, "payee.bonus * rate(kpi_curve, csat)") == [
        (18, 5, "the points of 'kpi_curve' mix percentages and amounts")]


def test_issue20_x_is_read_in_the_points_unit():
    assert errors(CURVE, "payee.bonus * rate(kpi_curve, payee.bonus)") == [
        (21, 42, "rate(kpi_curve, ...) is given money, but the points of 'kpi_curve' "
                 "are at a ratio")]


def test_issue20_tiers_keys_or_at_boundary_on_a_curve_are_named():
    rates = CURVE + "    at_boundary: upper\n"
    assert errors(rates, "payee.bonus * rate(kpi_curve, csat)") == [
        (19, 5, "'at_boundary' is not part of a curve: 'kpi_curve' is 'mode: interpolate'")]


def test_issue20_points_need_mode_interpolate():
    rates = CURVE.replace("    mode: interpolate\n", "    mode: marginal\n")
    assert errors(rates, "payee.bonus * rate(kpi_curve, csat)") == [
        (18, 5, "rate table 'kpi_curve' has points but is not a curve")]


def test_issue20_bounds_and_rates_from_params_check_and_are_ordered():
    assert errors(TIERS, "tiered(meeting_rates)") == []
    rates = TIERS.replace("      - {rate: 95}", "      - {from: 15, rate: 95}")
    assert errors(rates, "tiered(meeting_rates)") == [
        (20, 16, "tiers of 'meeting_rates' overlap: tier 2 starts at 15, below the previous "
                 "tier's end tier_meetings (20)")]


def test_issue20_a_param_bound_on_a_ratio_basis_is_a_percentage():
    rates = TIERS.replace("basis: meetings", "basis: csat").replace("rate: 60", "rate: 6%") \
        .replace("rate: 95", "rate: 9%")
    assert errors(rates, "tiered(meeting_rates, payee.bonus)") == [
        (19, 14, "tier bound tier_meetings (20) is a plain number, but the basis 'csat' is "
                 "a ratio")]


def test_issue20_at_boundary_may_be_said_per_tier_instead_of_per_table():
    rates = TIERS.replace("    at_boundary: upper\n", "") \
        .replace("{rate: 95}", "{rate: 95, at_boundary: lower}")
    assert errors(rates, "tiered(meeting_rates)") == []
    two = rates.replace("{rate: 95, at_boundary: lower}",
                        "{to: 30, rate: 95, at_boundary: lower}\n      - {rate: 99}")
    assert errors(two, "tiered(meeting_rates)") == [
        (14, 3, "rate table 'meeting_rates' must say at_boundary")]


def test_issue20_whole_units_need_amounts_per_unit_and_marginal_tiers():
    rates = TIERS.replace("    tiers:", "    units: whole\n    tiers:")
    assert errors(rates, "tiered(meeting_rates)") == []
    whole = rates.replace("mode: marginal", "mode: whole")
    assert errors(whole, "tiered(meeting_rates)") == [
        (18, 5, "'units: whole' is for marginal tiers; 'meeting_rates' pays the whole basis "
                "at one rate already")]
    pct = rates.replace("rate: 60", "rate: 6%").replace("rate: 95", "rate: 9%")
    assert errors(pct, "tiered(meeting_rates, payee.bonus)") == [
        (18, 5, "'units: whole' pays an amount per unit, but the rates of 'meeting_rates' "
                "are percentages")]


def test_issue20_the_json_schema_knows_curves_units_and_tier_boundaries():
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)["$defs"]
    rt, tier = schema["RateTable"]["properties"], schema["Tier"]["properties"]

    def enum(prop):
        return {v for a in prop.get("anyOf", [prop]) for v in a.get("enum", [a.get("const")])
                if v is not None}
    assert "interpolate" in enum(rt["mode"])
    assert enum(rt["below"]) == {"zero", "clamp", "extend"}
    assert enum(rt["above"]) == {"clamp", "extend"}
    assert enum(rt["units"]) == {"whole"}
    assert enum(tier["at_boundary"]) == {"upper", "lower"}
    points = next(a for a in rt["points"]["anyOf"] if a.get("type") == "array")
    assert points["items"]["type"] == "array"


def test_issue20_a_curve_read_at_its_basis_is_not_for_credit_rules():
    text = PLAN.replace("RATES\n", CURVE.replace("    mode: interpolate\n",
                                                 "    basis: csat\n    mode: interpolate\n"))
    text = text.replace("EARNING", "payee.bonus * rate(kpi_curve)")
    text = text.replace("  kpis:", "  deals: {key: deal_id, payee: rep_id, columns: {amount: "
                        "money}}\n  kpis:")
    text = text.replace("measures:\n", "credits:\n  scored:\n    from: deals\n"
                        "    value: amount * rate(kpi_curve)\nmeasures:\n")
    line = text.split("\n").index("    value: amount * rate(kpi_curve)") + 1
    errs = [(p.line, p.message) for p in check_source(text, "plan.yaml").problems.errors]
    assert errs == [(line, "rate(kpi_curve) cannot be used in a credit rule: its basis is "
                           "read per payee, and credits are worked out before measures and "
                           "earnings")]


def test_issue20_the_json_schema_says_a_tier_may_read_the_payees_targets():
    """An editor's hover text for a tier says what its bounds may read (issue 20:
    to: targets.meetings)."""
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)["$defs"]
    assert "payee.<column> and columns of a one-row-per-payee input" in \
        schema["Tier"]["description"].replace("\n", " ")
    assert "targets.meetings" in schema["Tier"]["description"]
