"""A target round's tables (issue 19): the round, its lines, every step of every line,
its named assumptions and the history its people read.

A round is opened on a target set's proposals for a period; each line is one payee's
one KPI. A line is never edited without a step: every answer, counter, acceptance and
approval is a row of `target_round_steps` (who, when, why, the figure) and an entry in
the audit chain, so the line's current figure is always the last step's.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..store.models import Base, now
from ..store.types import Money

ROUND_STATES = ("open", "approved")
# a line's state: proposed (nobody answered yet), answered (the rep gave a figure),
# accepted / countered (the manager decided), reopened (the admin cleared the manager's
# decision so the rep may answer again), approved (the admin approved the round)
LINE_STATES = ("proposed", "answered", "accepted", "countered", "reopened", "approved")


class TargetRound(Base):
    __tablename__ = "target_rounds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    set_name: Mapped[str] = mapped_column(String(200))  # the proposals' target set
    plan_id: Mapped[str] = mapped_column(String(200))  # whose accounts take part
    period: Mapped[str] = mapped_column(String(20))
    kpis: Mapped[str] = mapped_column(Text)  # JSON list of KPI codes
    team: Mapped[str] = mapped_column(Text)  # JSON {payee: {"manager", "territory"}}
    top_down: Mapped[str] = mapped_column(Text)  # JSON {kpi: "40000.00"}
    kpi_info: Mapped[str] = mapped_column(Text)  # JSON {kpi: {name, unit, target column}}
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    # JSON {input, payee, period, by, columns}: the plan's targets input, taken when the
    # round is opened, so the export writes the plan's file without the plan at hand
    targets_input: Mapped[str | None] = mapped_column(Text)


class RoundLine(Base):
    __tablename__ = "target_round_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("target_rounds.id"))
    who: Mapped[str] = mapped_column(String(200))
    kpi: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    proposed: Mapped[Decimal] = mapped_column(Money)
    proposed_how: Mapped[str] = mapped_column(Text, default="")
    target_id: Mapped[int | None] = mapped_column(Integer)  # the proposal's version
    rep_figure: Mapped[Decimal | None] = mapped_column(Money)
    rep_reason: Mapped[str] = mapped_column(Text, default="")
    manager_figure: Mapped[Decimal | None] = mapped_column(Money)
    manager_reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    version: Mapped[int] = mapped_column(Integer, default=1)
    cites: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of assumption names
    # the day answers are due for this line when the admin reopened it (else the round's)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_target_round_lines_round_who", "round_id", "who"),)


class RoundStep(Base):
    """One version of one line: what was done, the figure it left, who, when, why."""

    __tablename__ = "target_round_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("target_round_lines.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # one of LINE_STATES
    figure: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    by: Mapped[str] = mapped_column(String(200))


class RoundAssumption(Base):
    """A named, dated assumption the round's proposals rest on: growth, seasonality, a
    competitor in a territory, a rep's ramp. `kpi` and `applies_to` say which lines cite
    it ('*': every KPI / everyone; applies_to may be a payee or a territory)."""

    __tablename__ = "target_round_assumptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("target_rounds.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    kpi: Mapped[str] = mapped_column(String(100), default="*")
    applies_to: Mapped[str] = mapped_column(String(200), default="*")
    dated: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")


class RoundHistory(Base):
    """Last year's actuals (and the targets then) a round shows beside its proposals."""

    __tablename__ = "target_round_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("target_rounds.id"))
    who: Mapped[str] = mapped_column(String(200))
    kpi: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(20))
    actual: Mapped[Decimal] = mapped_column(Money)
    target: Mapped[Decimal | None] = mapped_column(Money)
    __table_args__ = (Index("ix_target_round_history_round_who", "round_id", "who", "kpi"),)
