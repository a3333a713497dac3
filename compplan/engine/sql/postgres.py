"""Run a compiled plan inside PostgreSQL (issue 13): `compplan run --engine postgres`.

The data is read and checked as for the DuckDB engine (run.py: the same FILE:ROW
messages, the same period-wide checks), in an in-memory DuckDB that only prepares the
input tables: the inputs, the target spans, the reporting lines and the rates. Those
tables go by COPY into a schema of the run's own (`compplan_run_<hex>`, dropped when
the run ends), the script compiled in the PostgreSQL dialect (dialect.py) runs in the
database, and the payees and lines are read back as the DuckDB engine reads them.
NUMERIC is exact at any scale, and every division is made at the same fixed scale and
rounded half up as docs/language.md's rule says (dialect.Postgres.div).

The database is `--dsn`, else COMPPLAN_PG_DSN, else the test database at
postgresql://127.0.0.1:5432/test.
"""
from __future__ import annotations

import decimal
import os
import re
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

from ...errors import CompplanError, Problem
from .. import datacheck
from ..data import Table, load_folder
from ..ir import CompiledPlan
from ..money import CONTEXT
from ..periods import Period
from ..plausible import plausibility
from ..results import RunResult
from ..tiers import Portion
from .dialect import POSTGRES
from .exprs import Unsupported
from .plan import q
from . import run as duck_run

DEFAULT_DSN = "postgresql://127.0.0.1:5432/test"
# what the engine runs that the PostgreSQL dialect does not write yet, refused up front
NOT_YET = ()


def dsn_of(dsn: str | None = None) -> str:
    """--dsn, else COMPPLAN_PG_DSN, else the test database."""
    return dsn or os.environ.get("COMPPLAN_PG_DSN") or DEFAULT_DSN


def connect(dsn: str | None = None):
    import psycopg
    return psycopg.connect(dsn_of(dsn), autocommit=True)


def _connect_for_run(dsn: str | None):
    """connect(), or the run's error in a sentence: where it looked and what to do."""
    import psycopg
    try:
        return connect(dsn)
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CompplanError([Problem.at(
            None, f"cannot reach PostgreSQL: {first}",
            "start the server, or name the database with --dsn postgresql://... or "
            "COMPPLAN_PG_DSN", code="postgres", file=_safe_dsn(dsn_of(dsn)))]) from None


def _safe_dsn(dsn: str) -> str:
    """The DSN without its password, to print."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", dsn)


_TYPES = [(re.compile(r"^DECIMAL\((\d+),(\d+)\)$"), lambda m: f"NUMERIC({m[1]},{m[2]})"),
          (re.compile(r"^HUGEINT$"), lambda m: "NUMERIC"),
          (re.compile(r"^(VARCHAR|TEXT|\"NULL\")$"), lambda m: "TEXT"),
          (re.compile(r"^(BIGINT|INTEGER|SMALLINT|BOOLEAN|DATE|DOUBLE|TIMESTAMP)$"),
           lambda m: {"DOUBLE": "DOUBLE PRECISION"}.get(m[1], m[1])),
          (re.compile(r"^(UBIGINT|UINTEGER)$"), lambda m: "NUMERIC(20,0)"),
          (re.compile(r"^TINYINT|UTINYINT|USMALLINT$"), lambda m: "INTEGER")]


def _pg_type(duck_type: str) -> str:
    for pattern, make in _TYPES:
        m = pattern.match(duck_type)
        if m:
            return make(m)
    raise Unsupported(None, f"an input column of DuckDB type {duck_type} (PostgreSQL engine)")


def copy_tables(duck, pg, schema: str) -> list[str]:
    """Every table the DuckDB preparation made, into `schema` by COPY; -> their names."""
    names = [r[0] for r in duck.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    for name in names:
        cols = duck.execute(f"DESCRIBE {q(name)}").fetchall()
        pg.execute(f"CREATE TABLE {q(schema)}.{q(name)} (" + ", ".join(
            f"{q(c[0])} {_pg_type(c[1])}" for c in cols) + ")")
        cur = duck.execute(f"SELECT * FROM {q(name)}")
        with pg.cursor().copy(f"COPY {q(schema)}.{q(name)} FROM STDIN") as copy:
            while True:
                rows = cur.fetchmany(10_000)
                if not rows:
                    break
                for row in rows:
                    copy.write_row(row)
    return names


class Connection:
    """A psycopg connection as run.py's readers use DuckDB's: execute() gives a cursor,
    `DESCRIBE t` gives (column, type), a lines table's tier parts come as dicts."""

    def __init__(self, pg):
        self.pg = pg

    def execute(self, sql: str, params=None):
        m = re.fullmatch(r'DESCRIBE "?([^"]+)"?', sql.strip())
        if m:
            return self.pg.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                "attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                (q(m.group(1)),))
        return self.pg.execute(sql, params)


