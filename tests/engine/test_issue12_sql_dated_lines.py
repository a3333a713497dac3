"""Issue 12: the SQL engine runs reporting lines with dates as the Python engine does (the
reference): a rep who moves from one manager to another in the period is rolled up to,
and counted in team() of, each manager for the days they reported to them only, their
targets by those days' share. Every field of every line is compared
(tests/engine/test_sql_differential.py's assert_same).

Issue 13: every test of pay runs on each SQL engine installed here (`sql_engine`: duckdb,
postgres, spark), so these are what test_issue13_postgres_fx_dated.py (gone) reran on
PostgreSQL. The refusal of a construct (cover.py) is the same for every
engine and is not repeated."""
from __future__ import annotations

import importlib.util
from decimal import Decimal as D
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_folder, load_inline  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql.cover import refusals  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from engines import run_folder, run_tables  # noqa: E402

HERE = Path(__file__).resolve().parent


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


assert_same = _module("test_sql_differential").assert_same
ISSUE16 = _module("test_issue16_dated_hierarchy")


def _both_on_scenarios(tmp_path, text: str, engine: str) -> list:
    run_sql = run_tables(engine)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    compiled = load_plan(path)
    assert refusals(compiled) == []
    out = []
    for sc in compiled.plan.scenarios:
        period = parse_period(sc.period)
        try:
            ref = run_plan(compiled, load_inline(compiled.plan, sc.data, sc.name, []), period)
        except CompplanError as e:
            with pytest.raises(CompplanError) as got:
                run_sql(compiled, load_inline(compiled.plan, sc.data, sc.name, []), period)
            assert [p.text for p in got.value.problems] == [p.text for p in e.problems]
            out.append(None)
            continue
        got = run_sql(compiled, load_inline(compiled.plan, sc.data, sc.name, []), period)
        assert_same(ref, got)
        out.append(got)
    return out


def test_issue16_rep_who_changes_manager_on_the_15th_same_on_the_sql_engine(tmp_path,
                                                                            sql_engine):
    # the Python engine's test, its pay worked out there: Mia 300.00 + 150.00 for
    # D1, D2 (before the 15th), Max 600.00 + 300.00 for D3, quotas 14,000 and 17,000
    [got] = _both_on_scenarios(tmp_path, ISSUE16.PLAN, sql_engine)
    mia, mx = got.payee("mia"), got.payee("max")
    assert (mia.components["override"], mia.components["team_bonus"]) == (D("300.00"),
                                                                          D("150.00"))
    assert (mx.components["override"], mx.components["team_bonus"]) == (D("600.00"),
                                                                        D("300.00"))
    assert mia.measure_values["team_quota"] == D("14000")
    assert [(ln.sources, ln.note) for ln in mia.lines if ln.component == "override"] == [
        (["deals:D1"], "credited through ann"), (["deals:D2"], "credited through ann")]


def test_issue16_without_dated_lines_and_with_overlaps_same_on_the_sql_engine(tmp_path,
                                                                             sql_engine):
    lines = """      reporting:
        - {rep_id: ann, manager_id: mia, from_date: 2025-01-01, to_date: 2026-03-14}
        - {rep_id: ann, manager_id: max, from_date: 2026-03-15, to_date: ""}
"""
    [got] = _both_on_scenarios(tmp_path, ISSUE16.PLAN.replace(lines, "      reporting: []\n"),
                               sql_engine)
    # no dated lines: Max, Ann's manager in payees, 45,000 x 2% = 900.00
    assert got.payee("max").components["override"] == D("900.00")
    # two lines on the same days: the same problem on both engines
    assert _both_on_scenarios(tmp_path, ISSUE16.PLAN.replace(
        "manager_id: max, from_date: 2026-03-15", "manager_id: max, from_date: 2026-03-10"),
        sql_engine) == [None]


PLAN = """
plan: moves-q
name: A rep who changes manager mid-quarter
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, manager: manager_id, columns: {name: text}}
  reporting: {payee: rep_id, manager: manager_id, start: from_date, end: to_date,
              columns: {from_date: date, to_date: date}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, missing: null, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
  team_sales: {from: deals, value: amount, rollup: {levels: 1}}
measures:
  booked: sum(sales)
  quota: quotas.amount
  team_booked: team(booked)
  team_quota: team(quota)
earnings:
  commission: {each: sales, value: value * 10%}
  override: {each: team_sales, value: value * 2%}
  team_bonus: {value: team(commission) * 10%}
"""


