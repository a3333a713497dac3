"""A run's lines into the store in bulk, streamed: the SQL engine's runs (issue 12).

The Python engine hands `save_run` each payee's lines as Line objects; at a million
lines that costs more than working them out. The SQL engine's lines are already a table
in DuckDB, so they go from there to the store a batch at a time, in the store's column
order (engine/sql/run.py line_batches), inside the save's one transaction:

    SQLite       executemany of each batch on the session's own connection
    PostgreSQL   COPY ... FROM STDIN (psycopg's cursor.copy), row by row

Nothing of the run is ever all in Python memory: a batch, and one hash per payee for
the results fingerprint (the same fingerprint lifecycle.fingerprint_result gives).
"""
from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from ..engine.ir import CompiledPlan
from .models import LineItem

COLUMNS = ("run_id",) + tuple(c.name for c in LineItem.__table__.columns
                              if c.name != "run_id")


def store_lines(session: Session, run_id: int, con, compiled: CompiledPlan) -> int:
    """Insert the run's lines from DuckDB's lines table (connection `con`); returns how
    many. Raises if the engine's columns are not the store's (a change to one that
    missed the other)."""
    from ..engine.sql.run import STORE_LINE_COLUMNS, line_batches

    if ("run_id",) + STORE_LINE_COLUMNS != COLUMNS:
        raise RuntimeError("the SQL engine's store columns are not line_items' columns")
    dbapi = session.connection().connection.driver_connection
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    n = 0
    if session.get_bind().dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY line_items ({names}) FROM STDIN") as copy:
                for batch in line_batches(con, compiled, run_id):
                    for row in batch:
                        copy.write_row(row)
                    n += len(batch)
        return n
    marks = ", ".join("?" for _ in COLUMNS)
    cur = dbapi.cursor()
    try:
        for batch in _ahead(line_batches(con, compiled, run_id)):
            cur.executemany(f"INSERT INTO line_items ({names}) VALUES ({marks})", batch)
            n += len(batch)
    finally:
        cur.close()
    return n


def _ahead(batches, depth: int = 2):
    """The batches, fetched from DuckDB by a thread of their own while SQLite inserts the
    one before (SQLite lets go of the GIL while it writes): at most `depth` batches wait.
    The SQLite connection stays in this thread; DuckDB's is used by the other only."""
    import queue
    import threading

    done = object()
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fetch() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        box.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(done)
        except BaseException as e:  # noqa: BLE001 - handed to the inserting thread
            box.put(e)

    worker = threading.Thread(target=fetch, name="compplan-lines", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def line_hashers(con, compiled: CompiledPlan) -> dict[str, "hashlib._Hash"]:
    """Each payee's fingerprint hash, fed with their lines as the store holds them;
    the lines carried from earlier periods are added to it after (lifecycle)."""
    from ..engine.sql.run import line_digests

    out = {}
    for payee, text in line_digests(con, compiled):
        h = hashlib.sha256()
        h.update(text.encode())
        out[payee] = h
    return out
