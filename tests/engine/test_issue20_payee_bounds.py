"""Issue 20 item 2, its last part: a tier's bounds and rates as expressions of each
payee's targets (`to: targets.meetings`), not only of params. Each payee is paid by
their own table; the figures are worked out by hand in the comments, at the exact
bounds (a target of 20 meetings: 20 and 21 meetings; a target of 25), on the Python
engine; the SQL engine refuses such a table at the bound (it writes bounds as numbers).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.ir import compile_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.engine.tables import table_for  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from compplan.lang import check_file  # noqa: E402

HEAD = """\
plan: t
name: T
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: month
currency: USD
"""

MARCH = parse_period("2026-03")

PLAN = """
inputs:
  payees: {key: sdr_id, columns: {name: text, kicker: money}}
  targets: {payee: sdr_id, columns: {meetings: integer}}
  meetings: {key: meeting_id, payee: sdr_id, date: held_on, columns: {qualified: boolean}}
params:
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
      - {to: targets.meetings, rate: base_rate}
      - {rate: above_rate}
earnings:
  meeting_pay:
    each: qualified_meetings
    value: tiered(meeting_rates)
  month_pay:
    value: tiered(meeting_rates)
"""


def compiled_from(tmp_path, text: str):
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD + text)
    checked = check_file(str(path))
    assert checked.ok, [p.text for p in checked.problems.errors]
    return compile_plan(checked)


def data_for(counts: dict[str, int], targets: dict[str, int]) -> dict:
    payees = [{"sdr_id": p, "name": p.capitalize(), "kicker": "0"} for p in counts]
    meetings = [{"meeting_id": f"{p}-{i:02}", "sdr_id": p, "held_on": f"2026-03-{i:02}",
                 "qualified": "true"} for p, n in counts.items() for i in range(1, n + 1)]
    return {"payees": payees, "meetings": meetings,
            "targets": [{"sdr_id": p, "meetings": str(t)} for p, t in targets.items()]}


def python_run(compiled, data: dict):
    problems: list = []
    tables = load_inline(compiled.plan, data, "t", problems)
    assert not problems, [x.text for x in problems]
    return run_plan(compiled, tables, MARCH)


def D(x) -> Decimal:
    return Decimal(str(x))


def test_issue20_bounds_from_each_payees_target(tmp_path):
    """ann's target is 20 meetings, bob's 20, cy's 25:
    ann 20 meetings: 20 x 60.00 = 1,200.00 (the 20th is the last below her bound);
    bob 21 meetings: 20 x 60.00 + 1 x 95.00 = 1,295.00 (the 21st is above 20);
    cy 21 meetings against 25: 21 x 60.00 = 1,260.00 (same count, his bound is 25);
    cy's 26th would be the first at 95.00 (see the next test)."""
    compiled = compiled_from(tmp_path, PLAN)
    r = python_run(compiled, data_for({"ann": 20, "bob": 21, "cy": 21},
                                      {"ann": 20, "bob": 20, "cy": 25}))
    assert r.payee("ann").components == {"meeting_pay": D("1200.00"),
                                         "month_pay": D("1200.00")}
    assert r.payee("bob").components == {"meeting_pay": D("1295.00"),
                                         "month_pay": D("1295.00")}
    assert r.payee("cy").components == {"meeting_pay": D("1260.00"),
                                        "month_pay": D("1260.00")}
    bob = [ln for ln in r.payee("bob").lines if ln.component == "meeting_pay"]
    assert bob[19].formula == "1 x 60.00 = 60.00"
    assert bob[20].formula == "1 x 95.00 = 95.00"
    month = next(ln for ln in r.payee("bob").lines if ln.component == "month_pay")
    assert month.formula.startswith("20 x 60.00 + 1 x 95.00")
    # each payee's table is kept on their result, for what shows its bounds
    assert table_for(compiled, "meeting_rates", r.payee("cy")).bands[0].high == 25
    assert table_for(compiled, "meeting_rates", r.payee("ann")).bands[0].high == 20


def test_issue20_bound_at_25_for_a_target_of_25(tmp_path):
    """cy, target 25: 25 meetings pay 25 x 60.00 = 1,500.00; 26 pay
    25 x 60.00 + 1 x 95.00 = 1,595.00."""
    compiled = compiled_from(tmp_path, PLAN)
    r = python_run(compiled, data_for({"cy": 25, "dee": 26}, {"cy": 25, "dee": 25}))
    assert r.payee("cy").components["month_pay"] == D("1500.00")
    assert r.payee("dee").components["month_pay"] == D("1595.00")