def _folder(tmp_path):
    (tmp_path / "plan.yaml").write_text(PLAN)
    data = tmp_path / "data"
    data.mkdir()
    # lee manages mia and max; ann reports to mia until February's end, to max from
    # 1 March (the payees table says max: the manager now)
    (data / "payees.csv").write_text("rep_id,name,manager_id\nlee,Lee,\nmia,Mia,lee\n"
                                     "max,Max,lee\nann,Ann,max\n")
    (data / "reporting.csv").write_text("rep_id,manager_id,from_date,to_date\n"
                                        "ann,mia,2025-01-01,2026-02-28\n"
                                        "ann,max,2026-03-01,\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount\n"
                                    "D1,ann,2026-01-10,10000\n"
                                    "D2,ann,2026-02-28,4000\n"
                                    "D3,ann,2026-03-01,6000\n"
                                    "D4,ann,2026-03-20,20000\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\nann,2026-Q1,90000\n")
    return load_plan(tmp_path / "plan.yaml"), data


def test_a_rep_moving_mid_quarter_counts_for_each_manager_on_their_days(tmp_path, sql_engine):
    compiled, data = _folder(tmp_path)
    period = parse_period("2026-Q1")
    ref = run_plan(compiled, load_folder(compiled.plan, data, []), period)
    for got in (run_tables(sql_engine)(compiled, load_folder(compiled.plan, data, []), period),
                run_folder(sql_engine)(compiled, data, period)):
        assert_same(ref, got)
        ann, mia, mx, lee = (got.payee(p) for p in ("ann", "mia", "max", "lee"))
        # ann: (10,000 + 4,000 + 6,000 + 20,000) x 10% = 4,000.00, whoever her manager
        assert ann.components["commission"] == D("4000.00")
        # mia: D1, D2 (to 28 February): override (10,000 + 4,000) x 2% = 200.00 + 80.00;
        # team(commission) 1,400 x 10% = 140.00; Ann's quota for Jan-Feb's 59 of Q1's
        # 90 days: 90,000 x 59 / 90 = 59,000
        assert [ln.amount for ln in mia.lines if ln.component == "override"] == [
            D("200.00"), D("80.00")]
        assert mia.components["team_bonus"] == D("140.00")
        assert (mia.measure_values["team_booked"], mia.measure_values["team_quota"]) == (
            D("14000"), D("59000"))
        # max: D3, D4 (from 1 March): 120.00 + 400.00; 2,600 x 10% = 260.00; 31 days:
        # 90,000 x 31 / 90 = 31,000
        assert [ln.amount for ln in mx.lines if ln.component == "override"] == [
            D("120.00"), D("400.00")]
        assert mx.components["team_bonus"] == D("260.00")
        assert (mx.measure_values["team_booked"], mx.measure_values["team_quota"]) == (
            D("26000"), D("31000"))
        # lee: mia and max all quarter, and under each Ann for their days: team_booked
        # 14,000 + 26,000 = 40,000, team_quota 59,000 + 31,000 = 90,000; no override
        # (rollups go one level up); team(commission) 1,400 + 2,600 = 4,000 x 10%
        assert (lee.measure_values["team_booked"], lee.measure_values["team_quota"]) == (
            D("40000"), D("90000"))
        assert lee.components == {"commission": D("0"), "override": D("0"),
                                  "team_bonus": D("400.00")}
        # no line or figure of a report's part of the quarter is paid
        assert [p.payee for p in got.payees] == ["ann", "lee", "max", "mia"]


def test_a_construct_the_parts_cannot_run_yet_is_refused_with_its_position(tmp_path):
    text = PLAN.replace("  booked: sum(sales)\n", "  booked: sum(sales)\n  days: period.days\n")
    (tmp_path / "plan.yaml").write_text(text)
    found = refusals(load_plan(tmp_path / "plan.yaml"))
    assert [(p.line, p.message) for p in found] == [
        (text[:text.index("period.days")].count("\n") + 1,
         "the SQL engine does not run the period's dates with reporting lines with dates "
         "yet")]


