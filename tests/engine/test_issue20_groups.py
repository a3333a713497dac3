"""Issue 20 items 4 and 6: groups beside the manager line (group(), pools) and groups
inside a period (subtotals).

Every figure below was worked out by hand, with the arithmetic in a comment above it.
Issue 13: the plans that the SQL engine runs are held to the Python engine on every SQL
engine installed here (`sql_engine`: duckdb, postgres, spark; run_text, group sums).
"""
from __future__ import annotations

import json
import os
import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from compplan.cli.main import cli
from compplan.diff.plans import diff_plans
from compplan.engine import load_plan, run_files
from compplan.engine.data import load_inline
from compplan.engine.python.groups import share_out
from compplan.engine.ir import compile_plan
from compplan.engine.periods import parse_period
from compplan.engine.run import run_plan
from compplan.engine.scenarios import run_scenarios
from compplan.engine.sql.cover import refusals
from compplan.lang import check_file, check_source

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
DOC = ROOT / "docs" / "language.md"
C = Decimal("0.01")


def D(x) -> Decimal:
    return Decimal(str(x))


def parts(pool, weights, step=C):
    out = share_out(D(pool), [(m, D(w)) for m, w in weights], step)
    return {m: amount for m, (_w, _x, amount, _extra) in out.items()}


# ---------------------------------------------------------------- the remainder rule

def test_issue20_equal_thirds_leave_a_cent_to_the_first_payee_id():
    # 100.00 / 3 = 33.3333...: each rounds down to 33.33 (99.99 in all); the cent left
    # over goes to the largest remainder, all equal (0.00333...), so to the first id
    assert parts("100.00", [("ana", 1), ("bo", 1), ("cal", 1)]) == \
        {"ana": D("33.34"), "bo": D("33.33"), "cal": D("33.33")}


def test_issue20_the_cent_goes_to_the_largest_remainder():
    # 100.00 shared 1 : 2 : 4 (of 7): 14.2857..., 28.5714..., 57.1428...; down to
    # 14.28 + 28.57 + 57.14 = 99.99; remainders 0.0057, 0.0014, 0.0028: ana's is the
    # largest, so ana 14.29
    assert parts("100.00", [("ana", 1), ("bo", 2), ("cal", 4)]) == \
        {"ana": D("14.29"), "bo": D("28.57"), "cal": D("57.14")}
    # 25,000.10 shared 140,000 : 70,000: 16,666.7333... and 8,333.3666...; down to
    # 16,666.73 + 8,333.36 = 25,000.09; bo's remainder (0.0066) beats ana's (0.0033)
    assert parts("25000.10", [("ana", 140000), ("bo", 70000)]) == \
        {"ana": D("16666.73"), "bo": D("8333.37")}


def test_issue20_two_cents_over_go_to_the_two_largest_remainders():
    # 0.05 shared by 3 equally: 0.01666... each, down to 0.01 (0.03 in all): 2 cents
    # over, to the first two ids (equal remainders)
    assert parts("0.05", [("a", 1), ("b", 1), ("c", 1)]) == \
        {"a": D("0.02"), "b": D("0.02"), "c": D("0.01")}


def test_issue20_a_negative_pool_is_shared_towards_zero_the_same_way():
    # -100.00 / 3: -33.33 each towards zero, the -0.01 over to the first id
    assert parts("-100.00", [("a", 1), ("b", 1), ("c", 1)]) == \
        {"a": D("-33.34"), "b": D("-33.33"), "c": D("-33.33")}


def test_issue20_whole_units():
    # 10 shared 3 ways, step 1 (a plan in VND): 3.33... down to 3 each, 1 over to 'a'
    assert parts("10", [("a", 1), ("b", 1), ("c", 1)], D(1)) == \
        {"a": D(4), "b": D(3), "c": D(3)}


@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=12),
       st.integers(-10**9, 10**9))
def test_issue20_shares_always_add_up_to_the_pool(weights, cents):
    pool = Decimal(cents) / 100
    got = share_out(pool, [(f"p{i:02d}", Decimal(w)) for i, w in enumerate(weights)], C)
    assert sum(a for _w, _x, a, _e in got.values()) == pool
    for _w, exact, amount, _extra in got.values():
        assert abs(amount - exact) < C  # never more than a step from its exact share


# ---------------------------------------------------------------- the sample plans