def test_issue20_the_sql_engine_refuses_bounds_from_the_payee_at_the_bound(tmp_path,
                                                                           sql_engine):
    """The SQL engine writes bounds as literals: a table per payee is refused at the
    bound that reads the payee (line 26, col 14 of the plan: `targets.meetings`), and
    each SQL engine's run refuses it there too rather than pay a table without figures."""
    from engines import run_tables
    compiled = compiled_from(tmp_path, PLAN)
    problems = refusals(compiled)
    assert [(p.line, p.col, p.message) for p in problems] == [
        (HEAD.count("\n") + 20, 14, "the SQL engine does not run a tier's to that reads "
                                    "the payee ('targets.meetings' in 'meeting_rates') yet")]
    data = data_for({"bob": 21}, {"bob": 20})
    with pytest.raises(CompplanError) as e:
        run_tables(sql_engine)(compiled, load_inline(compiled.plan, data, "t", []), MARCH)
    assert str(e.value).endswith("plan.yaml:26:14: error: the SQL engine does not run a "
                                 "tier's to that reads the payee ('targets.meetings' in "
                                 "'meeting_rates') yet")


def check_problems(tmp_path, text: str) -> list[tuple[int, int, str]]:
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD + text)
    checked = check_file(str(path))
    return [(p.line - HEAD.count("\n"), p.col, p.message) for p in checked.problems.errors]


BOUND = "      - {to: targets.meetings, rate: base_rate}"


@pytest.mark.parametrize("bound, col, message", [
    # a deal's column: many rows per payee, no one value
    ("meetings.qualified", 14, "a tier's bound or rate cannot read 'meetings.qualified': "
                               "'meetings' has many rows per payee"),
    # a measure: the period's figures are not known when the table is
    ("qualified", 14, "a tier's bound or rate cannot read a measure ('qualified'): a bound is "
                      "known before the period's figures"),
    ("count(meetings)", 20, "count() over 'meetings' cannot be used in a tier's bound or "
                            "rate: a bound is known before the period's figures"),
    ("period.days", 14, "a tier's bound or rate cannot depend on the period"),
])
def test_issue20_a_bound_that_reads_the_periods_figures_is_an_error_at_it(tmp_path, bound,
                                                                          col, message):
    problems = check_problems(tmp_path, PLAN.replace(BOUND, BOUND.replace(
        "targets.meetings", bound)))
    assert (20, col, message) in problems, problems


def test_issue20_bounds_and_rates_from_the_payees_row(tmp_path):
    """payee.<column> works as a target does: ann's rate above her target is her own
    kicker (120.00): 21 meetings against 20 = 20 x 60.00 + 1 x 120.00 = 1,320.00."""
    compiled = compiled_from(tmp_path, PLAN.replace("      - {rate: above_rate}",
                                                    "      - {rate: payee.kicker}"))
    data = data_for({"ann": 21}, {"ann": 20})
    data["payees"][0]["kicker"] = "120"
    r = python_run(compiled, data)
    assert r.payee("ann").components["month_pay"] == D("1320.00")


def test_issue20_a_payee_without_a_target_is_paid_nothing_by_the_table_with_a_warning(
        tmp_path):
    """bob's target is empty: his table has no bound, so it pays nothing (missing), and
    the run says so at the bound; ann (target 20, 21 meetings) is paid 1,295.00. (A
    payee with no targets row at all stops the run when the data is read.)"""
    compiled = compiled_from(tmp_path, PLAN.replace(
        "columns: {meetings: integer}}", "columns: {meetings: integer}, missing: null}"))
    r = python_run(compiled, data_for({"ann": 21, "bob": 5}, {"ann": 20, "bob": ""}))
    assert r.payee("ann").components["month_pay"] == D("1295.00")
    assert r.payee("bob").total == 0
    assert any("tier 1's to of 'meeting_rates' (targets.meetings) is missing for this payee"
               in w for w in r.payee("bob").warnings), r.payee("bob").warnings


def test_issue20_bounds_out_of_order_for_one_payee_stop_the_run_naming_the_payee(tmp_path):
    """A second bound at 25 meetings: a target of 30 puts tier 1's end above tier 2's."""
    text = PLAN.replace("      - {rate: above_rate}",
                        "      - {to: 25, rate: above_rate}\n      - {rate: above_rate}")
    compiled = compiled_from(tmp_path, text)
    with pytest.raises(CompplanError) as e:
        python_run(compiled, data_for({"ann": 3}, {"ann": 30}))
    p = e.value.problems[0]
    assert p.message == "tier 2 of 'meeting_rates' ends at 25, not above its start 30 " \
                        "for payee ann"
    assert (p.line - HEAD.count("\n"), p.col) == (21, 14)


def test_issue20_a_line_shows_the_payees_bound_among_its_inputs(tmp_path):
    """bob's lines say the bound they were split at: targets.meetings = 20 (and cy's,
    25), so a statement or explain traces 20 x 60.00 + 1 x 95.00 to bob's target."""
    compiled = compiled_from(tmp_path, PLAN)
    r = python_run(compiled, data_for({"bob": 21, "cy": 21}, {"bob": 20, "cy": 25}))
    month = next(ln for ln in r.payee("bob").lines if ln.component == "month_pay")
    assert month.inputs.get("targets.meetings") == 20
    credit = [ln for ln in r.payee("cy").lines if ln.component == "meeting_pay"][20]
    assert credit.inputs.get("targets.meetings") == 25
    assert credit.formula == "1 x 60.00 = 60.00"


