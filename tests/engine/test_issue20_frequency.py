"""Payees settled at their own frequency in one plan (issue 20 item 7): a half-month
plan whose payees column says who is settled monthly.

Every engine installed here is held to the Python engine (issue 13, one truth: the
`engine` and `sql_engine` fixtures, tests/engines.py): Spark too, which refused such a
plan until it settled group by group (it would have paid mia 50.00 and 820.00 where
she is paid 870.00 once, at month end). Spark's runs cost seconds each; this file's
dozen of them is all of it (about a minute), so every case runs on Spark."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan
from compplan.engine.data import load_inline
from compplan.engine.run import run_plan
from compplan.engine.sql.cover import refusals
from compplan.errors import CompplanError
from compplan.lang.settle import kinds_for, settles
from compplan.periods import parse_period
from compplan.store.scenarios import run_scenarios
from engines import run_standalone, run_tables

PLAN = """\
plan: payroll
name: Paid on the 15th and at month end
period: half_month
currency: USD
inputs:
  payees:
    key: rep_id
    manager: manager_id
    frequency: pay_frequency
    columns: {name: text, pay_frequency: text}
    missing: null
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
  quota: quotas.amount
earnings:
  commission: {value: booked * 10%}
  override: {value: team(booked) * 1%}
scenarios:
  - name: March, paid twice to ann and bob and once to their manager
    data:
      payees:
        - {rep_id: ann, name: Ann, pay_frequency: half_month, manager_id: mia}
        - {rep_id: bob, name: Bob, manager_id: mia}  # empty: the plan's half months
        - {rep_id: mia, name: Mia, pay_frequency: month}
      deals:
        - {deal_id: D1, rep_id: ann, close_date: 2026-03-15, amount: 1000}
        - {deal_id: D2, rep_id: ann, close_date: 2026-03-16, amount: 2000}
        - {deal_id: D3, rep_id: bob, close_date: 2026-03-02, amount: 4000}
        - {deal_id: D4, rep_id: mia, close_date: 2026-03-20, amount: 8000}
      quotas:
        - {rep_id: ann, period: 2026-03, amount: 31000}
        - {rep_id: bob, period: 2026-03, amount: 31000}
        - {rep_id: mia, period: 2026-03, amount: 62000}
    periods:
      - period: 2026-03a
        # March 1-15: ann D1 1,000 -> 100.00, quota 31,000 x 15 / 31 = 15,000;
        # bob D3 4,000 -> 400.00; mia is settled with the month, in 2026-03b
        expect:
          ann: {booked: 1000, quota: 15000, commission: 100.00, total: 100.00}
          bob: {booked: 4000, commission: 400.00, total: 400.00}
      - period: 2026-03b
        # March 16-31: ann D2 2,000 -> 200.00, quota 31,000 x 16 / 31 = 16,000; bob
        # nothing; mia over March 1-31: D4 8,000 -> 800.00, her whole quota 62,000, and
        # 1% of her team's March: (1,000 + 2,000 + 4,000) x 1% = 70.00
        expect:
          ann: {booked: 2000, quota: 16000, commission: 200.00}
          bob: {booked: 0, commission: 0, total: 0}
          mia: {booked: 8000, quota: 62000, commission: 800.00, override: 70.00,
                total: 870.00}
"""


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "payroll.yaml"
    path.write_text(PLAN)
    return load_plan(path)


def test_issue20_payees_settled_at_their_own_frequency(plan, engine):
    # saved period by period by each engine (issue 12, issue 13)
    run = None if engine == "python" else run_standalone(engine)
    [outcome] = run_scenarios(plan, run=run, engine=engine)
    assert outcome.passed, outcome.differences + [p.text for p in outcome.problems]


def scenario_tables(plan, frequency="month"):
    """The first scenario's rows as tables, mia settled at `frequency` (the PostgreSQL
    engine's test, tests/store/test_issue13_postgres_frequency.py, reads them too)."""
    data = dict(plan.plan.scenarios[0].data)
    data["payees"] = [dict(r) for r in data["payees"]]
    data["payees"][2]["pay_frequency"] = frequency
    problems: list = []
    tables = load_inline(plan.plan, data, "data", problems)
    assert problems == []
    return tables


def test_issue20_a_run_says_who_it_leaves_to_a_later_run(plan):
    result = run_plan(plan, scenario_tables(plan), parse_period("2026-03a"))
    assert [p.payee for p in result.payees] == ["ann", "bob"]
    [note] = [w for w in result.warnings if w.code == "settled-later"]
    assert note.message == ("1 payee settled by month is not in 2026-03a: mia (settled "
                            "with 2026-03, in the run that ends on 2026-03-31)")
    result = run_plan(plan, scenario_tables(plan), parse_period("2026-03b"))
    mia = result.payee("mia")
    assert mia.warnings[0] == "settled by month: 2026-03 (2026-03-01 to 2026-03-31)"
    assert not [w for w in result.warnings if w.code == "settled-later"]


