"""Accruals in the store: what was booked before, keeping an accrual, working it out
again, and the true-up when the period's run is approved.

What was booked before an accrual of a date, for the same plan and period: the period's
approved or paid run if there is one (its pay is then what the books hold), else the
last accrual kept of an earlier date (its earned-to-date), else nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..engine import compile_plan, parse_period
from ..engine.data import load_folder
from ..errors import CompplanError, Problem
from ..lang import check_source
from ..render.rows import write_dataset
from ..store import audit
from ..store.db import Store
from ..store.finance import AccrualLineRow, AccrualRow
from ..store.lifecycle import dataset_files, register_plan, store_dataset
from ..store.models import AuditEntry, PayeeResultRow, PlanVersion, Run
from .accrue import Accrual, AccrualLine, accrual, centres, earned_to, from_folder
from .mapping import Mapping, load_mapping

ZERO = Decimal(0)
BOOKED = ("approved", "paid")


class AccrualRefused(Exception):
    """An accrual that is not kept: the message says why and what to do."""


def fingerprint(acc: Accrual) -> str:
    h = hashlib.sha256()
    h.update(f"{acc.plan}|{acc.period}|{acc.as_of}|{acc.currency}\n".encode())
    for ln in sorted(acc.lines, key=lambda x: (x.payee, x.component)):
        h.update(f"{ln.payee}|{ln.component}|{ln.cost_centre}|{ln.earned}|{ln.before}|"
                 f"{ln.amount}\n".encode())
    return h.hexdigest()


def booked_run(session, plan_id: str, period: str) -> Run | None:
    return session.execute(select(Run).where(
        Run.plan_id == plan_id, Run.period == period, Run.status.in_(BOOKED))
        .order_by(Run.id.desc())).scalars().first()


def last_accrual(session, plan_id: str, period: str, before: dt.date | None = None
                 ) -> AccrualRow | None:
    q = select(AccrualRow).where(AccrualRow.plan_id == plan_id, AccrualRow.period == period)
    if before is not None:
        q = q.where(AccrualRow.as_of < before)
    return session.execute(q.order_by(AccrualRow.as_of.desc(), AccrualRow.id.desc())
                           ).scalars().first()


def run_amounts(session, run_id: int) -> dict[tuple[str, str], Decimal]:
    out = {}
    for pr in session.execute(select(PayeeResultRow).where(
            PayeeResultRow.run_id == run_id)).scalars():
        for comp, amount in json.loads(pr.components).items():
            out[(pr.payee, comp)] = Decimal(amount)
    return out


def accrual_amounts(session, accrual_id: int, what: str = "earned"
                    ) -> dict[tuple[str, str], Decimal]:
    return {(ln.payee, ln.component): getattr(ln, what)
            for ln in session.execute(select(AccrualLineRow).where(
                AccrualLineRow.accrual_id == accrual_id)).scalars()}


def booked_before(store: Store, plan_id: str, period: str, as_of: dt.date
                  ) -> tuple[dict[tuple[str, str], Decimal], str]:
    """(payee, component) -> amount booked before, and where it came from in words."""
    with store.session() as s:
        run = booked_run(s, plan_id, period)
        if run is not None:
            return run_amounts(s, run.id), f"run {run.id}, {run.status}"
        last = last_accrual(s, plan_id, period, as_of)
        if last is not None:
            return accrual_amounts(s, last.id), f"accrual {last.id} as of {last.as_of}"
    return {}, "nothing booked before"


def keep(store: Store, compiled, plan_bytes: bytes, files: dict[str, bytes], acc: Accrual,
         mapping: Mapping, finance_text: str, actor: str) -> AccrualRow:
    """Store the accrual with the plan text, the data files and the finance file it was
    worked out from, and an audit entry with its fingerprint. Refused when the period
    already has an accrual of that date (a second one would be booked twice)."""
    session = store.session()
    try:
        same = session.execute(select(AccrualRow).where(
            AccrualRow.plan_id == acc.plan, AccrualRow.period == acc.period,
            AccrualRow.as_of == acc.as_of)).scalars().first()
        if same is not None:
            raise AccrualRefused(
                f"{acc.plan} {acc.period} already has accrual {same.id} as of {acc.as_of}; "
                f"it is booked once (compplan accruals verify {same.id} works it out again)")
        version = register_plan(session, compiled, plan_bytes, actor)
        dataset = store_dataset(session, files)
        row = AccrualRow(plan_id=acc.plan, period=acc.period, as_of=acc.as_of,
                         plan_version_id=version.id, dataset_id=dataset.id,
                         finance_file=mapping.file, finance_text=finance_text,
                         currency=acc.currency, earned=acc.total("earned"),
                         before=acc.total("before"), amount=acc.total(),
                         before_from=acc.before_from, lines=len(acc.lines),
                         fingerprint=fingerprint(acc), created_by=actor)
        session.add(row)
        session.flush()
        session.add_all(AccrualLineRow(accrual_id=row.id, payee=ln.payee,
                                       component=ln.component, name=ln.name,
                                       cost_centre=ln.cost_centre, earned=ln.earned,
                                       before=ln.before, amount=ln.amount)
                        for ln in acc.lines)
        audit.append(session, actor, "accrual.recorded", f"accrual {row.id}",
                     plan=acc.plan, period=acc.period, as_of=acc.as_of.isoformat(),
                     plan_version=version.id, dataset=dataset.id, amount=str(row.amount),
                     fingerprint=row.fingerprint)
        session.commit()
        return row
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def book(store: Store, compiled, plan_bytes: bytes, folder: str | Path, period,
         as_of: dt.date, mapping: Mapping, finance_text: str, actor: str
         ) -> tuple[AccrualRow, Accrual]:
    """Accrue a data folder as of a day less what the store booked before for the
    period, and keep it (AccrualRefused when that day is accrued already)."""
    before, before_from = booked_before(store, compiled.plan.plan, period.label, as_of)
    acc, _ = from_folder(compiled, folder, period, as_of, mapping, before, before_from)
    row = keep(store, compiled, plan_bytes, dataset_files(compiled, Path(folder)), acc,
               mapping, finance_text, actor)
    return row, acc


def stored(store: Store, accrual_id: int) -> tuple[AccrualRow, Accrual]:
    with store.session() as s:
        return stored_in(s, accrual_id)


def stored_in(session, accrual_id: int) -> tuple[AccrualRow, Accrual]:
    """A kept accrual and its register, read in the caller's session (the portal reads
    through its own sessions)."""
    row = session.get(AccrualRow, accrual_id)
    if row is None:
        raise LookupError(f"there is no accrual {accrual_id}; see compplan accruals")
    acc = Accrual(row.plan_id, "", row.period, row.as_of, row.currency,
                  before_from=row.before_from)
    for ln in session.execute(select(AccrualLineRow).where(
            AccrualLineRow.accrual_id == row.id)
            .order_by(AccrualLineRow.payee, AccrualLineRow.component)).scalars():
        acc.lines.append(AccrualLine(ln.payee, ln.name, ln.cost_centre, ln.component,
                                     ln.earned, ln.before, ln.amount))
    return row, acc


def period_run(session, plan_id: str, period: str) -> Run | None:
    """The run an accrual of the period is trued up against: the approved or paid one,
    else the newest draft (its true-up is what approving it would book)."""
    run = booked_run(session, plan_id, period)
    if run is not None:
        return run
    return session.execute(select(Run).where(
        Run.plan_id == plan_id, Run.period == period, Run.status != "replaced")
        .order_by(Run.id.desc())).scalars().first()


def recorded_fingerprint(session, subject: str) -> str | None:
    """The fingerprint the audit chain recorded for "accrual N" or "schedule N"."""
    e = session.execute(select(AuditEntry).where(AuditEntry.subject == subject,
                                                 AuditEntry.event.in_(
                                                     ["accrual.recorded",
                                                      "schedule.recorded"]))
                        .order_by(AuditEntry.seq)).scalars().first()
    return json.loads(e.payload).get("fingerprint") if e is not None else None


def _against_chain(session, subject: str, kept: str) -> list[str]:
    chain = recorded_fingerprint(session, subject)
    if chain is None:
        return [f"the audit log has no entry for {subject} (changed in the database, "
                "outside compplan)"]
    if chain != kept:
        return [f"the audit log recorded {subject} with fingerprint {chain}, the store "
                f"holds {kept} (changed in the database, outside compplan)"]
    return []


@dataclass
class Verified:
    row: AccrualRow
    differences: list[str]


def verify(store: Store, accrual_id: int) -> Verified:
    """Work the accrual out again from the store's copies of the plan, the data and the
    finance file, with what it took as booked before, and compare line by line and the
    fingerprint."""
    row, kept = stored(store, accrual_id)
    with store.session() as s:
        version = s.get(PlanVersion, row.plan_version_id)
        checked = check_source(version.text, version.file_name)
        compiled = compile_plan(checked)
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_dataset(s, row.dataset_id, Path(tmp) / "data")
            fin = Path(tmp) / Path(row.finance_file).name
            fin.write_text(row.finance_text, encoding="utf-8")
            mapping, problems = load_mapping(fin, compiled)
            data_problems: list[Problem] = []
            tables = load_folder(compiled.plan, folder, data_problems)
            if problems or data_problems:
                raise CompplanError(problems + data_problems)
            result = earned_to(compiled, tables, parse_period(row.period), row.as_of)
            centre_of, _ = centres(compiled, folder, mapping.cost_centre)
    before = {(ln.payee, ln.component): ln.before for ln in kept.lines}
    again = accrual(compiled, result, row.as_of, before, row.before_from, centre_of)
    diffs = []
    now = {(ln.payee, ln.component): ln for ln in again.lines}
    was = {(ln.payee, ln.component): ln for ln in kept.lines}
    for k in sorted(set(now) | set(was)):
        a, b = was.get(k), now.get(k)
        if a is None or b is None or (a.earned, a.amount, a.cost_centre) != \
                (b.earned, b.amount, b.cost_centre):
            diffs.append(f"{k[0]} {k[1]}: kept {_show(a)}, worked out again {_show(b)}")
    if fingerprint(again) != row.fingerprint:
        diffs.append(f"fingerprint: kept {row.fingerprint}, worked out again "
                     f"{fingerprint(again)}")
    if fingerprint(kept) != row.fingerprint:
        diffs.append("the kept lines do not hash to the kept fingerprint (changed in the "
                     "database, outside compplan)")
    with store.session() as s:
        diffs += _against_chain(s, f"accrual {row.id}", row.fingerprint)
    return Verified(row, diffs)


def _show(ln: AccrualLine | None) -> str:
    if ln is None:
        return "nothing"
    return f"earned {ln.earned}, accrual {ln.amount}, cost centre '{ln.cost_centre}'"


@dataclass
class TrueUp:
    run: Run
    accrual: AccrualRow | None
    lines: list[tuple[str, str, Decimal, Decimal, Decimal]]  # payee, comp, final, accrued, diff

    @property
    def total(self) -> Decimal:
        return sum((x[4] for x in self.lines), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((x[2] for x in self.lines), ZERO)

    @property
    def accrued(self) -> Decimal:
        return sum((x[3] for x in self.lines), ZERO)

    def by(self, what: str = "component") -> dict[str, Decimal]:
        """The true-up per component or per payee."""
        at = 1 if what == "component" else 0
        out: dict[str, Decimal] = {}
        for x in self.lines:
            out[x[at]] = out.get(x[at], ZERO) + x[4]
        return dict(sorted(out.items()))

    def text(self) -> str:
        if self.accrual is None:
            return (f"no accrual kept for {self.run.plan_id} {self.run.period}: the run's "
                    f"{self.run.currency} {self.run.total:,.2f} was not accrued before")
        out = [f"true-up of accrual {self.accrual.id} (as of {self.accrual.as_of}): final "
               f"run {self.run.id} {self.run.currency} {self.final:,.2f} - accrued "
               f"{self.accrued:,.2f} = {self.total:,.2f}"]
        out += [f"  {comp:<16} {d:>14,.2f}" for comp, d in self.by().items() if d]
        return "\n".join(out)


def true_up(store: Store, run_id: int) -> TrueUp:
    """The period's final run against the last accrual kept for it: per payee and
    component, the run's pay, the accrual's earned-to-date, and the difference to book."""
    with store.session() as s:
        return true_up_in(s, run_id)


def true_up_in(session, run_id: int) -> TrueUp:
    """true_up, read in the caller's session."""
    s = session
    run = s.get(Run, run_id)
    if run is None:
        raise LookupError(f"there is no run {run_id}; see compplan runs")
    last = last_accrual(s, run.plan_id, run.period)
    if last is None:
        return TrueUp(run, None, [])
    final = run_amounts(s, run.id)
    accrued = accrual_amounts(s, last.id)
    lines = []
    for k in sorted(set(final) | set(accrued)):
        f, a = final.get(k, ZERO), accrued.get(k, ZERO)
        if f or a:
            lines.append((k[0], k[1], f, a, f - a))
    return TrueUp(run, last, lines)


