"""The audit log: append-only, each entry chained to the one before by its hash.

An entry's hash is the SHA-256 of its own fields and the previous entry's hash, so an
entry edited, deleted or inserted later breaks the chain at that point; `verify` walks
the chain and names the first entry that does not hold, and why.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import AuditEntry, now

GENESIS = "0" * 64


def _digest(seq: int, at: str, actor: str, event: str, subject: str, payload: str,
            prev: str) -> str:
    body = json.dumps([seq, at, actor, event, subject, payload, prev], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def at_text(entry: AuditEntry) -> str:
    """The entry's time as hashed: UTC, whatever the database hands back."""
    at = entry.at
    if at.tzinfo is None:  # SQLite gives naive datetimes back; they were stored as UTC
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(dt.timezone.utc).isoformat()


def append(session: Session, actor: str, event: str, subject: str, **payload) -> AuditEntry:
    """Add an event to the log in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # writers of different periods may log at once: take turns for the next number
        session.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
                           ).scalar_one_or_none()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    entry = AuditEntry(seq=seq, at=now(), actor=actor, event=event, subject=subject,
                       payload=json.dumps(payload, sort_keys=True, default=str,
                                          ensure_ascii=False), prev_hash=prev)
    entry.hash = _digest(seq, at_text(entry), actor, event, subject, entry.payload, prev)
    session.add(entry)
    session.flush()
    return entry


@dataclass
class Broken:
    seq: int
    reason: str


def verify(session: Session) -> list[Broken]:
    """Every place where the chain does not hold, in order (empty: the log is intact)."""
    problems: list[Broken] = []
    prev_hash, expected_seq = GENESIS, 1
    for e in session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
        if e.seq != expected_seq:
            problems.append(Broken(expected_seq, f"entries {expected_seq} to {e.seq - 1} are "
                                   "missing (deleted)" if e.seq > expected_seq + 1 else
                                   f"entry {expected_seq} is missing (deleted)"))
        if e.prev_hash != prev_hash:
            problems.append(Broken(e.seq, "does not follow the entry before it (an entry "
                                   "before it was deleted, or this one was inserted)"))
        recomputed = _digest(e.seq, at_text(e), e.actor, e.event, e.subject, e.payload,
                             e.prev_hash)
        if recomputed != e.hash:
            problems.append(Broken(e.seq, "was edited after it was written (its contents "
                                   "no longer match its hash)"))
        prev_hash, expected_seq = e.hash, e.seq + 1
    return problems


def log(session: Session, limit: int | None = None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.seq)
    entries = list(session.execute(q).scalars())
    return entries[-limit:] if limit else entries


# ------------------------------------------------------------------ the signed head
#
# The chain alone proves that no entry was changed in place; it cannot prove that the
# newest entries were not deleted, nor that someone with write access did not re-hash
# the whole chain after an edit. The head (the newest entry's number and hash), signed
# with a key kept outside the database and kept by people (printed by `audit head`),
# closes both: a later `audit verify --since HEAD` finds that entry with that hash, or
# says the log was cut or rewritten.

KEY_ENV = "COMPPLAN_AUDIT_KEY"


def key_path(option: str | None = None) -> Path:
    """Where the audit key is: the option, else COMPPLAN_AUDIT_KEY, else
    ~/.config/compplan/audit.key (never in the store: a database writer must not
    be able to sign a head)."""
    chosen = option or os.environ.get(KEY_ENV)
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "compplan" / "audit.key"


def load_key(path: Path, create: bool = True) -> bytes:
    """The key's bytes; made on first use (32 random bytes, hex, mode 0600)."""
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"there is no audit key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            return load_key(path, create=False)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    key = path.read_text().strip().encode()
    if len(key) < 32:
        raise ValueError(f"the audit key {path} is too short (at least 32 characters)")
    return key


def head(session: Session) -> tuple[int, str]:
    """The newest entry's number and hash ((0, GENESIS) for an empty log)."""
    last = session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
                           ).scalar_one_or_none()
    return (last.seq, last.hash) if last else (0, GENESIS)


def sign_head(key: bytes, seq: int, hash_: str) -> str:
    mac = hmac.new(key, f"compplan-audit-head:{seq}:{hash_}".encode(), hashlib.sha256)
    return f"{seq}:{hash_}:{mac.hexdigest()}"


def check_head(session: Session, signed: str, key: bytes) -> list[Broken]:
    """Problems with the log against a head printed earlier by `audit head`."""
    parts = signed.strip().split(":")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[1]) != 64:
        return [Broken(0, f"'{signed[:80]}' is not a head printed by compplan audit head "
                          "(SEQ:HASH:SIGNATURE)")]
    seq, hash_ = int(parts[0]), parts[1]
    if not hmac.compare_digest(sign_head(key, seq, hash_), signed.strip()):
        return [Broken(seq, "the head's signature does not match the audit key (a head "
                            "made up, or signed with another key)")]
    if seq == 0:
        return []
    entry = session.get(AuditEntry, seq)
    newest = head(session)[0]
    if entry is None:
        return [Broken(seq, f"the log ends at entry {newest}, but the kept head is entry "
                            f"{seq}: entries were deleted from the end of the log")]
    if entry.hash != hash_:
        return [Broken(seq, "is not the entry of the kept head (its hash differs): the log "
                            "was rewritten at or before this entry and hashed again")]
    return []


