"""Issue 13: `compplan sql --dialect postgres` printed DuckDB's forms (`t.* EXCLUDE (..)
REPLACE (..)`, a table made again) where a statement's columns depend on the data, which
the engine writes out only when it runs (pgexpand.py). Now such a statement is printed
under a note that says so, and `--data DIR` prints the script written out for that data,
which runs as printed. "Runs as printed" is tested on the server: the printed text is
executed as it stands in a fresh schema holding the tables a run prepares, and the
lines it makes are worked out by hand. Skipped, with the reason, without a server."""
from __future__ import annotations

import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.engine import load_plan

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine.data import load_folder  # noqa: E402
from compplan.periods import parse_period  # noqa: E402
from compplan.engine.sql import postgres  # noqa: E402
from compplan.engine.sql import run as duck_run  # noqa: E402
from compplan.engine.sql.dialect import POSTGRES  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AE, AE_DATA = ROOT / "plans" / "ae.yaml", ROOT / "plans" / "data" / "ae"

FX_PLAN = """plan: fx-pg
name: Euro deals
period: quarter
currency: GBP
fx: {from: fx_rates, at: date}
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, currency: cur,
          columns: {amount: money}}
  fx_rates: {period: period, columns: {currency: text, rate: number}}
credits:
  sales: {from: deals, value: amount}
earnings:
  commission: {each: sales, value: amount * 10%}
"""


def _no_server() -> str | None:
    try:
        postgres.connect().close()
    except Exception as e:  # noqa: BLE001 - the reason to skip
        return f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__})"
    return None


NO_SERVER = _no_server()
needs_server = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def fx_case(tmp_path: Path) -> tuple[Path, Path]:
    """A euro deal of 1,000.00 for a plan paid in pounds at 0.80, and ann's who is
    paid in pounds: 1,000.00 x 0.80 = 800.00 GBP credited, x 10% = 80.00 commission."""
    plan = tmp_path / "fx.yaml"
    plan.write_text(FX_PLAN)
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\nbob,Bob\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,cur\n"
                                    "D1,ann,2026-01-20,1000.00,EUR\n"
                                    "D2,bob,2026-02-03,250.00,GBP\n")
    (data / "fx_rates.csv").write_text("period,currency,rate\n2026,EUR,0.80\n")
    return plan, data


def run_printed(text: str, plan: Path, data: Path) -> dict[tuple[str, str], Decimal]:
    """The printed script executed as it stands (one string, every statement) in a fresh
    schema holding the tables a run prepares from `data` (the DuckDB preparation's,
    copied as --engine postgres copies them); -> the lines' amounts per (payee,
    component). The schema is dropped after."""
    import duckdb

    compiled = load_plan(str(plan))
    period = parse_period("2026-Q1")
    problems: list = []
    tables = load_folder(compiled.plan, data, problems)
    assert not problems
    schema = f"test_review_{uuid.uuid4().hex[:10]}"
    pg = postgres.connect()
    duck = duckdb.connect()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            duck_run.settings(duck, Path(tmp))
            duck_run.compile_sql(compiled, duck, tables, period, Path(tmp), POSTGRES)
        pg.execute(f'CREATE SCHEMA "{schema}"')
        pg.execute(f'SET search_path TO "{schema}"')
        postgres.copy_tables(duck, pg, schema)
        pg.execute(text)  # no parameters: the whole script in one go, as psql would
        rows = pg.execute("SELECT payee, component, sum(amount) FROM lines "
                          "GROUP BY payee, component").fetchall()
        return {(p, c): a for p, c, a in rows}
    finally:
        duck.close()
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        pg.close()


