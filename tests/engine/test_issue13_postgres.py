"""The SQL engine inside PostgreSQL (issue 13) against the Python engine, the reference.

The same comparison as test_sql_differential.py (every payee, component, total, measure
and warning; every line field by field as exact values: formula, inputs, tier parts,
running basis): each sample plan on its sample data and on its scenarios, run as one
script in PostgreSQL by `--engine postgres` (engine/sql/postgres.py, the PostgreSQL
dialect of engine/sql/dialect.py). Skipped, with the reason, when no server answers at
COMPPLAN_PG_DSN or 127.0.0.1:5432/test.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")
psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_folder, load_inline  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql import postgres  # noqa: E402
from compplan.errors import CompplanError  # noqa: E402
from test_sql_differential import assert_same, assert_sample_same  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]


def _server() -> str | None:
    """Why the tests cannot run (no server), or None."""
    try:
        postgres.connect().close()
    except Exception as e:  # noqa: BLE001 - any failure to connect is a reason to skip
        return f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__}: {e})".strip()
    return None


NO_SERVER = _server()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")

# the sample plans the PostgreSQL dialect runs: all of them (split credits and rollups to
# managers were the last two refused, 2026-11-30)
RUNS = {"ae.yaml", "sdr.yaml", "cs.yaml", "field.yaml", "field_daily.yaml", "team_pool.yaml",
        "retail.yaml", "textbook.yaml", "manager.yaml"}


@pytest.mark.parametrize("entry", [e for e in SAMPLES if e["plan"] in RUNS],
                         ids=lambda e: e["plan"])
def test_sample_data_same_in_postgres(entry):
    assert_sample_same(entry, postgres.run_postgres)


@pytest.mark.parametrize("entry", [e for e in SAMPLES if e["plan"] in RUNS],
                         ids=lambda e: e["plan"])
def test_scenarios_same_in_postgres(entry):
    compiled = load_plan(PLANS / entry["plan"])
    ran = 0
    for sc in compiled.plan.scenarios:
        period = parse_period(sc.period)
        problems: list = []
        tables = load_inline(compiled.plan, sc.data, sc.name, problems)
        if problems:
            continue
        try:
            ref = run_plan(compiled, tables, period)
        except CompplanError:
            with pytest.raises(CompplanError):
                postgres.run_tables(compiled, load_inline(compiled.plan, sc.data, sc.name, []),
                                    period)
            continue
        got = postgres.run_tables(compiled, load_inline(compiled.plan, sc.data, sc.name, []),
                                  period)
        assert_same(ref, got)
        ran += 1
    assert ran >= min(2, len(compiled.plan.scenarios))


def test_sample_plans_all_run_in_postgres():
    assert {e["plan"] for e in SAMPLES} == RUNS  # a new sample runs in PostgreSQL too


def test_issue13_what_the_dialect_lacked_now_runs(tmp_path):
    """Amounts in other currencies (test_issue12_sql_fx.py's plan: EUR deals paid in GBP)
    were refused at `deals:`, the statement that replaces columns in each row (fx.py);
    now the row is written out when the statement runs (pgexpand.py) and the pay is the
    Python engine's, line for line."""
    from test_issue12_sql_fx import PLAN
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    compiled = load_plan(path)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name,pay_currency\nann,Ann,GBP\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,cur\n"
                                    "D1,ann,2026-01-20,1000.00,EUR\n")
    (data / "fx_rates.csv").write_text("period,currency,rate\n2026,EUR,0.80\n")
    period = parse_period("2026-Q1")
    got = postgres.run_postgres(compiled, data, period)
    assert_same(run_plan(compiled, load_folder(compiled.plan, data, []), period), got)
    assert got.payee("ann").currency == "GBP"