def test_issue20_statement_shows_the_payees_bounds_and_curve_marks_them(tmp_path):
    """bob's statement says the bound his month's line was split at (tier bounds:
    targets.meetings = 20), cy's 25; bob's curve marks his tier bound at 20 meetings,
    cy's at 25 (each payee's own table)."""
    from compplan.engine.data import load_folder
    from compplan.render import curve
    from compplan.render.publish import write_result
    compiled = compiled_from(tmp_path, PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("sdr_id,name,kicker\nbob,Bob,0\ncy,Cy,0\n")
    (data / "targets.csv").write_text("sdr_id,meetings\nbob,20\ncy,25\n")
    (data / "meetings.csv").write_text("meeting_id,sdr_id,held_on,qualified\n" + "".join(
        f"{p}-{i:02},{p},2026-03-{i:02},true\n" for p in ("bob", "cy") for i in range(1, 22)))
    problems: list = []
    tables = load_folder(compiled.plan, data, problems)
    assert problems == []
    result = run_plan(compiled, tables, MARCH)
    report = write_result(result, compiled, data, tmp_path / "out", formats=("html",),
                          curves=False)
    pages = {e.payee: (tmp_path / "out").glob(f"**/*{e.payee}*.html") for e in report.entries}
    bob = next(iter(pages["bob"])).read_text()
    cy = next(iter(pages["cy"])).read_text()
    assert "tier bounds: targets.meetings = 20" in bob
    assert "tier bounds: targets.meetings = 25" in cy
    for pid, bound in (("bob", 20), ("cy", 25)):
        rows = {name: [r for r in t.rows if str(r.get("sdr_id")) == pid]
                for name, t in tables.items()}
        profile = curve.profile_from_rows(compiled, rows, pid, MARCH)
        drawn = curve.compute(compiled, profile, "qualified")
        assert [m.bound for m in drawn.markers if m.kind == "tier"] == [bound], drawn.problems


def test_issue20_diff_and_explain_show_a_bound_from_the_payees_target(tmp_path):
    """`compplan diff` names the bound that now reads the target; `compplan explain`
    of bob's month line shows the split and the target it was split at."""
    from click.testing import CliRunner
    from compplan.cli.main import cli
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(HEAD + PLAN.replace("to: targets.meetings", "to: 20"))
    new.write_text(HEAD + PLAN)
    r = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert "changed  meeting_rates tier 1 to: 20 -> targets.meetings" in r.output, r.output
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("sdr_id,name,kicker\nbob,Bob,0\n")
    (data / "targets.csv").write_text("sdr_id,meetings\nbob,20\n")
    (data / "meetings.csv").write_text("meeting_id,sdr_id,held_on,qualified\n" + "".join(
        f"bob-{i:02},bob,2026-03-{i:02},true\n" for i in range(1, 22)))
    env = {"COMPPLAN_DB": f"sqlite:///{tmp_path / 'store.db'}"}
    r = CliRunner().invoke(cli, ["run", str(new), "--data", str(data), "--period", "2026-03",
                                 "--save", "--out", str(tmp_path / "out"), "-q"], env=env)
    assert r.exit_code == 0, r.output
    # 21 per-meeting lines, then the month's line (#22): 20 x 60.00 + 1 x 95.00
    r = CliRunner().invoke(cli, ["explain", "1", "--payee", "bob", "--line", "22"], env=env)
    assert r.exit_code == 0, r.output
    assert "20 x 60.00 + 1 x 95.00 = 1,295.00" in r.output
    assert "inputs: targets.meetings=20" in r.output


def test_issue20_forecast_names_a_tier_crossed_at_the_payees_own_bound(tmp_path):
    """forecast.changes reads each outcome's own table: bob (target 20) going from 19 to
    21 meetings crosses into tier 2 (at_boundary upper: 20 itself is tier 2's, as rate()
    reads it); cy (target 25) from 19 to 21 does not."""
    from compplan.finance.forecast import changes
    compiled = compiled_from(tmp_path, PLAN)
    before = python_run(compiled, data_for({"bob": 19, "cy": 19}, {"bob": 20, "cy": 25}))
    after = python_run(compiled, data_for({"bob": 21, "cy": 21}, {"bob": 20, "cy": 25}))
    assert changes(compiled, before.payee("bob"), after.payee("bob")) == \
        ["meeting_rates tier 1 -> 2"]
    assert changes(compiled, before.payee("cy"), after.payee("cy")) == []
