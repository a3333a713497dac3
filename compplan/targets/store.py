"""Targets in the store: every version kept, proposed -> approved, each step in the log.

A target is never edited in place. Proposing a value for a target that already has
one adds a version; a change from a day inside the period (`change`) adds a version in
force from that day, the earlier one staying in force on the days before. A proposal
feeds nothing until it is approved, and every proposal, change and approval is an entry
in the hash-chained audit log (who, what, when), so an auditor can see who set which
target and who approved it.

Targets belong to a set (`field-2026`): a batch proposed, reviewed and approved
together. Bottom-up proposals go to a set of their own, for the reconciliation.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..periods import parse_period
from ..store import audit
from ..store.db import Store
from ..store.models import Base, now
from ..store.types import Money
from .model import Key, Target, fmt


class TargetsError(Exception):
    """A refusal: the message says what is wrong and what to do."""


class TargetVersion(Base):
    """One version of one target."""

    __tablename__ = "targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    set_name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    who: Mapped[str] = mapped_column(String(200))
    kpi: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(200), default="")
    territory: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str] = mapped_column(String(20))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # proposed | approved
    method: Mapped[str] = mapped_column(String(50), default="")
    how: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (
        UniqueConstraint("set_name", "level", "who", "kpi", "period", "product", "territory",
                         "version", name="uq_targets_version"),
        Index("ix_targets_set_who", "set_name", "who", "kpi", "period"),
    )


def _target(r: TargetVersion) -> Target:
    return Target(r.who, r.kpi, r.period, r.value, r.unit, r.level, r.product, r.territory,
                  r.how, r.method, r.effective_from, r.effective_to, r.version, r.status,
                  r.set_name, r.id, r.note,
                  {"created_by": r.created_by, "created_at": r.created_at,
                   "approved_by": r.approved_by, "approved_at": r.approved_at})


def _key_filter(set_name: str, key: Key):
    return (TargetVersion.set_name == set_name, TargetVersion.level == key.level,
            TargetVersion.who == key.who, TargetVersion.kpi == key.kpi,
            TargetVersion.period == key.period, TargetVersion.product == key.product,
            TargetVersion.territory == key.territory)


def _versions_by_key(session: Session, set_name: str) -> dict[Key, list[TargetVersion]]:
    out: dict[Key, list[TargetVersion]] = {}
    for r in session.execute(select(TargetVersion).where(TargetVersion.set_name == set_name)
                             .order_by(TargetVersion.version)).scalars():
        out.setdefault(Key(r.who, r.kpi, r.period, r.level, r.product, r.territory),
                       []).append(r)
    return out


def propose(store: Store, set_name: str, targets: Iterable[Target], actor: str,
            source: str = "", reason: str = "") -> list[Target]:
    """Add the targets as proposed versions (a target whose newest version already has
    the same value and days is left alone). Returns the versions added."""
    added: list[TargetVersion] = []
    changed: list[dict] = []
    with store.session() as s:
        existing = _versions_by_key(s, set_name)
        for t in targets:
            p = parse_period(t.period)
            first = t.effective_from or p.start
            last = t.effective_to or p.end
            if not (p.start <= first <= last <= p.end):
                raise TargetsError(f"{t.key}: the days {first} to {last} are not within "
                                   f"{p.label}")
            olds = existing.get(t.key, [])
            newest = olds[-1] if olds else None
            if newest is not None and newest.value == t.value and \
                    newest.effective_from == first and newest.effective_to == last:
                continue
            r = TargetVersion(set_name=set_name, level=t.level, who=t.who, kpi=t.kpi,
                              period=p.label, product=t.product, territory=t.territory,
                              version=(newest.version + 1) if newest else 1, value=t.value,
                              unit=t.unit, effective_from=first, effective_to=last,
                              status="proposed", method=t.method, how=t.how,
                              note=t.note or reason, created_by=actor)
            s.add(r)
            existing.setdefault(t.key, []).append(r)
            added.append(r)
            approved = [o for o in olds if o.status == "approved"]
            if approved:
                changed.append({"target": str(t.key), "was": str(approved[-1].value),
                                "was_version": approved[-1].version, "now": str(t.value),
                                "version": r.version, "from": first.isoformat()})
        if added:
            s.flush()
            audit.append(s, actor, "targets.proposed", f"target set {set_name}",
                         count=len(added), source=source, reason=reason,
                         ids=[r.id for r in added])
        for c in changed:
            audit.append(s, actor, "target.changed", f"target set {set_name}", reason=reason,
                         **c)
        s.commit()
        return [_target(r) for r in added]


def change(store: Store, set_name: str, key: Key, value: Decimal, effective_from: dt.date,
           actor: str, reason: str) -> Target:
    """A new version of a target, in force from `effective_from` to the period's end;
    the earlier version stays in force before that day. Proposed until approved."""
    if not reason.strip():
        raise TargetsError("say why the target changes: --reason \"...\"")
    with store.session() as s:
        olds = list(s.execute(select(TargetVersion).where(*_key_filter(set_name, key))
                              .order_by(TargetVersion.version)).scalars())
    if not olds:
        raise TargetsError(f"there is no target {key} in set {set_name}; see compplan "
                           "targets list")
    p = parse_period(key.period)
    if not p.contains(effective_from):
        raise TargetsError(f"{effective_from} is not a day of {p.label}")
    t = Target(key.who, key.kpi, key.period, value, olds[-1].unit, key.level, key.product,
               key.territory, how=f"changed from {effective_from}: {reason}",
               method="change", effective_from=effective_from, effective_to=p.end)
    added = propose(store, set_name, [t], actor, source="change", reason=reason)
    if not added:
        raise TargetsError(f"{key} already has that value from {effective_from}")
    return added[0]


def approve(store: Store, set_name: str, actor: str, ids: list[int] | None = None,
            who: str | None = None, kpi: str | None = None) -> list[Target]:
    """Approve the set's proposed versions (or only those named): who approved what,
    and when, is kept on each version and in the audit log."""
    with store.session() as s:
        q = select(TargetVersion).where(TargetVersion.set_name == set_name,
                                        TargetVersion.status == "proposed")
        if ids:
            q = q.where(TargetVersion.id.in_(ids))
        if who:
            q = q.where(TargetVersion.who == who)
        if kpi:
            q = q.where(TargetVersion.kpi == kpi)
        rows = list(s.execute(q.order_by(TargetVersion.id)).scalars())
        if not rows:
            raise TargetsError(f"nothing to approve in set {set_name}: no proposed targets"
                               + (" with those ids" if ids else ""))
        if ids and len(rows) != len(set(ids)):
            found = {r.id for r in rows}
            raise TargetsError("not proposed in set " + set_name + ": " +
                               ", ".join(str(i) for i in sorted(set(ids) - found)))
        stamp = now()
        for r in rows:
            r.status, r.approved_by, r.approved_at = "approved", actor, stamp
        total: dict[str, Decimal] = {}
        for r in rows:
            total[r.kpi] = total.get(r.kpi, Decimal(0)) + r.value
        audit.append(s, actor, "targets.approved", f"target set {set_name}",
                     count=len(rows), ids=[r.id for r in rows],
                     totals={k: str(v) for k, v in sorted(total.items())},
                     versions=[f"{r.who} {r.kpi} {r.period} v{r.version} = {r.value}"
                               for r in rows[:50]])
        s.commit()
        return [_target(r) for r in rows]


def versions(store: Store, set_name: str, status: str | None = None,
             who: str | None = None, kpi: str | None = None) -> list[Target]:
    """Every version in the set (oldest first per target)."""
    with store.session() as s:
        q = select(TargetVersion).where(TargetVersion.set_name == set_name)
        if status:
            q = q.where(TargetVersion.status == status)
        if who:
            q = q.where(TargetVersion.who == who)
        if kpi:
            q = q.where(TargetVersion.kpi == kpi)
        return [_target(r) for r in s.execute(q.order_by(
            TargetVersion.who, TargetVersion.kpi, TargetVersion.period,
            TargetVersion.version)).scalars()]


def current(store: Store, set_name: str, **filters) -> list[Target]:
    """The newest version of each target in the set."""
    out: dict[Key, Target] = {}
    for t in versions(store, set_name, **filters):
        out[t.key] = t
    return list(out.values())


def sets(store: Store) -> list[tuple[str, int, int]]:
    """(set, targets proposed, targets approved) for every set."""
    with store.session() as s:
        counts: dict[str, list[int]] = {}
        for name, status in s.execute(select(TargetVersion.set_name, TargetVersion.status)):
            c = counts.setdefault(name, [0, 0])
            c[0 if status == "proposed" else 1] += 1
        return [(n, c[0], c[1]) for n, c in sorted(counts.items())]


def describe(t: Target) -> str:
    who = t.extra.get("approved_by")
    return (f"{t.id:>6}  {t.who:<10} {t.kpi:<14} {t.period:<10} v{t.version:<3} "
            f"{fmt(t.value, t.unit):>12}  {t.status:<8}" +
            (f" by {who}" if who else "") + (f"  {t.how}" if t.how else ""))
