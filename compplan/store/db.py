"""Where the store is, and opening it with its schema up to date.

The embedded default is a SQLite file, ./compplan.db; `--db URL` or COMPPLAN_DB choose
another (postgresql+psycopg://user@host/db). Opening a store runs the Alembic
migrations shipped in compplan/store/migrations, so an existing database is upgraded
in place and a new one is created.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///compplan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


BUSY_TIMEOUT = float(os.environ.get("COMPPLAN_BUSY_TIMEOUT", "10"))


class StoreError(Exception):
    """The store cannot be used as asked: the message says why and what to do, and
    never carries data (no SQL, no parameters)."""


def resolve_url(url: str | None = None) -> str:
    """A URL for the store; a plain path (out/demo.db) is a SQLite file."""
    url = url or os.environ.get("COMPPLAN_DB") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (None: another database, or in memory)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return path.split("?", 1)[0] or None


def explain(exc: BaseException, url: str = "") -> str | None:
    """A sentence for a database failure a person can act on (None: not one of those).
    Only the exception's kind and the driver's short text are looked at; nothing of the
    statement or its parameters is shown."""
    import errno
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0].lower() if str(orig) else ""
    where = sqlite_path(url) or "the store"
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if isinstance(orig, OSError):
        if orig.errno == errno.ENOSPC:
            return ("the disk is full: free some space and run the command again "
                    "(nothing of this command was saved)")
        return None
    if "disk is full" in text or "no space left" in text or sqlstate == "53100":
        return (f"the disk holding {where} is full: free some space and run the command "
                "again (nothing of this command was saved)")
    if "database is locked" in text or "database table is locked" in text or \
            sqlstate == "55P03":
        return (f"another command holds {where} (a run being saved, an ingest, the "
                "portal writing); waited and gave up: try again when it has finished")
    if "readonly database" in text or "read-only" in text:
        return (f"{where} is read-only and this command writes to it; reading commands "
                "(runs, show, audit verify) work on it as it is")
    if "unable to open database file" in text:
        return f"cannot open {where}: check that its folder exists and can be read"
    return None


@dataclass
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


# A new SQLite store's page size. A run's lines are most of a store (about 375 bytes a
# line, 0.4 GB at a million): 16 KB pages hold four times the rows of SQLite's 4 KB, so
# fewer pages are split, written to the WAL and copied back by its checkpoint. Measured
# on 332,819 lines into a fresh store (insert and commit, one transaction, 4 rounds):
# 1.34 -> 1.20 CPU-s (8 KB: 1.25). An existing store keeps the size it was made with
# (SQLite changes it only for a database with no tables yet).
PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")  # before WAL: only a new file takes it
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
    cur.close()


def open_store(url: str | None = None, migrate: bool = True,
               read_only: bool = False) -> Store:
    """Open the store, its schema brought up to date. `read_only`: for commands that
    only read (runs, show, audit verify): a SQLite file is opened read-only (it may be
    on a read-only disk, or held by a writer meanwhile) and nothing is migrated unless
    the schema is older than this compplan."""
    url = resolve_url(url)
    path = sqlite_path(url)
    if read_only and path and Path(path).exists():
        store = _sqlite_reader(url, path)
        if not is_current(store):
            store.close()
            return open_store(url, migrate=migrate)
        return store
    if url.startswith("sqlite"):
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves (see lifecycle), so a
        # second writer is refused at once instead of failing halfway
        engine = create_engine(url, connect_args={"timeout": 0.2})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = Store(url, engine, sessionmaker(engine, expire_on_commit=False))
    if migrate and not is_current(store):
        upgrade(store)
    return store


def _sqlite_reader(url: str, path: str) -> Store:
    """A SQLite store opened read-only: plain (deferred) transactions, which WAL lets
    read while another command writes, waiting at most BUSY_TIMEOUT for a lock."""
    import sqlite3
    uri = "file:" + quote(str(Path(path).resolve())) + "?mode=ro"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT, check_same_thread=False))

    @event.listens_for(engine, "connect")
    def _fk(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA foreign_keys=ON")
    return Store(url, engine, sessionmaker(engine, expire_on_commit=False))


def _head() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def is_current(store: Store) -> bool:
    """Whether the schema is already the newest: checked by reading, so that opening a
    current store takes no write lock (a second command while one writes)."""
    try:
        # the driver's own connection: on SQLite a statement of its own (no BEGIN
        # IMMEDIATE, which the engine issues for every transaction)
        conn = store.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("SELECT version_num FROM alembic_version")
            row = cur.fetchone()
            cur.close()
            conn.rollback()
        finally:
            conn.close()
        found = row[0] if row else None
    except Exception:  # noqa: BLE001 - no table yet (a new store), or cannot read: migrate
        return False
    return found == _head()


def upgrade(store: Store) -> None:
    """Bring the schema to the newest migration (creates it in a new database). On
    SQLite another command may hold the write lock: wait for it up to BUSY_TIMEOUT."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import OperationalError

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            with store.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return
        except OperationalError as e:
            if "locked" not in str(e.orig) or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
