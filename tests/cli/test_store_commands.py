"""Finance's commands on the embedded store: save, list, approve, pay, export, audit."""
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
PLAN = str(ROOT / "plans" / "textbook.yaml")
DATA = str(ROOT / "plans" / "data" / "textbook")


def test_a_period_from_draft_to_paid_and_the_register(tmp_path):
    db = f"sqlite:///{tmp_path / 'compplan.db'}"
    run = CliRunner(env={"COMPPLAN_DB": db, "COMPPLAN_USER": "fin"})

    def ok(*args):
        r = run.invoke(cli, list(args), catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r.output

    out = ok("run", PLAN, "--data", DATA, "--period", "2026-Q1", "--out",
             str(tmp_path / "out"), "--save")
    assert "saved as run 1 (a new draft); approve with: compplan approve 1" in out
    assert "draft" in ok("runs")
    assert "run 1: textbook 2026-Q1 is now approved" in ok("approve", "1", "--as", "ctl")
    refused = run.invoke(cli, ["run", PLAN, "--data", DATA, "--period", "2026-Q1", "--out",
                               str(tmp_path / "out"), "--save"])
    assert refused.exit_code == 1
    assert 'compplan reopen 1 --reason "..."' in refused.output
    assert "now paid" in ok("pay", "1")
    shown = ok("show", "1")
    assert "approved" in shown and "by ctl" in shown and "USD      14,180.00" in shown
    out = ok("export", "1", "--out", str(tmp_path / "reg.csv"))
    assert "3 payees, 7 lines, USD 20,370.00" in out
    assert "audit log intact: 4 entries" in ok("audit", "verify")
    assert "run.paid" in ok("audit", "log")

    con = sqlite3.connect(tmp_path / "compplan.db")
    con.execute("drop trigger audit_log_no_update")  # as the file's owner could
    con.execute("update audit_log set actor = 'someone else' where seq = 3")
    con.commit()
    con.close()
    r = run.invoke(cli, ["audit", "verify"])
    assert r.exit_code == 1
    assert "entry 3: was edited after it was written" in r.output


def test_the_store_upgrades_in_place(tmp_path):
    from compplan.store import open_store
    url = f"sqlite:///{tmp_path / 'compplan.db'}"
    open_store(url).close()
    store = open_store(url)  # a second open finds it current and changes nothing
    with store.engine.connect() as c:
        # the newest migration, whichever it is (each issue may add one)
        from alembic.script import ScriptDirectory
        from compplan.store.db import MIGRATIONS
        head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        assert c.exec_driver_sql("select version_num from alembic_version").scalar() == head
    store.close()