@pytest.mark.parametrize("plan", ["team_pool.yaml", "retail.yaml"])
def test_issue20_sample_plans_scenarios_pass(plan):
    outcomes = run_scenarios(load_plan(PLANS / plan))
    assert len(outcomes) >= 2
    assert [o.name for o in outcomes if not o.passed] == []


def _pool(pr):
    return [ln for ln in pr.lines if ln.component == "team_pool"]


def test_issue20_team_pool_sample_data():
    result = run_files(PLANS / "team_pool.yaml", PLANS / "data" / "team_pool", "2026-Q1")
    by = {p.payee: p for p in result.payees}
    # north: ana 90,000 + 50,000 = 140,000 of 120,000 (116.7%), bo 70,000 of 100,000
    # (70%), cal 40,001 of 100,000 (40.001%: no share). Team 250,001: pool 25,000.10,
    # shared 140,000 : 70,000 -> ana 16,666.73, bo 8,333.37 (the remainder rule above)
    assert by["ana"].components["team_pool"] == D("16666.73")
    assert by["bo"].components["team_pool"] == D("8333.37")
    assert _pool(by["cal"]) == []
    # south: dee 50,000 + ed 50,001 = 100,001, both over 50%: pool 10,000.10, shared
    # 50,000 : 50,001 -> 5,000.00 and 5,000.10 exactly
    assert by["dee"].components["team_pool"] == D("5000.00")
    assert by["ed"].components["team_pool"] == D("5000.10")
    # the parts are the pool, to the cent
    assert by["ana"].components["team_pool"] + by["bo"].components["team_pool"] == \
        D("25000.10")
    # commission 5%: ana 7,000.00, so ana's total 23,666.73
    assert by["ana"].total == D("23666.73")
    (line,) = _pool(by["bo"])
    assert line.formula == (
        "pool of team north: 10% x group booked of team north 250,001.00 = 25,000.10; "
        "25,000.10 x booked 70,000.00 / 210,000.00 (shared by ana, bo: 2 of 3 members) "
        "= 8,333.366667 -> 8,333.36 (down to 0.01) + 0.01 (largest remainder) = 8,333.37")
    assert line.exact == D("8333.3666666666666667")
    assert "largest remainder" in line.rounding
    assert line.inputs["pool"] == D("25000.10") and line.inputs["sharing"] == "ana, bo"
    assert by["ana"].measure_values["qualified_booked"] == D(210000)


def test_issue20_retail_sample_data_lines_trace_to_their_groups_rows():
    result = run_files(PLANS / "retail.yaml", PLANS / "data" / "retail", "2026-03")
    by = {p.payee: p for p in result.payees}
    lin = by["lin"]
    # 3 March: 800 + 200 + 700 + 300 + 148,000 + 60,000 = 210,000 > 200,000: 4,200.00;
    # 4 March: 200,000, not over
    (day,) = [ln for ln in lin.lines if ln.component == "daily_bonus"]
    assert day.amount == D("4200.00")
    assert day.sources == ["days:2026-03-03"] + [f"order_lines:L-{i}" for i in range(1, 7)]
    # B-1: 200 of 1,000 (20%, not over); B-2: 300 of 1,000 (30%): 50
    (kick,) = [ln for ln in lin.lines if ln.component == "bill_kicker"]
    assert kick.amount == D("50.00")
    assert kick.sources == ["bills:B-2", "order_lines:L-3", "order_lines:L-4"]
    assert kick.inputs["accessories"] == D(300)
    # mo: B-6 30,000 of 120,000 (25%): 50; 120,000 on 10 March is not over
    assert by["mo"].total == D("50.00")
    assert lin.measure_values["days_over"] == 1


# ---------------------------------------------------------------- more cases

HEAD = """
plan: t
name: T
period: month
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, team: text}, missing: "null"}
  sales_lines: {key: line_id, payee: rep_id, date: sold_on, columns: {amount: money}}
credits:
  sales: {from: sales_lines, value: amount}
"""


def run_text(text: str, data: dict, period: str = "2026-03", engine: str = "duckdb"):
    checked = check_source(HEAD + text, "plan.yaml")
    assert checked.ok, [p.text for p in checked.problems.errors]
    compiled = compile_plan(checked)
    problems: list = []
    tables = load_inline(compiled.plan, data, "test", problems)
    assert not problems
    result = run_plan(compiled, tables, parse_period(period))
    if not refusals(compiled):  # issue 12: the SQL engine pays each of these the same
        from engines import run_tables
        from test_sql_differential import assert_same
        assert_same(result, run_tables(engine)(
            compiled, load_inline(compiled.plan, data, "test", []), parse_period(period)))
    return compiled, result