# ------------------------------------------------------------------ runs and payments
#
# A run's status and its payments are rows anyone with write access could change; each
# change compplan makes is an entry of the chain (run.created, run.approved, run.paid
# with a digest of the payments, run.reopened, and run.created naming the draft it
# replaced), so the status the chain records can be compared with the tables.

RUN_EVENTS = {"run.created": "draft", "run.approved": "approved", "run.paid": "paid",
              "run.reopened": "draft",
              # a later period's draft outdated by an earlier period's approval (issue 16)
              "run.stale": "stale"}


def payments_digest(rows) -> str:
    """A hash of a run's payment rows (payee, amount, currency, period), in payee order.
    Amounts by value (5640.00 and 5640.0 are the same money, as databases may give
    either back)."""
    h = hashlib.sha256()
    for p in sorted(rows, key=lambda p: p.payee):
        amount = format(Decimal(p.amount).normalize(), "f")
        h.update(f"{p.payee}|{amount}|{p.currency}|{p.period}\n".encode())
    return h.hexdigest()


def _run_id(subject: str) -> int | None:
    kind, _, number = subject.partition(" ")
    return int(number) if kind == "run" and number.isdigit() else None


def recorded(session: Session, run_ids=None) -> dict[int, tuple[str, dict]]:
    """Run id -> (status, payload of its run.paid entry or {}) as the chain records it."""
    q = select(AuditEntry).where(AuditEntry.event.in_(list(RUN_EVENTS))).order_by(
        AuditEntry.seq)
    if run_ids is not None:
        q = q.where(AuditEntry.subject.in_([f"run {i}" for i in run_ids])
                    | (AuditEntry.event == "run.created"))
    out: dict[int, tuple[str, dict]] = {}
    for e in session.execute(q).scalars():
        rid = _run_id(e.subject)
        if rid is None:
            continue
        payload = json.loads(e.payload or "{}")
        if e.event == "run.created" and isinstance(payload.get("replaced"), int):
            out[payload["replaced"]] = ("replaced", {})
        if run_ids is not None and rid not in run_ids:
            continue
        out[rid] = (RUN_EVENTS[e.event], payload if e.event == "run.paid" else {})
    return out


def run_problems(session: Session, run_ids=None) -> list[Broken]:
    """Runs whose status, period or payments are not what the chain records (all runs, or
    those given). Each is a change made outside compplan."""
    from .models import Payment, PeriodState, Run
    wanted = set(run_ids) if run_ids is not None else None
    chain = recorded(session, wanted)
    q = select(Run)
    if wanted is not None:
        q = q.where(Run.id.in_(wanted))
    runs = {r.id: r for r in session.execute(q).scalars()}
    pay_q = select(Payment)
    if wanted is not None:
        pay_q = pay_q.where(Payment.run_id.in_(wanted))
    payments: dict[int, list] = {}
    for p in session.execute(pay_q).scalars():
        payments.setdefault(p.run_id, []).append(p)
    problems: list[Broken] = []

    def bad(rid: int, why: str) -> None:
        problems.append(Broken(0, f"run {rid}: {why} (changed in the database, outside "
                                  "compplan)"))

    for rid in sorted(set(chain) | set(runs) | set(payments)):
        if wanted is not None and rid not in wanted:
            continue
        status, paid = chain.get(rid, (None, {}))
        run = runs.get(rid)
        if status is None:
            if run is not None:
                bad(rid, f"is in the store ({run.status}) but no entry of the audit log "
                         "made it")
            else:
                bad(rid, "has payments but no run")
            continue
        if run is None:
            bad(rid, f"is {status} in the audit log but is missing from the store")
            continue
        if run.status != status:
            bad(rid, f"is {run.status} in the store but {status} in the audit log")
        have = payments.get(rid, [])
        if status == "paid" and "payments" in paid:
            if payments_digest(have) != paid["payments"] or len(have) != paid.get("payees"):
                bad(rid, f"its {len(have)} payment rows are not those recorded when it "
                         f"was paid ({paid.get('payees')} payees)")
        elif have and status != "paid":
            bad(rid, f"has {len(have)} payment rows but the audit log never paid it")
    for st in session.execute(select(PeriodState)).scalars():
        rid = st.current_run_id
        if rid is None or (wanted is not None and rid not in wanted):
            continue
        status = chain.get(rid, (None, {}))[0]
        status = "draft" if status == "stale" else status  # a stale draft's period is open
        if status is not None and status != "replaced" and st.status != status:
            bad(rid, f"its period {st.plan_id} {st.period} is {st.status} in the store but "
                     f"{status} in the audit log")
    return problems
