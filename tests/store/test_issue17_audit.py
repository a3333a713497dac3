"""Issue 17 item 3: the audit trail cannot be cut or rewritten, on SQLite and PostgreSQL.

Each tamper the issue found is tried: the guard triggers refuse it; with them dropped
(as the database's owner could), the chain, the run statuses and payments it records,
and the signed head kept outside the database catch it."""
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from compplan.cli.main import cli
from compplan.diff.verify import verify as verify_run
from compplan.engine import load_plan
from compplan.store import audit, lifecycle
from compplan.store.models import AuditEntry
from tamper_helpers import drop_guards, sql

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "textbook.yaml"
DATA = ROOT / "plans" / "data" / "textbook"


@pytest.fixture(scope="module")
def compiled():
    return load_plan(PLAN)


@pytest.fixture
def paid(store, compiled):
    """Run 1 of textbook 2026-Q1, paid: audit entries 1 plan.registered, 2 run.created,
    3 run.approved, 4 run.paid."""
    run = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin").run
    lifecycle.approve(store, run.id, "controller")
    lifecycle.mark_paid(store, run.id, "payroll")
    return run.id


def cli_ok(*args):
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


@pytest.mark.parametrize("statement", [
    "UPDATE runs SET status = 'draft' WHERE id = 1",
    "DELETE FROM runs WHERE id = 1",
    "UPDATE periods SET status = 'draft'",
    "UPDATE line_items SET amount = 1 WHERE run_id = 1",
    "DELETE FROM line_items WHERE run_id = 1",
    "UPDATE payee_results SET total = 1 WHERE run_id = 1",
    "UPDATE payments SET amount = 1",
    "DELETE FROM payments",
    "UPDATE audit_log SET actor = 'x' WHERE seq = 3",
    "DELETE FROM audit_log WHERE seq = 4",
])
def test_issue17_item3_the_triggers_refuse_changing_a_paid_run(store, paid, statement):
    with pytest.raises(DBAPIError) as refused:
        sql(store, statement)
    assert "compplan:" in str(refused.value.orig) and "refused" in str(refused.value.orig)


def test_issue17_item3_truncate_is_refused_on_postgresql(store, paid):
    if store.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE is refused above)")
    for table in ("audit_log", "payments"):
        with pytest.raises(DBAPIError):
            sql(store, f"TRUNCATE {table} CASCADE")


def test_issue17_item3_a_draft_still_changes_as_before(store, compiled):
    run = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin").run
    sql(store, f"UPDATE line_items SET note = 'x' WHERE run_id = {run.id}")  # not refused
    again = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert again.replaced == run.id


def test_issue17_item3_a_paid_run_set_back_to_draft_is_caught(store, compiled, paid):
    drop_guards(store)
    sql(store, "UPDATE runs SET status = 'draft', paid_at = NULL WHERE id = 1",
        "UPDATE periods SET status = 'draft'")
    code, out = cli_ok("audit", "verify", "--db", store.url)
    assert code == 1
    assert "run 1: is draft in the store but paid in the audit log" in out
    assert "its period textbook 2026-Q1 is draft in the store but paid" in out
    code, out = cli_ok("verify", "1", "--db", store.url)
    assert code != 0 and "paid in the audit log" in out
    with store.session() as s:
        v = verify_run(s, 1)
    assert {p.code for p in v.problems} == {"tampered"}  # the run and its period
    # a later --save must not replace the paid run on the strength of the forged status
    with pytest.raises(lifecycle.LifecycleError) as refused:
        lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin")
    assert "not as the audit log records it" in str(refused.value)
    assert [(r.id, r.status) for r in lifecycle.runs(store)] == [(1, "draft")]
    with pytest.raises(lifecycle.LifecycleError):  # nor approve and pay it again
        lifecycle.approve(store, 1, "controller")


def test_issue17_item3_edited_payments_are_caught(store, paid):
    drop_guards(store)
    with store.session() as s:
        assert audit.run_problems(s) == []
    # ann was paid 5,640.00 (the textbook sample); make it 9,640.00
    sql(store, "UPDATE payments SET amount = 9640.00 WHERE payee = 'ann'")
    code, out = cli_ok("audit", "verify", "--db", store.url)
    assert code == 1 and "run 1: its 3 payment rows are not those recorded" in out
    code, out = cli_ok("verify", "1", "--db", store.url)
    assert code != 0 and "payment rows" in out
    sql(store, "UPDATE payments SET amount = 5640.00 WHERE payee = 'ann'")
    assert cli_ok("audit", "verify", "--db", store.url)[0] == 0  # restored: intact again
    sql(store, "DELETE FROM payments WHERE payee = 'cy'")
    code, out = cli_ok("audit", "verify", "--db", store.url)
    assert code == 1 and "its 2 payment rows are not those recorded" in out