def keep_schedule(store: Store, sched, mapping: Mapping, finance_text: str, actor: str
                  ) -> tuple[int, bool]:
    """Keep a contract-cost schedule (its months, the runs and the finance file it was
    built from, its fingerprint in the audit chain); (id, False) when the same schedule
    through the same month is kept already."""
    from ..store.finance import CostScheduleMonth, CostScheduleRow
    from .capitalize import month_label
    fp = sched.fingerprint()
    through = month_label(sched.last)
    session = store.session()
    try:
        same = session.execute(select(CostScheduleRow).where(
            CostScheduleRow.plan_id == sched.plan, CostScheduleRow.through == through,
            CostScheduleRow.fingerprint == fp)).scalars().first()
        if same is not None:
            return same.id, False
        row = CostScheduleRow(plan_id=sched.plan, through=through,
                              runs=json.dumps([r.id for r in sched.runs]),
                              finance_file=mapping.file, finance_text=finance_text,
                              currency=sched.currency, capitalized=sched.total("additions"),
                              closing=sched.closing(), fingerprint=fp, created_by=actor)
        session.add(row)
        session.flush()
        session.add_all(CostScheduleMonth(schedule_id=row.id, contract=r.contract,
                                          month=month_label(r.month), payee=r.payee,
                                          opening=r.opening, additions=r.additions,
                                          clawbacks=r.clawbacks, amortization=r.amortization,
                                          impairment=r.impairment, closing=r.closing)
                        for r in sched.rows)
        audit.append(session, actor, "schedule.recorded", f"schedule {row.id}",
                     plan=sched.plan, through=through, runs=[r.id for r in sched.runs],
                     capitalized=str(row.capitalized), closing=str(row.closing),
                     fingerprint=fp)
        session.commit()
        return row.id, True
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def verify_schedule(store: Store, schedule_id: int) -> tuple[object, list[str]]:
    """Build a kept schedule again from the runs it names and the finance file it kept,
    and compare month by month and the fingerprint; a run no longer approved or paid
    is named too."""
    from ..store.finance import CostScheduleMonth, CostScheduleRow
    from .capitalize import build, month_label
    with store.session() as s:
        row = s.get(CostScheduleRow, schedule_id)
        if row is None:
            raise LookupError(f"there is no schedule {schedule_id}; see compplan schedules")
        run_ids = json.loads(row.runs)
        with tempfile.TemporaryDirectory() as tmp:
            fin = Path(tmp) / Path(row.finance_file).name
            fin.write_text(row.finance_text, encoding="utf-8")
            mapping, problems = load_mapping(fin)
        if problems:
            raise CompplanError(problems)
        sched = build(s, row.plan_id, mapping, row.through, run_ids)
        kept = {(m.contract, m.month): m for m in s.execute(select(CostScheduleMonth).where(
            CostScheduleMonth.schedule_id == row.id)).scalars()}
        diffs = [f"run {r.id} ({r.period}) is {r.status} now, not approved or paid"
                 for r in sched.runs if r.status not in BOOKED]
        missing = set(run_ids) - {r.id for r in sched.runs}
        diffs += [f"run {i} is no longer in the store" for i in sorted(missing)]
        again = {(r.contract, month_label(r.month)): r for r in sched.rows}
        fields = ("opening", "additions", "clawbacks", "amortization", "impairment",
                  "closing")
        for k in sorted(set(kept) | set(again)):
            a, b = kept.get(k), again.get(k)
            if a is None or b is None or any(getattr(a, f) != getattr(b, f) for f in fields):
                def show(x):
                    return "nothing" if x is None else ", ".join(
                        f"{f} {getattr(x, f)}" for f in fields)
                diffs.append(f"{k[0]} {k[1]}: kept {show(a)}; built again {show(b)}")
        if sched.fingerprint() != row.fingerprint:
            diffs.append(f"fingerprint: kept {row.fingerprint}, built again "
                         f"{sched.fingerprint()}")
        diffs += _against_chain(s, f"schedule {row.id}", row.fingerprint)
        return row, diffs