def test_issue20_subtotals_by_week_and_a_weekly_threshold(sql_engine):
    text = """
subtotals:
  weeks: {from: sales, by: week, value: sum(sales)}
earnings:
  weekly_bonus:
    each: weeks
    when: value >= 1000
    value: value * 1%
"""
    data = {"payees": [{"rep_id": "a", "name": "A", "team": "x"}],
            "sales_lines": [
                # 2026-03-02 is a Monday (W10): 600 + 400 = 1,000, at the threshold
                # (>=): 1% = 10.00; W11 (9 to 15 March): 999.99, under it
                {"line_id": "L1", "rep_id": "a", "sold_on": "2026-03-02", "amount": 600},
                {"line_id": "L2", "rep_id": "a", "sold_on": "2026-03-08", "amount": 400},
                {"line_id": "L3", "rep_id": "a", "sold_on": "2026-03-09", "amount": 999.99}]}
    _c, result = run_text(text, data, engine=sql_engine)
    (ln,) = result.payees[0].lines
    assert ln.amount == D("10.00")
    assert ln.sources == ["weeks:2026-W10", "sales_lines:L1", "sales_lines:L2"]


def test_issue20_a_payee_in_no_team_gets_no_share_and_a_warning(sql_engine):
    text = """
measures:
  booked: sum(sales)
  team_booked: group(booked, payee.team)
earnings:
  pool:
    value: 1000
    pool: {by: team}
"""
    data = {"payees": [{"rep_id": "a", "name": "A", "team": "x"},
                       {"rep_id": "b", "name": "B", "team": "x"},
                       {"rep_id": "c", "name": "C", "team": "x"},
                       {"rep_id": "z", "name": "Z", "team": ""}],
            "sales_lines": [{"line_id": "L1", "rep_id": "a", "sold_on": "2026-03-02",
                             "amount": 10}]}
    _c, result = run_text(text, data, engine=sql_engine)
    by = {p.payee: p for p in result.payees}
    # 1,000 shared equally by a, b, c: 333.33 each, the cent over to a
    assert [by[p].components.get("pool") for p in "abc"] == \
        [D("333.34"), D("333.33"), D("333.33")]
    assert by["z"].lines == []
    assert any("has no team" in w for w in by["z"].warnings)
    assert by["z"].measure_values["team_booked"] is None
    assert by["b"].measure_values["team_booked"] == D(10)


def test_issue20_a_pool_nobody_shares_is_not_paid(sql_engine):
    text = """
measures:
  booked: sum(sales)
earnings:
  pool:
    value: 10% * group(booked, payee.team)
    pool: {by: team, members: booked > 100}
"""
    data = {"payees": [{"rep_id": "a", "name": "A", "team": "x"}],
            "sales_lines": [{"line_id": "L1", "rep_id": "a", "sold_on": "2026-03-02",
                             "amount": 100}]}
    _c, result = run_text(text, data, engine=sql_engine)
    assert result.payees[0].lines == []
    assert any("nobody in team x shares the pool of 10.00" in w
               for w in result.payees[0].warnings)


def test_issue20_group_reads_an_earning_and_pays_on_it(sql_engine):
    # a store bonus: 1% of the store's commission, on top; commission is own (5%)
    text = """
measures:
  booked: sum(sales)
earnings:
  commission: {each: sales, value: value * 5%}
  store_bonus:
    value: group(commission, payee.team) * 1%
"""
    data = {"payees": [{"rep_id": "a", "name": "A", "team": "x"},
                       {"rep_id": "b", "name": "B", "team": "x"}],
            "sales_lines": [
                {"line_id": "L1", "rep_id": "a", "sold_on": "2026-03-02", "amount": 1000},
                {"line_id": "L2", "rep_id": "b", "sold_on": "2026-03-03", "amount": 3000}]}
    _c, result = run_text(text, data, engine=sql_engine)
    # commission 50.00 + 150.00 = 200.00; 1% = 2.00 each
    for pr in result.payees:
        (ln,) = [x for x in pr.lines if x.component == "store_bonus"]
        assert ln.amount == D("2.00")
        assert ln.formula == "group commission of team x 200.00 x 1% = 2.00"


# ---------------------------------------------------------------- around the engine

def test_issue20_the_sql_engine_runs_pools_and_subtotals():
    """Issue 12: pools and subtotals are no longer refused by the SQL engine (they were,
    at the pool's and each subtotal's line); tests/engine/test_sql_differential.py holds
    both samples to the Python engine, line by line."""
    assert refusals(load_plan(PLANS / "team_pool.yaml")) == []
    assert refusals(load_plan(PLANS / "retail.yaml")) == []


