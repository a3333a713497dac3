"""A stored run read back for statements and `explain`.

The run names the exact plan text it was worked out from (its plan version), so the
plan is compiled again from that text, not from whatever the file says today: rule
positions, labels and limits on a statement are those of the plan that paid. Results
are read one payee at a time, so a statement is built from that payee's rows only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine.ir import CompiledPlan, compile_plan
from ..engine.results import Line, PayeeResult, TierPart
from ..lang import check_source
from ..periods import parse_period
from ..store.carry import earlier_runs
from ..store.models import LineItem, PayeeResultRow, PlanVersion, Run
from .statement import Header, YearToDate


@dataclass
class StoredRun:
    run: Run
    version: PlanVersion
    compiled: CompiledPlan
    header: Header


def open_run(session: Session, run_id: int) -> StoredRun:
    """The run and its plan, compiled from the kept text. LookupError if there is none."""
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"there is no run {run_id}; see compplan runs")
    version = session.get(PlanVersion, run.plan_version_id)
    compiled = compile_plan(check_source(version.text, version.file_name))
    p = parse_period(run.period)
    header = Header(version.plan_id, version.name, version.version_label, version.id,
                    run.period, p.start, p.end, run.currency, run.id, run.status,
                    run.created_at)
    return StoredRun(run, version, compiled, header)


def payee_ids(session: Session, run_id: int) -> list[tuple[str, str]]:
    """(id, name) of every payee of a run, in id order."""
    rows = session.execute(select(PayeeResultRow.payee, PayeeResultRow.name).where(
        PayeeResultRow.run_id == run_id).order_by(PayeeResultRow.payee))
    return [(p, n) for p, n in rows]


def payee_result(session: Session, run_id: int, payee: str) -> PayeeResult | None:
    """One payee's result and lines, as the engine gave them (amounts exact)."""
    row = session.get(PayeeResultRow, (run_id, payee))
    if row is None:
        return None
    pr = PayeeResult(row.payee, row.name, row.currency, row.cost_center,
                     {k: Decimal(v) for k, v in json.loads(row.components).items()},
                     row.total, [], json.loads(row.measures), warnings=json.loads(row.warnings))
    items = session.execute(select(LineItem).where(LineItem.run_id == run_id,
                                                   LineItem.payee == payee)
                            .order_by(LineItem.number)).scalars()
    for li in items:
        tiers = [TierPart(int(t["tier"]), Decimal(t["amount"]), Decimal(t["rate"]),
                          Decimal(t["pays"])) for t in json.loads(li.tiers or "[]")]
        pr.lines.append(Line(number=li.number, payee=li.payee, component=li.component,
                             kind=li.kind, amount=li.amount, exact=li.exact, rule=li.rule,
                             formula=li.formula, sources=json.loads(li.sources),
                             inputs=json.loads(li.inputs or "{}"), tiers=tiers,
                             basis_before=li.basis_before, basis_after=li.basis_after,
                             rounding=li.rounding or "", date=li.date, note=li.note or ""))
    pr.line_count = len(pr.lines)
    return pr


def year_to_date(session: Session, run: Run, payee: str) -> YearToDate:
    """This year's approved and paid runs of the plan before this one, and this run:
    what the payee has been paid (or is being paid) so far this year. Drafts of earlier
    periods do not count: they may still change."""
    p = parse_period(run.period)
    runs = [r for r in earlier_runs(session, run.plan_id, p)
            if parse_period(r.period).start.year == p.start.year] + [run]
    periods, components, total = [], {}, Decimal(0)
    for r in runs:
        row = session.get(PayeeResultRow, (r.id, payee))
        if row is None:
            continue
        periods.append((r.period, r.id, r.status, row.total))
        total += row.total
        for k, v in json.loads(row.components).items():
            components[k] = components.get(k, Decimal(0)) + Decimal(v)
    return YearToDate(periods, components, total)
