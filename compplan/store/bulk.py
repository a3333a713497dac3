"""A run's lines into the store in bulk, streamed: the SQL engine's runs (issue 12).

The Python engine hands `save_run` each payee's lines as Line objects; at a million
lines that costs more than working them out. The SQL engine's lines are already a table
in DuckDB, so they go from there to the store in the store's column order (engine/sql/
run.py store_lines_query), inside the save's one transaction:

    SQLite       executemany of each batch of tuples (line_batches) on the session's
                 own connection, the run's id written once in the statement, the
                 paid-run guard trigger lifted for the while (guard_lifted), each
                 payee's fingerprint hash fed from the tuples on their way (hashed)
    PostgreSQL   DuckDB writes the rows as CSV to a temporary file (its own COPY, on
                 every core), and psycopg's COPY ... FROM STDIN sends the file a chunk at
                 a time: no row becomes Python objects; the fingerprint's texts come
                 from one query over DuckDB's lines (line_hashers)

Nothing of the run is ever all in Python memory: at most three batches of 20,000 rows
(or a chunk of the file), and one hash per payee for the results fingerprint (the same
fingerprint lifecycle.fingerprint_result gives, and verify works out again).

Measured at 1,108,770 lines (bench/plans/ae_scale.yaml, 1M deals, load 11-14): the
store select and its tuples 5.9-6.1 CPU-s (the select 3.9, the tuples 2.9), SQLite's
inserts about 4.5 with the guard lifted (5.5 with it), the hashing 0.4-0.6 (the query
it replaced 1.1-1.5), commit and checkpoint 0.5-0.7. Tried and not taken: one JSON text
a batch for SQLite's json_each (three times as long as binding tuples); multi-row
VALUES with bound values (no gain) or as SQL literals made by DuckDB (3x as long);
batches of 50,000 or 100,000 rows; a page cache of 64 or 256 MB (within the noise).
The PRAGMAs stay the store's: WAL and synchronous FULL (SQLite's default), since a run
reported saved must survive a power cut; synchronous costs waiting, not CPU.

The rows come from a lines table made for the save (engine/sql/run.py _shared_lines):
already in payee and line order, with the exact value, running bases and rounding note
as text, which lines.csv's COPY reads too; so the select neither sorts nor makes those
texts again (the whole `--save` at 1M deals 25.4 -> 23.5 CPU-s, docs/design/columnar.md).
"""
from __future__ import annotations

import gc
import hashlib
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from ..engine.ir import CompiledPlan
from .models import LineItem

COLUMNS = ("run_id",) + tuple(c.name for c in LineItem.__table__.columns
                              if c.name != "run_id")
CHUNK = 1 << 20  # bytes of the CSV file sent to PostgreSQL at a time


def store_lines(session: Session, run_id: int, con, compiled: CompiledPlan,
                hashers: dict | None = None) -> int:
    """Insert the run's lines from DuckDB's lines table (connection `con`); returns how
    many. With `hashers`, each payee's fingerprint hash (payee -> sha256, as
    lifecycle.fingerprint_result feeds it) is made there from the same rows. Raises if
    the engine's columns are not the store's (a change to one that missed the other)."""
    from ..engine.sql.run import STORE_LINE_COLUMNS

    if ("run_id",) + STORE_LINE_COLUMNS != COLUMNS:
        raise RuntimeError("the SQL engine's store columns are not line_items' columns")
    dbapi = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        n = _copy_csv(dbapi, run_id, con, compiled)
        if hashers is not None:  # the rows never reach Python here: DuckDB's texts
            hashers.update(line_hashers(con, compiled))
        return n
    return _insert_batches(dbapi, run_id, con, compiled, hashers)


BATCH = 20_000  # rows fetched from DuckDB at a time (SQLite); 50,000 or 100,000 gained nothing


def _insert_batches(dbapi, run_id: int, con, compiled: CompiledPlan,
                    hashers: dict | None) -> int:
    """SQLite: the rows as tuples a batch at a time (the run's id is the statement's,
    not a parameter of each row), hashed for the fingerprint as they pass, inside the
    save's transaction with the paid-run guard lifted (guard_lifted)."""
    from ..engine.sql.run import line_batches

    batches = line_batches(con, compiled, size=BATCH)
    if hashers is not None:
        batches = hashed(batches, hashers)
    return insert_rows(dbapi, run_id, _ahead(batches))


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off while the rows pass, on again after (if it
    was on). A million tuples of text pass through here; each 700 of them started a
    young collection and their survivors older ones, which walk every object the process
    holds: about 0.5 CPU-s at 1.1M lines (store select to commit 11.7-11.9 -> 11.2-11.5,
    bench/plans/ae_scale.yaml, load 23-27). Tuples of str and int make no cycles, and
    each batch is freed by its reference count as soon as SQLite has it, so memory does
    not grow meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def insert_rows(dbapi, run_id: int, batches) -> int:
    """SQLite: batches of store rows (STORE_LINE_COLUMNS' order, without the run's id)
    into line_items by executemany, the run's id in the statement, inside the save's
    transaction with the paid-run guard lifted (guard_lifted). Returns how many. The one
    insert loop of both SQL engines' saves (DuckDB here, PostgreSQL in pgsave.py)."""
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS[1:])
    insert = f"INSERT INTO line_items ({names}) VALUES ({int(run_id)}, {marks})"
    n = 0
    cur = dbapi.cursor()
    try:
        with guard_lifted(dbapi, run_id), collector_paused():
            for batch in batches:
                cur.executemany(insert, batch)
                n += len(batch)
    finally:
        cur.close()
    return n