def true_up_journal(store: Store, t: TrueUp, mapping: Mapping):
    """The true-up's journal: per component and cost centre (the accrual's, else the
    run's), the difference debited to expense and credited to the accrued liability."""
    from . import journal
    if t.accrual is None:
        return []
    with store.session() as s:
        centre = {ln.payee: ln.cost_centre for ln in s.execute(select(AccrualLineRow).where(
            AccrualLineRow.accrual_id == t.accrual.id)).scalars()}
        for pr in s.execute(select(PayeeResultRow).where(
                PayeeResultRow.run_id == t.run.id)).scalars():
            centre.setdefault(pr.payee, pr.cost_center)
    sums: dict[tuple[str, str], Decimal] = {}
    for payee, comp, _, _, diff in t.lines:
        k = (comp, centre.get(payee, ""))
        sums[k] = sums.get(k, ZERO) + diff
    out = []
    entry = f"true-up of accrual {t.accrual.id} by run {t.run.id}"
    day = parse_period(t.run.period).end
    for (comp, c), amount in sorted(sums.items()):
        out += journal.pair(entry, day, mapping.expense_account(comp), mapping.liability, c,
                            amount, t.run.currency,
                            f"{t.run.plan_id} {t.run.period} {comp}: final run less accrued")
    return out