def _tier_parts(pg) -> None:
    """cp_tier values read as {'tier': .., 'amount': ..} (run._result reads them so)."""
    from psycopg.types.composite import CompositeInfo, register_composite
    info = CompositeInfo.fetch(pg, "cp_tier")
    fields = info.field_names
    register_composite(info, pg, factory=lambda *values: dict(zip(fields, values)))


def run_postgres(compiled: CompiledPlan, folder: str | Path, period: Period,
                 dsn: str | None = None) -> RunResult:
    """Work out every payee's pay inside PostgreSQL (see the module's docstring)."""
    found: list = []
    tables: dict[str, Table] = load_folder(compiled.plan, Path(folder), found)
    if found:
        raise CompplanError(found)
    return run_tables(compiled, tables, period, dsn)


def run_tables(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
               dsn: str | None = None) -> RunResult:
    """run_postgres on tables already read (a scenario's rows, a folder's)."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="compplan-pg-") as tmp:
        duck = duckdb.connect()
        try:
            duck_run.settings(duck, Path(tmp))
            script = duck_run.compile_sql(compiled, duck, tables, period, Path(tmp), POSTGRES)
            files = {n: t.file for n, t in tables.items()}
            duck_run.check_data(compiled, duck, period, files, lambda: tables)
            warnings = plausibility(compiled, tables) + datacheck.empty_tables(
                compiled, tables) + datacheck.negative_amounts(compiled, tables)
            pg = _connect_for_run(dsn)
            schema = f"compplan_run_{uuid.uuid4().hex[:12]}"
            try:
                pg.execute(f"CREATE SCHEMA {q(schema)}")
                pg.execute(f"SET search_path TO {q(schema)}")
                copy_tables(duck, pg, schema)
                for sql in POSTGRES.setup():
                    pg.execute(sql)
                _tier_parts(pg)
                con = Connection(pg)
                _execute(compiled, con, script)
                with decimal.localcontext(CONTEXT):
                    result = duck_run.read_result(compiled, con, period, script.final)
                result.warnings[:0] = warnings + duck_run.zero_divisors(
                    compiled, con, period, files)
                _trim_lines(result)
                return result
            finally:
                pg.execute(f"DROP SCHEMA IF EXISTS {q(schema)} CASCADE")
                pg.close()
        finally:
            duck.close()


def _trimmed(d):
    """A NUMERIC(38, 16) without the trailing zeros of its SQL scale (0.3000 -> 0.3,
    4000.0000 -> 4000), as the DuckDB engine writes lines.csv (run.lines_query)."""
    if not isinstance(d, Decimal):
        return d
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text if text not in ("", "-", "-0") else "0")


def _trim_lines(result: RunResult) -> None:
    for pr in result.payees:
        for ln in pr.lines:
            ln.exact = _trimmed(ln.exact)
            ln.basis_before, ln.basis_after = _trimmed(ln.basis_before), _trimmed(ln.basis_after)
            ln.tiers = [Portion(t.tier, _trimmed(t.amount), _trimmed(t.rate), _trimmed(t.pays))
                        for t in ln.tiers]


def _execute(compiled: CompiledPlan, con: Connection, script) -> None:
    import psycopg

    for what, sql in script.statements:
        try:
            con.execute(POSTGRES.finish(sql))
        except psycopg.errors.NumericValueOutOfRange as e:  # the rule's limit: DECIMAL(38)
            raise CompplanError([duck_run.out_of_range_problem(compiled, what, e)]) from None
        except psycopg.Error as e:
            raise RuntimeError(f"PostgreSQL engine, statement '{what}': {e}") from e


def run_postgres_standalone(compiled: CompiledPlan, folder: str | Path, period: Period,
                            dsn: str | None = None) -> RunResult:
    """run_postgres as `compplan run` without a store pays a period (pay.py's
    run_folder_standalone: the pay stage's lines, a draw or the year's true-up, after
    the engine's); earlier periods of the year are worked out in PostgreSQL too."""
    from ..standalone import run_standalone

    def engine(p: Period, main: bool):
        return run_postgres(compiled, folder, p, dsn)
    return run_standalone(compiled, None, period, engine=engine)
