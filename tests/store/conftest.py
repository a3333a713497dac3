"""Stores to test against: the embedded default (SQLite) and the PostgreSQL server.

Each PostgreSQL test gets a schema of its own in database `test`, dropped afterwards.
Without a reachable server those tests skip and say why (CI starts one: .ci/run).
"""
import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from compplan.store import open_store

PG_URL = os.environ.get("COMPPLAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means: no server to test against
        return f"no PostgreSQL at {PG_URL} ({type(e).__name__}); set COMPPLAN_TEST_PG"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'compplan.db'}"
        return
    why = _pg_reachable()
    if why:
        pytest.skip(why)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"create schema {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as c:
        c.execute(text(f"drop schema {schema} cascade"))
    admin.dispose()


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()