def test_issue17_item3_payments_of_a_run_never_paid_are_caught(store, compiled):
    run = lifecycle.save_run(store, compiled, DATA, "2026-Q1", "fin").run
    sql(store, "INSERT INTO payments (run_id, payee, amount, currency, period, paid_at) "
               f"VALUES ({run.id}, 'ann', 100, 'USD', '2026-Q1', CURRENT_TIMESTAMP)")
    code, out = cli_ok("audit", "verify", "--db", store.url)
    assert code == 1 and "has 1 payment rows but the audit log never paid it" in out


def _head(store, key: Path) -> str:
    code, out = cli_ok("audit", "head", "--db", store.url, "--key", str(key))
    assert code == 0, out
    return out.strip().splitlines()[-1]


def test_issue17_item3_the_kept_head_catches_the_newest_entries_deleted(store, paid,
                                                                      tmp_path):
    with store.session() as s:  # two more events, not about runs
        audit.append(s, "admin", "token.created", "token 1", name="crm")
        audit.append(s, "admin", "token.revoked", "token 1", name="crm")
        s.commit()
    key = tmp_path / "keys" / "audit.key"
    head = _head(store, key)
    assert head.startswith("6:")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600  # made on first use, owner only
    ok, out = cli_ok("audit", "verify", "--db", store.url, "--since", head, "--key", str(key))
    assert ok == 0 and "holds the kept head (entry 6)" in out
    drop_guards(store)
    sql(store, "DELETE FROM audit_log WHERE seq >= 5")
    # the chain alone still holds: cutting its end leaves no gap
    assert cli_ok("audit", "verify", "--db", store.url)[0] == 0
    code, out = cli_ok("audit", "verify", "--db", store.url, "--since", head, "--key",
                       str(key))
    assert code == 1
    assert ("entry 6: the log ends at entry 4, but the kept head is entry 6: entries were "
            "deleted from the end of the log") in out


def _rehash(store, edit_seq: int, payload: str) -> None:
    """Edit an entry and hash the chain again from there, as someone who read
    compplan/store/audit.py could."""
    with store.session() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
        prev = audit.GENESIS
        for e in rows:
            if e.seq == edit_seq:
                e.payload = payload
            e.prev_hash = prev
            at = audit.at_text(e)
            body = json.dumps([e.seq, at, e.actor, e.event, e.subject, e.payload, prev],
                              ensure_ascii=False, separators=(",", ":"))
            e.hash = hashlib.sha256(body.encode()).hexdigest()
            prev = e.hash
        s.commit()


def test_issue17_item3_the_kept_head_catches_a_rehashed_chain(store, paid, tmp_path):
    key = tmp_path / "audit.key"
    head = _head(store, key)
    drop_guards(store)
    with store.session() as s:
        e = s.get(AuditEntry, 2)
        payload = json.loads(e.payload)
    payload["total"] = "1.00"
    _rehash(store, 2, json.dumps(payload, sort_keys=True))
    assert cli_ok("audit", "verify", "--db", store.url)[0] == 0  # the chain alone: fooled
    code, out = cli_ok("audit", "verify", "--db", store.url, "--since", head, "--key",
                       str(key))
    assert code == 1
    assert "entry 4: is not the entry of the kept head (its hash differs): the log was " \
           "rewritten" in out


def test_issue17_item3_a_head_not_signed_with_the_key_is_refused(store, paid, tmp_path):
    head = _head(store, tmp_path / "a.key")
    seq, hash_, _sig = head.split(":")
    forged = f"{seq}:{hash_}:{'0' * 64}"
    code, out = cli_ok("audit", "verify", "--db", store.url, "--since", forged, "--key",
                       str(tmp_path / "a.key"))
    assert code == 1 and "signature does not match the audit key" in out
    code, out = cli_ok("audit", "verify", "--db", store.url, "--since", head, "--key",
                       str(tmp_path / "other.key"))
    assert code == 1 and "no audit key at" in out
