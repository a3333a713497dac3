"""The audit log: append-only, each entry chained to the one before by its hash.

An entry's hash is the SHA-256 of its own fields and the previous entry's hash, so an
entry edited, deleted or inserted later breaks the chain at that point; `verify` walks
the chain and names the first entry that does not hold, and why.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import AuditEntry, now

GENESIS = "0" * 64


def _digest(seq: int, at: str, actor: str, event: str, subject: str, payload: str,
            prev: str) -> str:
    body = json.dumps([seq, at, actor, event, subject, payload, prev], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _at(entry: AuditEntry) -> str:
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
    entry.hash = _digest(seq, _at(entry), actor, event, subject, entry.payload, prev)
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
        recomputed = _digest(e.seq, _at(e), e.actor, e.event, e.subject, e.payload,
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