def test_issue20_a_frequency_the_plan_cannot_settle_at_is_a_data_error(plan):
    with pytest.raises(CompplanError) as e:
        run_plan(plan, scenario_tables(plan, "week"), parse_period("2026-03b"))
    [p] = e.value.problems
    assert p.message == "'week' is not a frequency a plan paid by half month can settle " \
        "payee 'mia' at"
    assert (p.row, p.column) == (3, "pay_frequency")  # the third payee of the scenario
    assert p.hint == "write one of: half_month, month, quarter, half, year"


@pytest.mark.parametrize("kind, plan_kind, ok", [
    ("month", "half_month", True), ("half_month", "month", False),
    ("month", "week", False), ("week", "day", True), ("year", "quarter", True),
    ("quarter", "quarter", True),
])
def test_issue20_which_frequencies_a_plan_settles(kind, plan_kind, ok):
    assert settles(kind, plan_kind) is ok
    assert kinds_for("month") == ["month", "quarter", "half", "year"]


@pytest.mark.parametrize("period", ["2026-03a", "2026-03b"])
def test_issue12_the_sql_engine_settles_each_payee_at_their_frequency(plan, period,
                                                                     sql_engine):
    """Each SQL engine runs `frequency:` (issue 12, engine/sql/settle.py; issue 13 for
    PostgreSQL and Spark): the same payees, lines, totals and warnings as the Python
    engine, run by run (the scenario above gives the pay by hand); mia, settled
    monthly, only at month end."""
    from tests.engine.test_sql_differential import assert_same
    assert refusals(plan) == []
    ref = run_plan(plan, scenario_tables(plan), parse_period(period))
    got = run_tables(sql_engine)(plan, scenario_tables(plan), parse_period(period))
    assert_same(ref, got)
    assert [(w.code, w.message) for w in got.warnings] == \
        [(w.code, w.message) for w in ref.warnings]
    assert [p.payee for p in got.payees] == (["ann", "bob"] if period == "2026-03a" else
                                             ["ann", "bob", "mia"])
    if period == "2026-03b":  # 800.00 + (1,000 + 2,000 + 4,000) x 1% = 870.00
        assert got.payee("mia").total == ref.payee("mia").total == 870


def test_issue20_run_on_the_command_line(tmp_path, engine):
    (tmp_path / "payroll.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,pay_frequency,manager_id\n"
                                     "ann,Ann,half_month,mia\nmia,Mia,month,\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD4,mia,2026-03-20,8000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-03,31000\n"
                                     "mia,2026-03,62000\n")
    r = CliRunner().invoke(cli, ["run", str(tmp_path / "payroll.yaml"), "--data", str(data),
                                 "--period", "2026-03a", "--out", str(tmp_path / "out"),
                                 "--table", "--engine", engine])
    assert r.exit_code == 0, r.output
    assert "1 payee settled by month is not in 2026-03a: mia" in r.output
    assert "\nann        100.00      0.00  100.00\n" in r.output and "\nmia " not in r.output


def march_data(tmp_path):
    """A data folder for March: ann (twice a month, reporting to mia) D1 1,000 on the
    15th and D2 2,000 on the 16th; mia (monthly) D4 8,000; quotas 31,000 and 62,000.
    The PostgreSQL engine's test (tests/store/test_issue13_postgres_frequency.py) saves
    it too."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,pay_frequency,manager_id\n"
                                     "ann,Ann,half_month,mia\nmia,Mia,month,\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD2,ann,2026-03-16,2000\n"
                                    "D4,mia,2026-03-20,8000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-03,31000\n"
                                     "mia,2026-03,62000\n")
    return data


def test_issue12_lines_csv_of_a_month_end_run_on_both_engines(tmp_path, sql_engine):
    """At month end the SQL engine writes each group's lines by COPY and puts them
    together in payee order: the same rows as the Python engine's lines.csv (Spark
    stages each group's lines alone, read by the Spark engine from the data folder)."""
    import csv
    from decimal import Decimal
    (tmp_path / "payroll.yaml").write_text(PLAN)
    data = march_data(tmp_path)
    rows = {}
    for engine in ("python", sql_engine):
        r = CliRunner().invoke(cli, ["run", str(tmp_path / "payroll.yaml"), "--data",
                                     str(data), "--period", "2026-03b", "--out",
                                     str(tmp_path / engine), "--engine", engine, "-q"])
        assert r.exit_code == 0, r.output
        lines = tmp_path / engine / "payroll" / "2026-03b" / "lines.csv"
        with lines.open(newline="") as fh:
            rows[engine] = list(csv.DictReader(fh))

    def exact(row):  # exact values as numbers: '200.0' and '200' are the same value
        return {k: (Decimal(v) if v and k in ("exact", "basis_before", "basis_after") else v)
                for k, v in row.items()}
    assert [exact(r) for r in rows[sql_engine]] == [exact(r) for r in rows["python"]]
    # ann, March 16-31: D2 2,000 x 10% = 200.00 (no team: an override of 0.00); mia
    # over March: D4 800.00 and 1% of ann's month (1,000 + 2,000) = 30.00
    assert [(r["payee"], r["component"], r["amount"]) for r in rows[sql_engine]] == [
        ("ann", "commission", "200.00"), ("ann", "override", "0.00"),
        ("mia", "commission", "800.00"),
        ("mia", "override", "30.00")]