def test_issue20_run_on_duckdb_pays_retail_as_python_does(tmp_path):
    out = {}
    for engine in ("duckdb", "python"):
        result = CliRunner().invoke(cli, ["run", str(PLANS / "retail.yaml"), "--data",
                                          str(PLANS / "data" / "retail"), "--period",
                                          "2026-03", "--engine", engine, "--out",
                                          str(tmp_path / engine)])
        assert result.exit_code == 0, result.output
        out[engine] = (tmp_path / engine / "retail-2026" / "2026-03" / "payees.csv"
                       ).read_text().splitlines()
    assert out["duckdb"] == out["python"]
    # lin: 210,000 on 3 March x 2% = 4,200.00, bill B-2's kicker 50.00 (plan's example)
    assert any(r.startswith("lin,") and "4250.00" in r for r in out["duckdb"]), out


def test_issue20_the_json_schema_knows_pools_and_subtotals():
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    assert schema["$defs"]["Pool"]["required"] == ["by"]
    assert set(schema["$defs"]["Subtotal"]["properties"]) >= {"from", "by", "value",
                                                              "columns"}
    assert schema["$defs"]["Subtotal"]["additionalProperties"] is False  # group_by: marked
    assert schema["$defs"]["Pool"]["additionalProperties"] is False
    assert schema["$defs"]["Earning"]["properties"]["pool"]["anyOf"][0] == \
        {"$ref": "#/$defs/Pool"}
    # every key the sample plans write is one the schema knows (no jsonschema here)
    for plan in ("team_pool.yaml", "retail.yaml"):
        data = yaml.safe_load((PLANS / plan).read_text())
        for st_ in data.get("subtotals", {}).values():
            assert set(st_) <= set(schema["$defs"]["Subtotal"]["properties"])
        for e in data["earnings"].values():
            assert set(e.get("pool", {})) <= set(schema["$defs"]["Pool"]["properties"])
    assert "subtotals" in schema["properties"]


def test_issue20_diff_reports_pool_and_subtotal_changes(tmp_path):
    text = (PLANS / "team_pool.yaml").read_text()
    other = tmp_path / "b.yaml"
    other.write_text(text.replace("members: attainment >= 50%", "members: attainment >= 60%"))
    d = diff_plans(check_file(PLANS / "team_pool.yaml"), check_file(other))
    assert [(c.section, c.name, c.field, c.old, c.new) for c in d.changes] == [
        ("earnings", "team_pool", "pool members", "attainment >= 50%", "attainment >= 60%")]
    text = (PLANS / "retail.yaml").read_text()
    other.write_text(text.replace("    by: bill_id", "    by: week"))
    d = diff_plans(check_file(PLANS / "retail.yaml"), check_file(other))
    assert [(c.section, c.name, c.field, c.old, c.new) for c in d.changes] == [
        ("subtotals", "bills", "by", "bill_id", "week")]


GOLDEN = Path(__file__).resolve().parent / "golden"


