"""Where the store is, and opening it with its schema up to date.

The embedded default is a SQLite file, ./compplan.db; `--db URL` or COMPPLAN_DB choose
another (postgresql+psycopg://user@host/db). Opening a store runs the Alembic
migrations shipped in compplan/store/migrations, so an existing database is upgraded
in place and a new one is created.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///compplan.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    url = url or os.environ.get("COMPPLAN_DB") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


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


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
    cur.close()


def open_store(url: str | None = None, migrate: bool = True) -> Store:
    url = resolve_url(url)
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
    if migrate:
        upgrade(store)
    return store


def upgrade(store: Store) -> None:
    """Bring the schema to the newest migration (creates it in a new database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