# The row's places in STORE_LINE_COLUMNS that the fingerprint reads
_NUMBER, _COMPONENT, _KIND, _AMOUNT, _FORMULA, _KEY = 1, 2, 3, 4, 6, 16


def hashed(batches, hashers: dict):
    """The batches as they come, each payee's lines fed to their hash on the way: the
    line `number|component|kind|amount|formula|sources` as lifecycle._hash_line writes
    it, the sources joined by spaces being the key's tail (`component|kind|sources`,
    engine/sql/run.py _store_select). The rows come in payee and line order, so a
    payee's lines are one run of rows (or two, across a batch's end)."""
    from itertools import groupby
    from operator import itemgetter

    for batch in batches:
        for payee, rows in groupby(batch, itemgetter(0)):
            h = hashers.get(payee)
            if h is None:
                h = hashers[payee] = hashlib.sha256()
            h.update("".join([f"{r[_NUMBER]}|{r[_COMPONENT]}|{r[_KIND]}|{r[_AMOUNT]}|"
                              f"{r[_FORMULA]}|{r[_KEY][len(r[_COMPONENT]) + len(r[_KIND]) + 2:]}\n"
                              for r in rows]).encode())
        yield batch


GUARD = "line_items_no_insert"  # migration 0004: no new line under a paid run (SQLite)


@contextmanager
def guard_lifted(dbapi, run_id: int):
    """SQLite: the trigger refusing lines under a paid run dropped while the run's lines
    go in, and made again from its own text (sqlite_master) before the transaction
    commits. It costs about 1.2 CPU-s a million lines, one look-up of the run per row.

    Safe because it happens inside the save's one transaction: SQLite holds the write
    lock (BEGIN IMMEDIATE) until commit, so no other connection can write anything,
    least of all a paid run's lines, while the trigger is down, and readers see the
    schema as committed (with the trigger). DDL is transactional in SQLite, so a failed
    save's rollback brings the trigger back too. The run the lines go under is checked
    here instead: it must not be paid (the trigger's own refusal)."""
    cur = dbapi.cursor()
    try:
        row = cur.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                          "name = ?", (GUARD,)).fetchone()
        if row is None:  # a store older than migration 0004
            yield
            return
        if not dbapi.in_transaction:
            raise RuntimeError("the paid-run guard is lifted only inside a transaction")
        status = cur.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        if status is not None and status[0] == "paid":
            raise sqlite3.IntegrityError("the lines of a paid run are never changed "
                                         "(compplan: INSERT refused)")
        cur.execute(f'DROP TRIGGER "{GUARD}"')
        try:
            yield
        except BaseException:
            # the caller rolls back, which restores it; made again here in case it
            # commits what it has instead (SQLite may have rolled back already)
            if dbapi.in_transaction:
                try:
                    cur.execute(row[0])
                except sqlite3.Error:
                    pass
            raise
        cur.execute(row[0])
    finally:
        cur.close()


def _copy_csv(dbapi, run_id: int, con, compiled: CompiledPlan) -> int:
    """PostgreSQL: DuckDB's CSV of the store rows, COPY'd from a temporary file. DuckDB
    writes a NULL as an empty field and an empty text as `""`, which is how COPY's CSV
    format tells them apart; text is UTF-8, as psycopg's connection."""
    from ..engine.sql.run import lines_scales, store_lines_query

    names = ", ".join(f'"{c}"' for c in COLUMNS)
    query = store_lines_query(compiled, run_id, lines_scales(con))
    with tempfile.TemporaryDirectory(prefix="compplan-save-") as tmp:
        path = Path(tmp) / "lines.csv"
        quoted = str(path).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{quoted}' (FORMAT csv, HEADER false, "
                    "DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
        with dbapi.cursor() as cur:
            with cur.copy(f"COPY line_items ({names}) FROM STDIN (FORMAT csv, "
                          "ENCODING 'UTF8')") as copy:
                for chunk in file_chunks(path):
                    copy.write(chunk)
            return cur.rowcount


def file_chunks(path: Path):
    """A file's bytes, CHUNK at a time."""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


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