def test_issue13_what_only_the_dialect_lacks_hints_at_duckdb():
    """A refusal of a form only the PostgreSQL dialect lacks said "run it with --engine
    python" where the DuckDB engine runs the plan: it now says so. What no SQL engine
    runs keeps cover.refusal's hint."""
    from compplan.engine.sql.cover import refusal
    from compplan.errors import Pos
    at = Pos("plan.yaml", 9, 3)
    lacks = refusal(at, "a list comprehension in 'deals' (PostgreSQL dialect)", "plan.yaml")
    beyond = refusal(at, "the period's dates with reporting lines with dates", "plan.yaml")
    assert [p.hint for p in postgres.dialect_hints([lacks, beyond])] == [
        "the DuckDB engine runs it: run it with --engine duckdb (or --engine python, the "
        "reference)", "run it with --engine python"]


# ------------------------------------------------------------------ generated data
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_sql_differential import AE, Q1, deal  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals=st.lists(deal, min_size=0, max_size=25),
       quotas=st.lists(st.sampled_from(["50000", "100000", "33333.33", "120000.5"]),
                       min_size=3, max_size=3),
       csat=st.lists(st.one_of(st.none(), st.integers(60, 100)), min_size=3, max_size=3))
def test_generated_deals_same_in_postgres(deals, quotas, csat):
    """test_sql_differential's generated AE data (ties on dates, renewals at half credit,
    four places, negative amounts, deals crossing several bounds) inside PostgreSQL."""
    reps = ["ann", "ben", "cy"]
    data = {
        "payees": [{"rep_id": r, "name": r.title(), "region": "West",
                    "target_incentive": "10000"} for r in reps],
        "quotas": [{"rep_id": r, "period": "2026-Q1", "amount": q} for r, q in zip(reps, quotas)],
        "kpis": [{"rep_id": r, "period": "2026-Q1", "csat": c} for r, c in zip(reps, csat)
                 if c is not None],
        "deals": [{**d, "deal_id": f"D{i:03d}", "amount": str(d["amount"]),
                   "close_date": d["close_date"].isoformat()} for i, d in enumerate(deals)],
    }
    problems: list = []
    tables = load_inline(AE.plan, data, "generated", problems)
    assert not problems
    ref = run_plan(AE, tables, Q1)
    got = postgres.run_tables(AE, load_inline(AE.plan, data, "generated", []), Q1)
    assert_same(ref, got)


@pytest.mark.parametrize("construct", ["hold", "ytd"])
def test_constructs_beyond_the_samples_same_in_postgres(construct, tmp_path):
    """test_sql_differential's constructs written into a sample plan (a hold of 30% for
    two periods on sdr.yaml's meetings; ytd(sum(bookings)) on ae.yaml) run inside
    PostgreSQL as the Python engine runs them."""
    from test_sql_differential import BEYOND
    plan, after, added, _what = BEYOND[construct]
    entry = next(e for e in SAMPLES if e["plan"] == plan)
    text = (PLANS / plan).read_text(encoding="utf-8")
    assert after in text
    path = tmp_path / plan
    path.write_text(text.replace(after, after + added, 1), encoding="utf-8")
    compiled = load_plan(path)
    period = parse_period(str(entry["period"]))
    ref = run_plan(compiled, load_folder(compiled.plan, PLANS / entry["data"], []), period)
    got = postgres.run_postgres(compiled, PLANS / entry["data"], period)
    assert_same(ref, got)


def test_pretty_script_runs_the_same(monkeypatch):
    """`compplan sql --dialect postgres --pretty` is for review, and must say what runs:
    each statement as sqlglot lays it out, run instead of the engine's own text, gives
    AE's sample the same lines."""
    import sqlglot
    from compplan.engine.sql.dialect import POSTGRES, Postgres

    def laid_out(sql: str) -> str:
        text = sqlglot.transpile(Postgres.finish(POSTGRES, sql), read="postgres",
                                 write="postgres", pretty=True)[0]
        assert "\n" in text or len(text) < 80  # laid out, not passed through
        return text
    monkeypatch.setattr(POSTGRES, "finish", laid_out)
    entry = next(e for e in SAMPLES if e["plan"] == "ae.yaml")
    compiled = load_plan(PLANS / "ae.yaml")
    period = parse_period(str(entry["period"]))
    ref = run_plan(compiled, load_folder(compiled.plan, PLANS / entry["data"], []), period)
    assert_same(ref, postgres.run_postgres(compiled, PLANS / entry["data"], period))
