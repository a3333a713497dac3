"""`compplan run --engine postgres` and `compplan sql --dialect postgres` (issue 13), as
a data engineer would use them. Skipped, with the reason, without a PostgreSQL server."""
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.engine.sql import postgres  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
AE, AE_DATA = str(ROOT / "plans" / "ae.yaml"), str(ROOT / "plans" / "data" / "ae")


def _no_server() -> str | None:
    try:
        postgres.connect().close()
    except Exception as e:  # noqa: BLE001 - the reason to skip
        return f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__})"
    return None


NO_SERVER = _no_server()


def invoke(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")
def test_run_in_postgres_writes_what_the_other_engines_write(tmp_path):
    """payees.csv byte for byte as the Python engine's; lines.csv as the DuckDB engine's
    (both write exact values without their SQL scale's trailing zeros). The AE sample
    pays 56,480.00 in all (the sum of payees.csv's totals)."""
    out = {}
    for engine in ("python", "duckdb", "postgres"):
        r = invoke("run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--engine", engine,
                   "--out", str(tmp_path / engine))
        assert r.exit_code == 0, r.output
        assert f"engine {engine}" in r.output.splitlines()[0]
        assert "TOTAL                 7  56,480.00" in r.output
        out[engine] = tmp_path / engine / "ae-2026" / "2026-Q1"
    assert (out["postgres"] / "payees.csv").read_bytes() == \
        (out["python"] / "payees.csv").read_bytes()
    assert (out["postgres"] / "lines.csv").read_text().splitlines() == \
        (out["duckdb"] / "lines.csv").read_text().splitlines()


@pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")
def test_run_in_postgres_saves(tmp_path):
    """Issue 13: --save was refused on postgres; now it stores the run (the store tests
    are tests/store/test_issue13_postgres_save.py) and writes the result files too."""
    r = CliRunner().invoke(cli, ["run", AE, "--data", AE_DATA, "--period", "2026-Q1",
                                 "--engine", "postgres", "--save", "--jsonl", "--out",
                                 str(tmp_path), "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert r.exit_code == 0, r.output
    assert "saved as run 1" in r.output
    out = tmp_path / "ae-2026" / "2026-Q1"
    assert len((out / "lines.csv").read_text().splitlines()) == 1 + 25
    assert len((out / "lines.jsonl").read_text().splitlines()) == 25


def test_sql_for_postgres_has_no_duckdb_only_forms():
    """The script --engine postgres runs: its own division function, no HUGEINT, no
    lateral steps, no EXCLUDE, no struct lists (outside text literals)."""
    r = invoke("sql", AE, "--period", "2026-Q1", "--dialect", "postgres")
    assert r.exit_code == 0, r.output
    assert "the SQL the postgres engine runs" in r.output
    assert "CREATE FUNCTION cp_div" in r.output and "cp_div(" in r.output.split("-- hier")[1]
    body = re.sub(r"'(?:[^']|'')*'", "''", r.output.split("-- hier")[1])
    for form in ("HUGEINT", "//", "EXCLUDE", "BY NAME", "QUALIFY", "GROUP BY ALL", "[x FOR",
                 "{''", "_cp1 ", "format("):
        assert form not in body, form


def test_issue13_euro_deals_converted_in_postgres(tmp_path):
    """Deals in euros converted to the plan's pounds (fx.py replaces columns in each row)
    were refused at `deals:`; the row is now written out when the statement runs
    (pgexpand.py), so `compplan sql` shows DuckDB's form there and the run pays as the
    Python engine: EUR 1,000.00 x 0.80 = GBP 800.00, x 10% = 80.00."""
    plan = tmp_path / "fx.yaml"
    plan.write_text("""plan: fx-pg
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
""")
    r = invoke("sql", str(plan), "--period", "2026-Q1", "--dialect", "postgres")
    assert r.exit_code == 0, r.output
    assert "-- deals in GBP" in r.output and " REPLACE (" in r.output
    data = tmp_path / "data"
    data.mkdir()
    (data / "payees.csv").write_text("rep_id,name\nann,Ann\n")
    (data / "deals.csv").write_text("deal_id,rep_id,close_date,amount,cur\n"
                                    "D1,ann,2026-01-20,1000.00,EUR\n")
    (data / "fx_rates.csv").write_text("period,currency,rate\n2026,EUR,0.80\n")
    for engine in ("python", "postgres"):
        r = invoke("run", str(plan), "--data", str(data), "--period", "2026-Q1",
                   "--engine", engine, "--out", str(tmp_path / engine))
        assert r.exit_code == 0, r.output
        assert "TOTAL                 1   80.00" in r.output, r.output




def test_sql_pretty_lays_statements_out():
    r = invoke("sql", AE, "--period", "2026-Q1", "--dialect", "postgres", "--pretty")
    assert r.exit_code == 0, r.output
    assert "CREATE TEMPORARY TABLE hier AS\nWITH RECURSIVE" in r.output


def test_run_in_postgres_without_a_server_says_where_it_looked(tmp_path):
    """No server at the DSN: one sentence naming the DSN (password hidden) and what to
    do, exit 1, no traceback. Port 9 (discard) is closed on the test machines."""
    r = CliRunner().invoke(cli, ["run", AE, "--data", AE_DATA, "--period", "2026-Q1",
                                 "--engine", "postgres", "--dsn",
                                 "postgresql://bob:secret@127.0.0.1:9/x", "--out",
                                 str(tmp_path)])
    assert r.exit_code == 1
    assert r.output.startswith("postgresql://bob:***@127.0.0.1:9/x: error: cannot reach "
                               "PostgreSQL: ")
    assert "secret" not in r.output and "Traceback" not in r.output
    assert "hint: start the server, or name the database with --dsn" in r.output
