"""Issue 13: `--data postgresql://HOST/DB?schema=NAME`: input tables already in a schema,
read where they are by `run --engine postgres` (engine/sql/pgdata.py), checked as
`validate` checks files. Skipped, with the reason, without a PostgreSQL server."""
from __future__ import annotations

import csv
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")
psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL engine needs psycopg")

from compplan.cli.main import cli  # noqa: E402
from compplan.engine.sql import postgres  # noqa: E402
from engines import postgres_unavailable  # noqa: E402

NO_SERVER = postgres_unavailable()
pytestmark = pytest.mark.skipif(NO_SERVER is not None, reason=NO_SERVER or "")

ROOT = Path(__file__).resolve().parents[2]
AE, AE_DATA = ROOT / "plans" / "ae.yaml", ROOT / "plans" / "data" / "ae"
# typed as a warehouse has them; any column not named here is TEXT
TYPES = {"amount": "NUMERIC(18,2)", "close_date": "DATE", "term_months": "INTEGER",
         "target_incentive": "NUMERIC", "csat": "INTEGER"}


@pytest.fixture
def schema():
    """The AE sample's CSV files as tables in a schema of their own, dropped after."""
    name = f"t13_{uuid.uuid4().hex[:10]}"
    with postgres.connect() as pg:
        pg.execute(f'CREATE SCHEMA "{name}"')
        for f in AE_DATA.glob("*.csv"):
            rows = list(csv.reader(f.open(encoding="utf-8")))
            pg.execute(f'CREATE TABLE "{name}"."{f.stem}" (' + ", ".join(
                f'"{c}" {TYPES.get(c, "TEXT")}' for c in rows[0]) + ")")
            with pg.cursor().copy(f'COPY "{name}"."{f.stem}" FROM STDIN') as copy:
                for r in rows[1:]:
                    copy.write_row([x if x != "" else None for x in r])
    yield name
    with postgres.connect() as pg:
        pg.execute(f'DROP SCHEMA "{name}" CASCADE')


def _url(schema: str) -> str:
    return f"{postgres.dsn_of()}?schema={schema}"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_issue13_tables_in_a_schema_pay_as_the_files_do(schema, tmp_path):
    """The AE sample from typed tables: 56,480.00, lines.csv as from the folder by the
    same engine, payees.csv byte for byte as the Python engine's."""
    r = invoke("run", AE, "--data", _url(schema), "--period", "2026-Q1", "--out",
               tmp_path / "db")
    assert r.exit_code == 0, r.output
    assert "engine postgres (the data is in PostgreSQL)" in r.output.splitlines()[0]
    assert "TOTAL                 7  56,480.00" in r.output
    for engine in ("python", "postgres"):
        r = invoke("run", AE, "--data", AE_DATA, "--period", "2026-Q1", "--engine", engine,
                   "--out", tmp_path / engine)
        assert r.exit_code == 0, r.output
    out = {k: tmp_path / k / "ae-2026" / "2026-Q1" for k in ("db", "python", "postgres")}
    assert (out["db"] / "payees.csv").read_bytes() == (out["python"] / "payees.csv").read_bytes()
    assert (out["db"] / "lines.csv").read_bytes() == (out["postgres"] / "lines.csv").read_bytes()


def test_issue13_a_bad_value_names_the_table_the_key_and_the_column(schema, tmp_path):
    with postgres.connect() as pg:  # a text column the plan reads as a percentage
        pg.execute(f'ALTER TABLE "{schema}".deals ALTER COLUMN amount TYPE TEXT')
        pg.execute(f"UPDATE \"{schema}\".deals SET amount = '12x' WHERE deal_id = 'A-101'")
    r = invoke("run", AE, "--data", _url(schema), "--period", "2026-Q1", "--out", tmp_path)
    assert r.exit_code == 1
    assert f"{schema}.deals, deal_id A-101: error: column amount: '12x' is not an amount; " \
           "expected something like 1250.00" in r.output
    assert "hint: correct the value in the table" in r.output


def test_issue13_a_missing_table_is_named_with_the_columns_to_create(schema, tmp_path):
    with postgres.connect() as pg:
        pg.execute(f'DROP TABLE "{schema}".quotas')
    r = invoke("run", AE, "--data", _url(schema), "--period", "2026-Q1", "--out", tmp_path)
    assert r.exit_code == 1
    assert f"{schema}.quotas: error: no table for input 'quotas'" in r.output
    assert f"hint: create {schema}.quotas with the columns amount, rep_id, period" in r.output


def test_issue13_tables_in_a_schema_are_for_the_postgres_engine(schema, tmp_path):
    r = invoke("run", AE, "--data", _url(schema), "--period", "2026-Q1", "--engine",
               "duckdb", "--out", tmp_path)
    assert r.exit_code == 1
    assert "run it with --engine postgres" in r.output


def test_issue13_a_run_of_tables_saved_keeps_their_rows_for_verify(schema, tmp_path):
    """The rows as read are the run's dataset (a CSV a table): after the table changes,
    verify still recomputes the run as it was saved (56,480.00) on both engines."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    r = invoke("run", AE, "--data", _url(schema), "--period", "2026-Q1", "--save", "--db",
               db, "--out", tmp_path)
    assert r.exit_code == 0, r.output
    with postgres.connect() as pg:
        pg.execute(f'UPDATE "{schema}".deals SET amount = amount * 2')
    r = invoke("verify", "1", "--db", db)
    assert r.exit_code == 0, r.output
    assert "identical: every line and total is as recomputed" in r.output
    assert "python engine: the same pay, line for line (25 lines" in r.output
