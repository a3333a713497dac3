"""The store's tables.

A run points at the exact plan text (a plan version, addressed by the hash of the file)
and the exact data (a dataset, addressed by the hash of its files, which are kept), so
any run can be recomputed and compared. Results are per payee and per line; a line keeps
everything a statement shows.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (BigInteger, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import Money


class Base(DeclarativeBase):
    pass


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class PlanVersion(Base):
    """A plan file as it was run: its full text, addressed by its SHA-256."""

    __tablename__ = "plan_versions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(500))
    version_label: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    registered_by: Mapped[str] = mapped_column(String(200))


class Dataset(Base):
    """The input files of a run, addressed by a fingerprint of all of them."""

    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class DatasetFile(Base):
    __tablename__ = "dataset_files"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed file bytes


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(20))
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("plan_versions.id"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"))
    status: Mapped[str] = mapped_column(String(20))  # draft | approved | paid | replaced
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    payees: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the results, for control
    engine_version: Mapped[str] = mapped_column(String(40))
    # which engine worked it out: python (the reference) or duckdb (issue 12)
    engine: Mapped[str] = mapped_column(String(20), default="python",
                                        server_default="python")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    paid_by: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (Index("ix_runs_plan_period", "plan_id", "period"),)


class PeriodState(Base):
    """One row per plan and period: which run is current, and its status.

    Runs of the same plan and period take this row's lock, so only one at a time can
    write; the loser is told so at once rather than waiting.
    """

    __tablename__ = "periods"
    plan_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    current_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|draft|approved|paid
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class PayeeResultRow(Base):
    __tablename__ = "payee_results"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), default="")
    cost_center: Mapped[str] = mapped_column(String(200), default="")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    components: Mapped[str] = mapped_column(Text)  # JSON {component: "amount"}
    measures: Mapped[str] = mapped_column(Text)  # JSON {measure: "shown value"}
    warnings: Mapped[str] = mapped_column(Text)  # JSON [text]


class LineItem(Base):
    __tablename__ = "line_items"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    component: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    exact: Mapped[Decimal] = mapped_column(Money)
    formula: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(500))
    sources: Mapped[str] = mapped_column(Text)  # JSON [source id]
    inputs: Mapped[str] = mapped_column(Text)  # JSON {name: value}
    tiers: Mapped[str] = mapped_column(Text)  # JSON [{tier, amount, rate, pays}]
    basis_before: Mapped[Decimal | None] = mapped_column(Money)
    basis_after: Mapped[Decimal | None] = mapped_column(Money)
    rounding: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    key: Mapped[str] = mapped_column(String(600))  # what the line is for, across runs


class Adjustment(Base):
    """Money paid or recovered in a later run for an earlier, paid period."""

    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    payee: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))  # prior-period | clawback | dispute
    amount: Mapped[Decimal] = mapped_column(Money)
    original_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    original_period: Mapped[str | None] = mapped_column(String(20))
    original_key: Mapped[str | None] = mapped_column(String(600))
    reason: Mapped[str] = mapped_column(Text)


class Balance(Base):
    """A payee's carried balance (a recoverable draw) after a run."""

    __tablename__ = "balances"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    periods: Mapped[int] = mapped_column(Integer, default=0)  # how many periods it has run


class Payment(Base):
    __tablename__ = "payments"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(20))
    paid_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)


class AuditEntry(Base):
    """One event. Each entry's hash covers the previous entry's hash: editing or deleting
    any entry breaks the chain from there on, and `compplan audit verify` names it."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("hash"),)