def test_generated_moves_currencies_and_caps_same_on_both_engines(tmp_path, sql_engine):
    """A seeded company: 5 directors, 10 managers, 100 reps (20 of them moving in the
    quarter, some from a manager under another director), deals in USD, EUR and GBP at
    the rate of their date's most specific row, payees paid in USD, EUR, GBP or JPY,
    rollups up every level, a capped team bonus and a cap on the total: every line of
    every payee the same on both engines, rounding text included."""
    import datetime as dt
    import random
    rnd = random.Random(12)
    text = PLAN.replace("currency: USD\n", "currency: USD\nfx: {from: fx_rates, at: date}\n")
    text = text.replace("manager: manager_id, columns:",
                        "manager: manager_id, currency: pay_currency, columns:")
    text = text.replace("date: close_date, columns:", "date: close_date, currency: cur, "
                        "columns:")
    text = text.replace("  quotas:", "  fx_rates: {period: period, columns: {currency: text, "
                        "rate: number}}\n  quotas:")
    text = text.replace("rollup: {levels: 1}", "rollup: {levels: all}")
    text = text.replace("team_bonus: {value: team(commission) * 10%}",
                        "team_bonus: {value: team(commission) * 10%, cap: 9000}\n"
                        "total:\n  cap: 12000")
    (tmp_path / "plan.yaml").write_text(text)
    data = tmp_path / "data"
    data.mkdir()
    dirs = [f"d{i}" for i in range(5)]
    mgrs = [f"m{i}" for i in range(10)]
    reps = [f"r{i:03d}" for i in range(100)]
    curs = ["USD", "EUR", "GBP", "JPY"]
    rows = ["rep_id,name,manager_id,pay_currency"] + [f"{d},{d},,USD" for d in dirs]
    rows += [f"{m},{m},{dirs[i % 5]},{rnd.choice(curs)}" for i, m in enumerate(mgrs)]
    now = {r: mgrs[i % 10] for i, r in enumerate(reps)}
    rows += [f"{r},{r},{now[r]},{rnd.choice(curs)}" for r in reps]
    (data / "payees.csv").write_text("\n".join(rows) + "\n")
    rows = ["rep_id,manager_id,from_date,to_date"]
    for r in rnd.sample(reps, 20):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randint(5, 80))
        rows += [f"{r},{rnd.choice(mgrs)},2025-01-01,{day - dt.timedelta(days=1)}",
                 f"{r},{now[r]},{day},"]
    (data / "reporting.csv").write_text("\n".join(rows) + "\n")
    (data / "quotas.csv").write_text("rep_id,period,amount\n" + "".join(
        f"{r},2026-Q1,{rnd.randint(100, 900) * 1000}\n" for r in reps))
    (data / "fx_rates.csv").write_text(
        "period,currency,rate\n2026,EUR,1.08\n2026,GBP,1.27\n2026,JPY,0.0067\n"
        "2026-Q1,EUR,1.09\n2026-02,EUR,1.1\n2026-03,GBP,1.25\n")
    rows = ["deal_id,rep_id,close_date,amount,cur"]
    for i in range(1500):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rnd.randint(0, 89))
        rows.append(f"D{i:05d},{rnd.choice(reps)},{day},{rnd.randint(100, 999999) / 100:.2f},"
                    f"{rnd.choice(['USD', 'EUR', 'GBP'])}")
    (data / "deals.csv").write_text("\n".join(rows) + "\n")
    compiled = load_plan(tmp_path / "plan.yaml")
    assert refusals(compiled) == []
    period = parse_period("2026-Q1")
    ref = run_plan(compiled, load_folder(compiled.plan, data, []), period)
    got = run_folder(sql_engine)(compiled, data, period)
    assert_same(ref, got)
    assert sum(p.total for p in got.payees) == sum(p.total for p in ref.payees)
    for x, y in zip(ref.payees, got.payees):
        assert y.currency == x.currency
        for lx, ly in zip(x.lines, y.lines):
            if x.currency != "USD":
                assert ly.rounding == lx.rounding, (x.payee, lx.number)
    # the data holds what the test is for: parts of the quarter, caps, other currencies
    assert any(ln.kind == "cap" for p in got.payees for ln in p.lines)
    assert {p.currency for p in got.payees} == {"USD", "EUR", "GBP", "JPY"}
