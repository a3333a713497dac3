"""Finance's tables (issue 18): accruals and contract-cost schedules, kept beside the runs.

An accrual keeps what it was worked out from, as a run does: the plan version and the
dataset (the same tables, so a file run and accrued is kept once), the finance file's
text, the date, and per payee and component the earned-to-date, what was booked before
and the accrual; its fingerprint is in the audit chain. So `compplan accruals verify N`
works it out again from the store alone and compares.

A contract-cost schedule keeps the runs it was built from, the policy's text, each
contract's month rows and a fingerprint: built again from the same runs it must be the
same to the cent.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, now
from .types import Money


class AccrualRow(Base):
    __tablename__ = "accruals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(200), index=True)
    period: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[dt.date] = mapped_column(Date)
    plan_version_id: Mapped[str] = mapped_column(ForeignKey("plan_versions.id"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"))
    finance_file: Mapped[str] = mapped_column(String(500))
    finance_text: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    earned: Mapped[Decimal] = mapped_column(Money)
    before: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    before_from: Mapped[str] = mapped_column(String(200))  # "accrual 3", "run 7", "nothing"
    lines: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))


class AccrualLineRow(Base):
    __tablename__ = "accrual_lines"
    accrual_id: Mapped[int] = mapped_column(ForeignKey("accruals.id"), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200), primary_key=True)
    component: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500), default="")
    cost_centre: Mapped[str] = mapped_column(String(200), default="")
    earned: Mapped[Decimal] = mapped_column(Money)
    before: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class CostScheduleRow(Base):
    __tablename__ = "cost_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(200), index=True)
    through: Mapped[str] = mapped_column(String(20))  # the last month, 2026-12
    runs: Mapped[str] = mapped_column(Text)  # JSON [run id] it was built from
    finance_file: Mapped[str] = mapped_column(String(500))
    finance_text: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    capitalized: Mapped[Decimal] = mapped_column(Money)
    closing: Mapped[Decimal] = mapped_column(Money)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))


class CostScheduleMonth(Base):
    __tablename__ = "cost_schedule_months"
    schedule_id: Mapped[int] = mapped_column(ForeignKey("cost_schedules.id"),
                                             primary_key=True)
    contract: Mapped[str] = mapped_column(String(300), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    payee: Mapped[str] = mapped_column(String(200))
    opening: Mapped[Decimal] = mapped_column(Money)
    additions: Mapped[Decimal] = mapped_column(Money)
    clawbacks: Mapped[Decimal] = mapped_column(Money)
    amortization: Mapped[Decimal] = mapped_column(Money)
    impairment: Mapped[Decimal] = mapped_column(Money)
    closing: Mapped[Decimal] = mapped_column(Money)