def test_issue12_saved_runs_of_a_settled_plan_on_both_engines(tmp_path, sql_engine):
    """`run --save` on the SQL engine stores each group's lines (and their fingerprint)
    as the Python engine does: the half month's run ann's, the month end's ann's and
    mia's (the pay is worked out by hand in the scenario above)."""
    from sqlalchemy import select
    from compplan.store import lifecycle, open_store
    from compplan.store.models import LineItem
    (tmp_path / "payroll.yaml").write_text(PLAN)
    data = march_data(tmp_path)
    compiled = load_plan(tmp_path / "payroll.yaml")
    saved = {}
    for engine in ("python", sql_engine):
        store = open_store(f"sqlite:///{tmp_path / (engine + '.db')}")
        try:
            runs = []
            for period in ("2026-03a", "2026-03b"):
                s = lifecycle.save_run(store, compiled, data, period, "fin", engine=engine)
                with store.session() as session:
                    lines = [(li.payee, li.number, li.component, li.amount, li.formula,
                              li.key) for li in session.execute(select(LineItem).where(
                                  LineItem.run_id == s.run.id).order_by(
                                  LineItem.payee, LineItem.number)).scalars()]
                runs.append((s.run.fingerprint, s.run.total, lines))
                lifecycle.approve(store, s.run.id, "controller")
            saved[engine] = runs
        finally:
            store.close()
    assert saved[sql_engine] == saved["python"]
    # 2026-03a: ann's D1 100.00; 2026-03b: ann's D2 200.00, mia 800.00 + 30.00
    assert [total for _f, total, _l in saved[sql_engine]] == [100, 1030]


def test_issue20_a_monthly_payees_hold_is_released_in_a_run_that_settles_them(tmp_path):
    """Half the commission held for 1 period (the plan's: a half month). ann is settled
    twice a month, mia monthly. By hand:
    2026-03a: ann D1 1,000 x 10% = 100.00, 50.00 held: 50.00 paid.
    2026-03b: ann D2 200.00, 100.00 held, and her 03a hold released (+50.00): 150.00;
              mia (March) D4 800.00, 400.00 held, override 1% x 3,000 = 30.00: 430.00.
    2026-04a: ann's 03b hold released: 100.00. mia's 03b hold is 1 half month old, but
              2026-04a does not settle her: it waits (before, she was paid 400.00 here,
              mid-month, in a run she is not in).
    2026-04b: mia's hold released with her April: 400.00."""
    from compplan.store import lifecycle, open_store
    text = PLAN.replace("  commission: {value: booked * 10%}",
                        "  commission:\n    value: booked * 10%\n"
                        "    hold: {share: 50%, periods: 1}")
    (tmp_path / "payroll.yaml").write_text(text)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,pay_frequency,manager_id\n"
                                     "ann,Ann,half_month,mia\nmia,Mia,month,\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-03-15,1000\nD2,ann,2026-03-16,2000\n"
                                    "D4,mia,2026-03-20,8000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-03,31000\n"
                                     "mia,2026-03,62000\nann,2026-04,30000\n"
                                     "mia,2026-04,60000\n")
    compiled = load_plan(tmp_path / "payroll.yaml")
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    paid = {}
    try:
        for period in ("2026-03a", "2026-03b", "2026-04a", "2026-04b"):
            s = lifecycle.save_run(store, compiled, data, period, "fin")
            paid[period] = {p.payee: p.total for p in s.result.payees}
            lifecycle.approve(store, s.run.id, "controller")
    finally:
        store.close()
    assert paid == {"2026-03a": {"ann": 50}, "2026-03b": {"ann": 150, "mia": 430},
                    "2026-04a": {"ann": 100}, "2026-04b": {"ann": 0, "mia": 400}}


DRAW_PLAN = """\
plan: payroll-draw
name: A draw, twice a month and monthly
period: half_month
currency: USD
inputs:
  payees:
    key: rep_id
    start: start_date
    frequency: pay_frequency
    columns: {name: text, pay_frequency: text}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
measures:
  booked: sum(sales)
earnings:
  commission: {value: booked * 10%}
payout:
  draw: {amount: 1000, recoverable: false, periods: 2}
"""


