"""The portal under test: the demo store (every sample plan open, one account of each
role, a saved draft run of each) copied fresh for each test, and clients logged in as
each account; on PostgreSQL too where a test asks for `any_web`. Helpers the tests
import are in portal_helpers.py."""
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from compplan.store import open_store
from compplan.web.app import create_app
from compplan.web.demo import build_demo

from portal_helpers import PASSWORDS, PG_URL, ROOT, Web


def _build(url: str):
    store = open_store(url)
    cwd = os.getcwd()
    os.chdir(ROOT)  # plan file names as the README's demo stores them: plans/ae.yaml
    try:
        demo = build_demo(store, "plans", passwords=PASSWORDS)
    finally:
        os.chdir(cwd)
    return store, demo


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    store, demo = _build(f"sqlite:///{folder / 'demo.db'}")
    store.close()
    return folder / "demo.db", demo.token


@pytest.fixture
def web(demo_db, tmp_path):
    src, token = demo_db
    for suffix in ("", "-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, tmp_path / ("t.db" + suffix))
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    app = create_app(store, catch_up=False)
    yield Web(store, app, token)
    store.close()


def _pg_or_skip():
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
    except Exception as e:  # noqa: BLE001 - no server: skip, saying why
        pytest.skip(f"no PostgreSQL at {PG_URL} ({type(e).__name__}); set COMPPLAN_TEST_PG")


@pytest.fixture(params=["sqlite", "postgresql"])
def any_web(request, web):
    """The portal on SQLite (the demo copy) and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield web
        return
    _pg_or_skip()
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"create schema {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    store, demo = _build(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    app = create_app(store, catch_up=False)
    yield Web(store, app, demo.token)
    store.close()
    with admin.begin() as c:
        c.execute(text(f"drop schema {schema} cascade"))
    admin.dispose()
