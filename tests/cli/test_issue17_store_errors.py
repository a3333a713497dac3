"""Issue 17 item 6: a store that cannot be used as asked is told in a sentence, never a
traceback: held by another command, a disk that is full, a read-only store, a plain
path for --db. (The portal's side: tests/web/test_issue17_portal.py.)"""
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError

from compplan.cli.main import cli
from compplan.store import db as store_db
from compplan.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PLAN = str(ROOT / "plans" / "textbook.yaml")
DATA = str(ROOT / "plans" / "data" / "textbook")


def invoke(*args, env=None):
    return CliRunner(env={"COMPPLAN_USER": "fin", **(env or {})}).invoke(cli, list(args))


def saved_store(tmp_path) -> Path:
    path = tmp_path / "compplan.db"
    r = invoke("run", PLAN, "--data", DATA, "--period", "2026-Q1", "--out",
               str(tmp_path / "out"), "--save", "--db", f"sqlite:///{path}")
    assert r.exit_code == 0, r.output
    return path


def test_issue17_item6_a_plain_path_is_a_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    r = invoke("runs", "--db", "out/demo.db")  # was sqlalchemy.exc.ArgumentError
    assert r.exit_code == 0, r.output
    assert r.output == "no runs\n"
    saved_store(tmp_path)
    r = invoke("runs", "--db", str(tmp_path / "compplan.db"))
    assert r.exit_code == 0 and "textbook" in r.output


def test_issue17_item6_reading_while_another_command_writes(tmp_path):
    path = saved_store(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another command is saving a run
    try:
        # each failed with `OperationalError: database is locked` from the schema upgrade
        for args in (["runs"], ["show", "1"], ["audit", "verify"], ["audit", "log"]):
            r = invoke(*args, "--db", f"sqlite:///{path}")
            assert r.exit_code == 0, (args, r.output, r.exception)
        r = invoke("run", PLAN, "--data", DATA, "--period", "2026-Q1", "--out",
                   str(tmp_path / "out2"), "--save", "--db", f"sqlite:///{path}")
        assert r.exit_code == 1
        assert "error: the store is busy: another command holds it" in r.output
        assert "Traceback" not in r.output and "OperationalError" not in r.output
        r = invoke("approve", "1", "--db", f"sqlite:///{path}")
        assert r.exit_code == 1 and "another command holds it" in r.output
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_issue17_item6_a_schema_upgrade_waits_a_bounded_time(tmp_path, monkeypatch):
    path = saved_store(tmp_path)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("UPDATE alembic_version SET version_num = '0003'")  # an older store
    con.execute("DROP TABLE portal_sessions")
    con.execute("BEGIN IMMEDIATE")  # held by another command meanwhile
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 0.5)
    try:
        r = invoke("runs", "--db", f"sqlite:///{path}")
        assert r.exit_code == 1
        assert r.output.startswith(f"error: another command holds {path}")
        assert "Traceback" not in r.output
    finally:
        con.execute("ROLLBACK")
        con.close()


def test_issue17_item6_a_full_disk_is_said_without_the_data(tmp_path, monkeypatch):
    path = saved_store(tmp_path)
    con = sqlite3.connect(path)
    pages, size = (con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
    con.close()
    grow = max(1, 8192 // size)  # the file may grow by 8 KB (one page of a 16 KB store)
    real = store_db._sqlite_pragmas

    def small_disk(dbapi_conn, record):  # ... then the disk is full
        real(dbapi_conn, record)
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + grow}")
    monkeypatch.setattr(store_db, "_sqlite_pragmas", small_disk)
    r = invoke("run", str(ROOT / "plans" / "ae.yaml"), "--data",
               str(ROOT / "plans" / "data" / "ae"), "--period", "2026-Q1", "--out",
               str(tmp_path / "out"), "--save", "--db", f"sqlite:///{path}")
    assert r.exit_code == 1, r.output
    assert r.output == (f"error: the disk holding {path} is full: free some space and run "
                        "the command again (nothing of this command was saved)\n")
    monkeypatch.setattr(store_db, "_sqlite_pragmas", real)
    assert invoke("runs", "--db", f"sqlite:///{path}").output.count("\n") == 2  # still only run 1


def test_issue17_item6_reading_commands_open_the_store_read_only(tmp_path):
    path = saved_store(tmp_path)
    store = open_store(f"sqlite:///{path}", read_only=True)
    try:
        with store.engine.begin() as c:
            assert c.exec_driver_sql("select count(*) from runs").scalar() == 1
        with pytest.raises(OperationalError) as refused:
            with store.engine.begin() as c:
                c.exec_driver_sql("delete from datasets")
        assert "readonly" in str(refused.value)
        told = store_db.explain(refused.value, store.url)
        assert told == (f"{path} is read-only and this command writes to it; reading "
                        "commands (runs, show, audit verify) work on it as it is")
    finally:
        store.close()
