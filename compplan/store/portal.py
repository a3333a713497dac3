"""The portal's tables (issue 8): accounts, API tokens, the open periods kept live,
the transactions ingested into them, and disputes.

They live in the store, beside runs, because the store is what the portal and the
command line share: `compplan ingest FILE` and the HTTP API write the same rows, and
the next saved run pays an accepted dispute (see carry.py), so nothing here may live
only in a web process.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, now
from .types import Money

ROLES = ("rep", "manager", "admin", "finance")


class Account(Base):
    """Someone who logs in. A rep or a manager is linked to one payee id of one plan
    (`plan_id`, `payee`): payee ids are a plan's own, and `ann` of one plan may be
    another person than `ann` of the next (issue 17 item 8). A person paid by two plans
    has an account for each. Admin and finance see every payee of every plan."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))  # rep | manager | admin | finance
    payee: Mapped[str | None] = mapped_column(String(200))
    plan_id: Mapped[str | None] = mapped_column(String(200))  # the plan `payee` is of
    password_hash: Mapped[str] = mapped_column(String(300))  # argon2id, with its salt
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class PortalSession(Base):
    """A logged-in session, kept server-side so that it can end: at logout, after an
    idle time, or when the password changes. The cookie carries a random id; only its
    SHA-256 is kept here, so a copy of the table does not log anyone in."""

    __tablename__ = "portal_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for the ingest API. Only its SHA-256 is kept (the token is shown once);
    a revoked token stays, so the audit log's references to it still resolve."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(20), default="ingest")
    plan_id: Mapped[str | None] = mapped_column(String(200))  # one plan, or any
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LivePeriod(Base):
    """A plan's open period, shown live: the plan text and the data it started from.
    Transactions ingested since are in `ingested_rows`."""

    __tablename__ = "live_periods"
    plan_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(20))
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("plan_versions.id"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    opened_by: Mapped[str] = mapped_column(String(200))


class IngestedRow(Base):
    """One transaction taken into a live period, as it was sent. Unique by plan, period,
    input and id: sending it again changes nothing. `id` is the order of acceptance, which
    another process (the portal) follows to catch up with `compplan ingest`."""

    __tablename__ = "ingested_rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(20))
    input: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    record: Mapped[str] = mapped_column(Text)  # JSON {column: text}
    batch: Mapped[str] = mapped_column(String(40))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    ingested_by: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("plan_id", "period", "input", "key",
                                       name="uq_ingested_rows_key"),)


class Dispute(Base):
    """A rep's question about one statement line: open -> answered -> resolved, accepted
    (with the adjustment the next saved run pays) or rejected. The line is described as
    it was, since a replaced draft's lines are not kept."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    plan_id: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(20))
    payee: Mapped[str] = mapped_column(String(200), index=True)
    line_number: Mapped[int] = mapped_column(Integer)
    line_key: Mapped[str] = mapped_column(String(600))
    line_amount: Mapped[Decimal] = mapped_column(Money)
    line_summary: Mapped[str] = mapped_column(Text)  # component, formula, sources
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|answered|resolved
    outcome: Mapped[str | None] = mapped_column(String(20))  # accepted | rejected
    answer: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Money)  # paid (+) or recovered (-)
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PortalSetting(Base):
    """Settings the portal keeps across restarts and processes (the session key)."""

    __tablename__ = "portal_settings"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