def test_issue13_sql_postgres_notes_what_the_data_fills_in(tmp_path):
    """Without --data the two statements whose columns the data decides (deals in
    pounds: EXCLUDE/REPLACE/a table made again; the credits' notes: * REPLACE) are each
    under a note, and the header counts them; a plan without such forms has no note."""
    plan, _ = fx_case(tmp_path)
    r = invoke("sql", plan, "--period", "2026-Q1", "--dialect", "postgres")
    assert r.exit_code == 0, r.output
    assert "-- 2 statement(s) below have columns the data decides" in r.output
    blocks = r.output.split("\n\n")
    noted = [b for b in blocks if "-- filled in from the data at run time" in b]
    assert len(noted) == 2
    assert "(EXCLUDE, * REPLACE, CREATE OR REPLACE)" in " ".join(noted[0].split())
    assert noted[0].splitlines()[0].startswith("-- deals in GBP")
    assert "t.* EXCLUDE (_fx_cur) REPLACE (" in noted[0]
    assert noted[1].splitlines()[0].startswith("-- credits_sales")
    # every statement with such a form has its note, and no other has one
    for block in blocks:
        sql = "\n".join(x for x in block.splitlines() if not x.startswith("--"))
        has_form = " EXCLUDE (" in sql or "* REPLACE (" in sql or "BY NAME" in sql
        assert has_form == (block in noted), block[:200]
    r = invoke("sql", AE, "--period", "2026-Q1", "--dialect", "postgres")
    assert r.exit_code == 0 and "filled in from the data" not in r.output


def test_issue13_sql_data_without_postgres_is_refused(tmp_path):
    plan, data = fx_case(tmp_path)
    r = CliRunner().invoke(cli, ["sql", str(plan), "--period", "2026-Q1", "--data", str(data)])
    assert r.exit_code == 2
    assert "--data and --dsn go with --dialect postgres" in r.output


@needs_server
def test_issue13_sql_postgres_with_data_runs_as_printed(tmp_path):
    """With --data every form is written out (no EXCLUDE, REPLACE (...), BY NAME or
    CREATE OR REPLACE left outside text literals), the header names the tables the
    script reads, and the printed text, executed as it stands, pays ann 80.00 (1,000.00
    EUR x 0.80 = 800.00 GBP, x 10%) and bob 25.00 (250.00 GBP x 10%), as the engine and
    the Python reference pay them. The script printed without --data does not run:
    the note says so truly."""
    import re

    import psycopg

    plan, data = fx_case(tmp_path)
    r = invoke("sql", plan, "--period", "2026-Q1", "--dialect", "postgres", "--data", data)
    assert r.exit_code == 0, r.output
    code = re.sub(r"'(?:[^']|'')*'", "''", "\n".join(
        x for x in r.output.splitlines() if not x.startswith("--")))
    for form in (" EXCLUDE (", " REPLACE (", "BY NAME", "CREATE OR REPLACE"):
        assert form not in code, form
    assert "fx_day, fx_period, in_deals, in_fx_rates, in_payees" in " ".join(
        x[3:] for x in r.output.splitlines()[:8])
    assert "-- deals in GBP" in r.output and "(continued)" in r.output
    paid = run_printed(r.output, plan, data)
    assert paid == {("ann", "commission"): Decimal("80.00"),
                    ("bob", "commission"): Decimal("25.00")}
    for engine in ("python", "postgres"):
        run = invoke("run", plan, "--data", data, "--period", "2026-Q1", "--engine", engine,
                     "--out", tmp_path / engine)
        assert run.exit_code == 0, run.output
        assert "TOTAL                 2  105.00" in run.output, run.output
    bare = invoke("sql", plan, "--period", "2026-Q1", "--dialect", "postgres")
    with pytest.raises(psycopg.errors.SyntaxError):
        run_printed(bare.output, plan, data)


@needs_server
def test_issue13_sql_postgres_sample_plan_runs_as_printed():
    """The AE sample (plans/ae.yaml) has no form the data fills in: printed without
    --data it runs as it stands on the tables a run prepares from its sample data, and
    pays 56,480.00 in all, component by component what the Python engine pays."""
    from compplan.engine.run import run_plan

    r = invoke("sql", AE, "--period", "2026-Q1", "--dialect", "postgres")
    assert r.exit_code == 0, r.output
    paid = run_printed(r.output, AE, AE_DATA)
    assert sum(paid.values()) == Decimal("56480.00")
    compiled = load_plan(str(AE))
    problems: list = []
    result = run_plan(compiled, load_folder(compiled.plan, AE_DATA, problems),
                      parse_period("2026-Q1"))
    expected: dict = {}
    for pr in result.payees:
        for ln in pr.lines:
            expected[(pr.payee, ln.component)] = expected.get(
                (pr.payee, ln.component), Decimal(0)) + ln.amount
    assert {k: v for k, v in paid.items() if v} == {k: v for k, v in expected.items() if v}