def _golden(name: str, text: str) -> None:
    """Compare with tests/engine/golden/NAME (COMPPLAN_UPDATE_GOLDEN=1 writes it)."""
    path = GOLDEN / name
    if os.environ.get("COMPPLAN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _saved_run(runner, plan: str, data: str, period: str, out: Path) -> str:
    r = runner.invoke(cli, ["run", f"plans/{plan}", "--data", f"plans/data/{data}",
                            "--period", period, "--save", "--out", str(out)])
    assert r.exit_code == 0, r.output
    return re.search(r"saved as run (\d+)", r.output).group(1)


def test_issue20_explain_and_statements_show_pools_and_subtotals(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COMPPLAN_DB", f"sqlite:///{tmp_path / 'c.db'}")
    runner = CliRunner()
    retail = _saved_run(runner, "retail.yaml", "retail", "2026-03", tmp_path / "out")
    out = runner.invoke(cli, ["explain", retail, "--payee", "lin"], terminal_width=200).output
    assert "days:2026-03-03  (the group of the rows below, by day)" in out
    assert "order_lines:L-5  line_id=L-5" in out
    pool = _saved_run(runner, "team_pool.yaml", "team_pool", "2026-Q1", tmp_path / "out")
    out = runner.invoke(cli, ["explain", pool, "--payee", "bo"], terminal_width=200).output
    assert "+ 0.01 (largest remainder) = 8,333.37" in out
    # each payee's statement, as the rep reads it: the lines with their sources and
    # formulas (the subtotal's rows; the pool's sharing and remainder)
    for run_id, payee, name in ((retail, "lin", "issue20_retail_lin.csv"),
                                (pool, "bo", "issue20_team_pool_bo.csv")):
        folder = tmp_path / f"st{run_id}"
        r = runner.invoke(cli, ["statements", run_id, "--out", str(folder), "--format",
                                "csv", "--payee", payee, "-q"])
        assert r.exit_code == 0, r.output
        (csv_file,) = (folder / payee).glob("*.csv")
        _golden(name, csv_file.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the doc's examples

def _doc_plan(first_line: str) -> str:
    doc = DOC.read_text(encoding="utf-8")
    m = re.search(r"```yaml\n(" + re.escape(first_line) + r"\n.*?)```", doc, re.S)
    assert m, first_line
    return m.group(1)


@pytest.mark.parametrize("first", ["plan: team-pool-demo", "plan: retail-demo"])
def test_issue20_the_docs_examples_pay_what_they_say(tmp_path, first):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(_doc_plan(first)))
    outcomes = run_scenarios(load_plan(path))
    assert outcomes and all(o.passed for o in outcomes), \
        [o.differences for o in outcomes]


def test_issue20_a_live_what_if_moves_every_share_of_the_pool():
    from compplan.engine.data import load_folder
    from compplan.engine.live import LiveRun
    compiled = load_plan(PLANS / "team_pool.yaml")
    problems: list = []
    tables = load_folder(compiled.plan, PLANS / "data" / "team_pool", problems)
    live = LiveRun(compiled, tables, parse_period("2026-Q1"))
    got = live.what_if("deals", [{"deal_id": "WI", "rep_id": "cal",
                                  "close_date": "2026-03-31", "amount": "9999",
                                  "customer": "X"}])
    # cal 40,001 + 9,999 = 50,000: exactly 50%, so cal shares now. Team 260,000: pool
    # 26,000.00 shared 140,000 : 70,000 : 50,000 (of 260,000): 10% of each booking,
    # 14,000.00, 7,000.00, 5,000.00. The south team is not touched.
    assert set(got.after) == {"ana", "bo", "cal"}
    assert [got.after[p].components["team_pool"] for p in ("ana", "bo", "cal")] == \
        [D("14000.00"), D("7000.00"), D("5000.00")]
    assert live.payee("bo").components["team_pool"] == D("8333.37")  # not taken


def test_issue20_ytd_of_a_subtotal_is_refused_at_its_place():
    text = HEAD + """
subtotals:
  days: {from: sales, by: day, value: sum(sales)}
measures:
  year_days: ytd(count(days))
earnings:
  bonus: {each: days, value: value * 1%}
"""
    checked = check_source(text, "plan.yaml")
    (p,) = checked.problems.errors
    # line 15 is "  year_days: ytd(count(days))"; 'days' starts at column 2 + 11 + 4 + 6
    # + 1 = 24
    assert (p.line, p.col) == (15, 24)
    assert p.message == "ytd() of subtotals 'days': subtotals group the period's own credits"


POOL_ON_TIERS = """
plan: g
name: G
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, team: text, store: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
measures:
  booked: sum(bookings)
  quota: quotas.amount
  attainment: booked / quota
  team_booked: group(booked, payee.team)
  team_attainment: team_booked / group(quota, payee.team)
rates:
  team_rates:
    basis: team_attainment
    mode: whole
    at_boundary: upper
    tiers: [{to: 100%, rate: 5%}, {rate: 10%}]
  own_rates:
    basis: attainment
    mode: whole
    at_boundary: upper
    tiers: [{to: 100%, rate: 5%}, {rate: 10%}]
earnings:
  team_pool:
    value: tiered(team_rates, team_booked)
    pool: {by: team, share: booked}
"""


def test_issue20_a_pool_on_the_teams_own_tiers_checks_and_pays():
    checked = check_source(POOL_ON_TIERS, "plan.yaml")
    assert checked.ok, [p.text for p in checked.problems.errors]
    compiled = compile_plan(checked)
    problems: list = []
    tables = load_inline(compiled.plan, {
        "payees": [{"rep_id": "a", "name": "A", "team": "x", "store": "s1"},
                   {"rep_id": "b", "name": "B", "team": "x", "store": "s2"}],
        "quotas": [{"rep_id": "a", "period": "2026-Q1", "amount": 50000},
                   {"rep_id": "b", "period": "2026-Q1", "amount": 50000}],
        "deals": [{"deal_id": "D1", "rep_id": "a", "close_date": "2026-01-05",
                   "amount": 80000},
                  {"deal_id": "D2", "rep_id": "b", "close_date": "2026-02-05",
                   "amount": 40000}]}, "test", problems)
    assert not problems
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    # team 120,000 of 100,000: 120%, whole amount at 10%: pool 12,000.00, shared 80 : 40
    # -> a 8,000.00, b 4,000.00
    assert [p.components["team_pool"] for p in result.payees] == [D("8000.00"), D("4000.00")]


def test_issue20_a_pool_on_a_payees_own_tiers_or_another_grouping_is_refused():
    text = POOL_ON_TIERS.replace(
        "value: tiered(team_rates, team_booked)",
        "value: tiered(own_rates, team_booked) + group(booked, payee.store)")
    got = [(p.line, p.col, p.message) for p in check_source(text, "plan.yaml").problems.errors]
    line = text.splitlines().index(
        "    value: tiered(own_rates, team_booked) + group(booked, payee.store)") + 1
    assert got == [
        (line, 12, "a pool's value is one amount for the whole group, but the basis of "
                   "'own_rates' is each payee's own"),
        (line, 45, "a pool's value is one amount for the whole group, but group() by store "
                   "differs from member to member of a team")]



SQL_GROUPS = """
plan: t
name: T
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text, store: text}, missing: "null"}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
measures:
  booked: sum(bookings)
  attainment: booked / quotas.amount
  store_booked: group(booked, payee.store)
  store_qualified: group(booked, payee.store where attainment >= 50%)
earnings:
  commission: {each: bookings, value: value * 5%}
  store_bonus:
    value: group(commission, payee.store) * 1%
  share_bonus:
    when: attainment >= 50%
    value: store_qualified * 1% * (booked / store_booked)
"""


def test_issue20_group_sums_the_same_on_the_sql_engine(sql_engine):
    """group() runs on DuckDB too (a column summed over each value of the payees
    column, as team() sums up the hierarchy), held to the Python engine to the last
    digit, formulas, inputs and warnings included."""
    from engines import run_tables
    from test_sql_differential import assert_same
    checked = check_source(SQL_GROUPS, "plan.yaml")
    assert checked.ok, [p.text for p in checked.problems.errors]
    compiled = compile_plan(checked)
    assert refusals(compiled) == []
    data = {"payees": [{"rep_id": "a", "name": "A", "store": "s1"}, {"rep_id": "b", "name": "B", "store": "s1"},
                       {"rep_id": "c", "name": "C", "store": "s2"}, {"rep_id": "z", "name": "Z", "store": ""}],
            "quotas": [{"rep_id": r, "period": "2026-Q1", "amount": 10000} for r in "abcz"],
            "deals": [{"deal_id": "D1", "rep_id": "a", "close_date": "2026-01-02", "amount": 6000},
                      {"deal_id": "D2", "rep_id": "b", "close_date": "2026-01-03", "amount": 3333.33},
                      {"deal_id": "D3", "rep_id": "c", "close_date": "2026-01-04", "amount": 7000},
                      {"deal_id": "D4", "rep_id": "z", "close_date": "2026-01-05", "amount": 9000}]}
    problems: list = []
    tables = load_inline(compiled.plan, data, "test", problems)
    assert not problems
    period = parse_period("2026-Q1")
    ref = run_plan(compiled, tables, period)
    assert_same(ref, run_tables(sql_engine)(compiled, tables, period))
    by = {p.payee: p for p in ref.payees}
    # store s1: a 6,000 + b 3,333.33 = 9,333.33; qualified (50%+ of 10,000): a only
    assert by["b"].measure_values["store_booked"] == D("9333.33")
    assert by["b"].measure_values["store_qualified"] == D("6000")
    # commission 300.00 + 166.67 = 466.67; 1% = 4.6667 -> 4.67 each
    assert by["a"].components["store_bonus"] == by["b"].components["store_bonus"] == D("4.67")
    # a: 6,000 x 1% x (6,000 / 9,333.33) = 38.5714... -> 38.57
    assert by["a"].components["share_bonus"] == D("38.57")
    # z has no store: no group, the bonus not paid, with the engine's warning
    assert by["z"].measure_values["store_booked"] is None
    assert "store_bonus: value missing; not paid" in by["z"].warnings