def test_issue20_a_monthly_payees_draw_counts_and_pays_months(tmp_path, engine):
    """Both start on 2026-03-01 with a draw of 1,000.00 for 2 periods, their own: ann,
    twice a month, is in the 4th period of her draw in 2026-04b (03a, 03b, 04a, 04b) and
    is paid none; mia, monthly, is in her 2nd (March, April) and is topped up to
    1,000.00 over April: she earns 150.00 (D1 1,500 x 10%), a draw line of 850.00.
    (Counted in half months, mia's April was her 4th period: no draw.)"""
    (tmp_path / "draw.yaml").write_text(DRAW_PLAN)
    compiled = load_plan(tmp_path / "draw.yaml")
    data = {"payees": [{"rep_id": "ann", "name": "Ann", "pay_frequency": "half_month",
                        "start_date": "2026-03-01"},
                       {"rep_id": "mia", "name": "Mia", "pay_frequency": "month",
                        "start_date": "2026-03-01"}],
            "deals": [{"deal_id": "D1", "rep_id": "mia", "close_date": "2026-04-03",
                       "amount": "1500"}]}
    problems: list = []
    tables = load_inline(compiled.plan, data, "data", problems)
    assert problems == []
    result = run_standalone(engine)(compiled, tables, parse_period("2026-04b"))
    ann, mia = result.payee("ann"), result.payee("mia")
    assert (ann.draw_period, mia.draw_period) == (4, 2)
    assert ann.total == 0
    assert mia.components == {"commission": 150, "draw": 850}
    assert mia.total == 1000


def test_issue20_a_monthly_payees_statement_shows_their_month(plan):
    """In the run of 2026-03b, mia (monthly) is settled over March 1-31: her statement's
    header says 2026-03 and its days, not the run's half month; ann's says 2026-03b."""
    from compplan.render.publish import header_of
    from compplan.render.statement import build
    result = run_plan(plan, scenario_tables(plan), parse_period("2026-03b"))
    header = header_of(plan, result)
    mia = build(result.payee("mia"), plan, header, "en")
    assert (mia.header.period, str(mia.header.period_start), str(mia.header.period_end)) \
        == ("2026-03", "2026-03-01", "2026-03-31")
    ann = build(result.payee("ann"), plan, header, "en")
    assert (ann.header.period, str(ann.header.period_start)) == ("2026-03b", "2026-03-16")


def test_issue20_the_live_view_says_a_monthly_payee_is_worked_out_over_the_half_month(plan):
    """While 2026-03a is open, the portal's live figures of mia (monthly) are March 1-15
    only: D4 is on the 20th, so 0.00, and her result says so first."""
    from compplan.engine.live import LiveRun
    live = LiveRun(plan, scenario_tables(plan), parse_period("2026-03a"))
    assert live.payee("mia").warnings[0] == (
        "figures of 2026-03a (2026-03-01 to 2026-03-15) only: you are settled by month "
        "for 2026-03, in the run that ends on 2026-03-31")
    assert not live.payee("ann").warnings or not live.payee("ann").warnings[0].startswith(
        "figures of")


def test_issue20_the_json_schema_knows_half_months_and_frequency():
    """An editor offers half_month for `period:` and says what `frequency:` is."""
    import json
    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    assert "half_month" in schema["properties"]["period"]["enum"]
    freq = schema["$defs"]["Input"]["properties"]["frequency"]
    assert "how often each payee is settled" in freq["description"]


def test_issue13_a_run_that_settles_nobody_pays_nobody_on_every_engine(tmp_path, engine):
    """ann and mia both settled monthly: the run of 2026-03a settles no one (its own
    period is still checked, settle.run_by_frequency) and says both wait for the run
    that ends on 2026-03-31, on every engine as on the Python engine. Spark reads the
    data folder itself (run_spark: the inputs read once, the period checked on what it
    read, spark._own_period_problems)."""
    from compplan.engine.data import load_folder
    (tmp_path / "payroll.yaml").write_text(PLAN)
    compiled = load_plan(tmp_path / "payroll.yaml")
    data = march_data(tmp_path)
    (data / "payees.csv").write_text("rep_id,name,pay_frequency,manager_id\n"
                                     "ann,Ann,month,mia\nmia,Mia,month,\n")
    period = parse_period("2026-03a")
    if engine == "spark":
        from compplan.engine.sql.spark import run_spark
        got = run_spark(compiled, data, period)
    else:
        got = run_tables(engine)(compiled, load_folder(compiled.plan, data, []), period)
    assert got.payees == []
    assert [(w.code, w.message) for w in got.warnings] == [
        ("settled-later", "2 payees settled by month are not in 2026-03a: ann, mia "
                          "(settled with 2026-03, in the run that ends on 2026-03-31)")]
