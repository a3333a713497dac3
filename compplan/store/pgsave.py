"""`run --save --engine postgres`: the lines of a run made inside PostgreSQL into the
store (issue 13).

    store in the same database   the run is made inside the save's own transaction, on
                                 the store's connection, and its lines go into
                                 line_items by one INSERT ... SELECT from the run's
                                 lines table: no line leaves the server. The results
                                 fingerprint is made from the stored rows, as verify
                                 makes it (the text of each payee's lines, then hashed)
    any other store (SQLite)     the store rows are made in PostgreSQL and pass a batch
                                 at a time to the store's connection (executemany; COPY
                                 for PostgreSQL elsewhere), each hashed as it passes

Either way, the run's schema is gone at the end and a failure leaves nothing stored.
The same database: `--dsn` (or COMPPLAN_PG_DSN) naming the store's database, or neither
given with a PostgreSQL store (the run is then made where the store is).
"""
from __future__ import annotations

import hashlib
import json
import os
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from ..engine.ir import CompiledPlan
from ..engine.periods import Period
from . import bulk


def _same_database(store_pg, dsn: str | None) -> bool:
    from ..engine.sql import postgres
    if dsn is None and not os.environ.get("COMPPLAN_PG_DSN"):
        return True  # no database named for the run: the store's
    probe = postgres.connect(dsn)
    try:
        return postgres.identity(probe) == postgres.identity(store_pg)
    finally:
        probe.close()


def run_and_store(session: Session, run_id: int, compiled: CompiledPlan, tables: dict | None,
                  span: Period, dsn: str | None, hashers: dict, sink=None,
                  data_dir: Path | None = None, lines_csv: Path | None = None) -> object:
    """Run the plan in PostgreSQL and store its lines under `run_id` (see the module's
    docstring); each payee's fingerprint hash so far goes into `hashers`. Returns the
    result (totals, no lines). The data: `tables` already read, else the folder
    `data_dir`, read as `run --engine postgres` reads it (DuckDB reads the files; no row
    is held by the client). `sink(payee_result)`, if given, receives each payee with
    their lines, read back a batch at a time (the command line's result files: they are
    written where the command runs, so those lines do leave the server). `lines_csv`:
    lines.csv written there instead, its rows made in the server (postgres.run_postgres)."""
    from ..engine.sql import postgres
    lines = lines_csv if lines_csv is not None else sink if sink is not None else False

    def run(then, within=None):
        if tables is not None:
            return postgres.run_tables(compiled, tables, span, dsn, then=then, within=within,
                                       lines=lines)
        return postgres.run_postgres(compiled, data_dir, span, dsn, lines=lines, then=then,
                                     within=within)

    result = _run(session, run_id, compiled, run, dsn, hashers)
    for pr in result.payees:
        pr.lines = []  # stored; the lines carried from earlier periods follow
    return result


def _run(session: Session, run_id: int, compiled: CompiledPlan, run, dsn: str | None,
         hashers: dict):
    from ..engine.sql import postgres

    if session.get_bind().dialect.name == "postgresql":
        store_pg = session.connection().connection.driver_connection
        if _same_database(store_pg, dsn):
            schema = store_pg.execute("SELECT current_schema()").fetchone()[0]
            table = f'"{schema}".line_items'

            def in_server(pg, _schema) -> None:
                postgres.store_lines(pg, compiled, run_id, table)
                for payee, text in postgres.stored_digests(pg, run_id, table):
                    h = hashlib.sha256()
                    h.update(text.encode())
                    hashers[payee] = h
            return run(in_server, within=store_pg)

    def by_batches(pg, _schema) -> None:
        store_rows(session, run_id, _hashed(postgres.store_batches(pg, compiled), hashers))
    return run(by_batches)


def _hashed(batches, hashers: dict):
    """The batches as they are, each line fed to its payee's fingerprint hash as the
    store will hold it (lifecycle._hash_line: amount as the Decimal read back)."""
    for batch in batches:
        for row in batch:
            payee, number, component, kind, amount, _exact, formula = row[:7]
            sources = " ".join(json.loads(row[8]))
            h = hashers.get(payee)
            if h is None:
                h = hashers[payee] = hashlib.sha256()
            h.update(f"{number}|{component}|{kind}|{Decimal(amount)}|{formula}|{sources}\n"
                     .encode())
        yield batch


def store_rows(session: Session, run_id: int, batches) -> int:
    """Batches of store rows (engine/sql/run.py STORE_LINE_COLUMNS' order, without the
    run's id) into line_items: SQLite by executemany, PostgreSQL by COPY. Returns how
    many."""
    dbapi = session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in bulk.COLUMNS)
    n = 0
    if session.get_bind().dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY line_items ({names}) FROM STDIN") as copy:
                for batch in batches:
                    for row in batch:
                        copy.write_row((run_id,) + tuple(row))
                    n += len(batch)
        return n
    return bulk.insert_rows(dbapi, run_id, batches)
