"""Finance's review of a run before approving or paying it (issue 15).

    GET  /runs/{run}/review            payees (sortable, searchable), exceptions, and the
                                       difference from the last paid run of the plan
    GET  /runs/{run}/review/confirm    "Approve run 7: 7 payees, $56,480.00?" (or pay)

The page is what finance reads before money moves: it records in the audit log that the
account saw it, with the figures it showed (`run.reviewed`), and the confirmation form
carries the total and payee count it names; approve and pay (admin.py) refuse a form
whose figures are not the run's (`check_confirmed`), and log what was confirmed and
which review was seen (`run.confirmed`). One click no longer moves 56,480.00.

The difference is compplan.diff.runs' (the CLI's `compplan diff`), against the latest
paid run of the same plan and period kind (a quarter against a quarter).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from starlette.responses import Response

from ..diff.runs import diff_runs
from ..periods import parse_period
from ..render.locale import Fmt, resolve
from ..render.statement import words_of
from ..store import audit
from ..store.lifecycle import line_key
from ..store.models import LineItem, PayeeResultRow, Run
from ..store.portal import Dispute
from .endpoint import Ctx, page
from .security import Refused, Word
from .words import locale_of

SORTS = ("name", "total", "change")
BIG_MOVE = Decimal("0.25")  # a payee whose pay moved a quarter or more
SHOWN = 500  # payees listed on the page; the search finds the others
LINES_SHOWN = 200  # changed lines listed; the CLI's `compplan diff` lists them all


@dataclass
class PayeeRow:
    payee: str
    name: str
    total: Decimal
    before: Decimal | None  # in the last paid run; None: not in it (or no such run)
    flags: list[str] = field(default_factory=list)

    @property
    def change(self) -> Decimal:
        return self.total - (self.before or Decimal(0))


@dataclass
class Review:
    run: Run
    f: Fmt
    rows: list[PayeeRow]
    exceptions: dict[str, list[PayeeRow]]
    previous: Run | None
    diff: object | None  # diff.runs.RunDiff
    total: Decimal
    count: int
    lines: list["LineRow"] = field(default_factory=list)  # the lines that changed
    more_lines: int = 0


@dataclass
class LineRow:
    """A line whose amount differs from the last paid run's, as finance reads it."""

    payee: str
    name: str
    what: str  # the component's label, the rows it pays for
    before: Decimal | None
    after: Decimal | None
    cause: str
    number: int | None  # the line's number in this run (a link to it); None: removed

    @property
    def difference(self) -> Decimal:
        return (self.after or Decimal(0)) - (self.before or Decimal(0))


EXCEPTIONS = ("negative pay", "capped", "held", "disputed", "new payee", "big mover")


def previous_paid(ctx: Ctx, run: Run) -> Run | None:
    """The latest paid run of the plan for a period of the same kind, before this one."""
    kind = parse_period(run.period).kind
    q = select(Run).where(Run.plan_id == run.plan_id, Run.status == "paid",
                          Run.id != run.id).order_by(Run.id.desc())
    for r in ctx.db.execute(q.limit(50)).scalars():
        if parse_period(r.period).kind == kind:
            return r
    return None


def build(ctx: Ctx, run: Run) -> Review:
    # the plan's words and numbers (issue 15): finance reads a run as its statements'
    # default language writes it
    lp = ctx.portal.plans.get(run.plan_id)
    f = Fmt(locale_of(lp) if lp is not None else resolve(None)[0], run.currency)
    rows = {p.payee: PayeeRow(p.payee, p.name or p.payee, p.total, None) for p in
            ctx.db.execute(select(PayeeResultRow).where(
                PayeeResultRow.run_id == run.id)).scalars()}
    previous = previous_paid(ctx, run)
    diff = None
    if previous is not None:
        for pid, total in ctx.db.execute(select(PayeeResultRow.payee, PayeeResultRow.total)
                                         .where(PayeeResultRow.run_id == previous.id)):
            if pid in rows:
                rows[pid].before = total
        diff = diff_runs(ctx.db, previous.id, run.id)
        known = {pid for (pid,) in ctx.db.execute(select(PayeeResultRow.payee).where(
            PayeeResultRow.run_id == previous.id))}
    else:
        known = set(rows)
    kinds = ctx.db.execute(select(LineItem.payee, LineItem.kind).where(
        LineItem.run_id == run.id, LineItem.kind.in_(("cap", "hold"))).distinct())
    by_kind: dict[str, set[str]] = {}
    for pid, kind in kinds:
        by_kind.setdefault(kind, set()).add(pid)
    disputed = {pid for (pid,) in ctx.db.execute(select(Dispute.payee).where(
        Dispute.run_id == run.id, Dispute.status != "resolved")).all()}
    for r in rows.values():
        if r.total < 0:
            r.flags.append("negative pay")
        if r.payee in by_kind.get("cap", ()):
            r.flags.append("capped")
        if r.payee in by_kind.get("hold", ()):
            r.flags.append("held")
        if r.payee in disputed:
            r.flags.append("disputed")
        if previous is not None and r.payee not in known:
            r.flags.append("new payee")
        if r.before and abs(r.change) >= abs(r.before) * BIG_MOVE:
            r.flags.append("big mover")
    exceptions = {k: [r for r in rows.values() if k in r.flags] for k in EXCEPTIONS}
    total = sum((r.total for r in rows.values()), Decimal(0))
    review = Review(run, f, list(rows.values()), exceptions, previous, diff, total,
                    len(rows))
    if diff is not None:
        review.lines = changed_lines(ctx, run, diff, {p: r.name for p, r in rows.items()})
        review.more_lines = max(0, len(diff.lines) - LINES_SHOWN)
    return review


def changed_lines(ctx: Ctx, run: Run, diff, names: dict[str, str]) -> list[LineRow]:
    """The diff's changed lines (compplan.diff.runs, matched by what they pay for), the
    biggest moves first, each with the label of its component and its line number in
    this run, so finance can open the line before approving."""
    lp = ctx.portal.plans.get(run.plan_id)
    labels = {e.name: e.label for e in lp.compiled.earnings} if lp is not None else {}
    shown = sorted(diff.lines, key=lambda ln: (-abs(ln.difference), ln.payee, ln.key))
    shown = shown[:LINES_SHOWN]
    numbers: dict[tuple[str, str], int] = {}
    payees = sorted({ln.payee for ln in shown})
    for i in range(0, len(payees), 500):
        for ln in ctx.db.execute(select(LineItem).where(
                LineItem.run_id == run.id, LineItem.payee.in_(payees[i:i + 500]))).scalars():
            key = line_key(ln.component, json.loads(ln.sources or "[]"), ln.kind)
            numbers.setdefault((ln.payee, key), ln.number)
    out = []
    for ln in shown:
        component, kind, sources = (ln.key.split("|", 2) + ["", ""])[:3]
        what = labels.get(component) or words_of(component)
        if kind not in ("credit", "bonus"):
            what += f" ({kind})"
        if sources:
            what += ": " + ", ".join(x.replace(":", " ") for x in sources.split(" "))
        out.append(LineRow(ln.payee, names.get(ln.payee, ln.payee), what, ln.before,
                           ln.after, ln.cause,
                           numbers.get((ln.payee, ln.key)) if ln.after is not None else None))
    return out


def _run(ctx: Ctx) -> Run:
    run = ctx.db.get(Run, ctx.int_path("run"))
    if run is None:
        raise Refused(404, "there is no run {run}", params={"run": ctx.path("run")[:20]})
    return run


def _sorted(ctx: Ctx, rows: list[PayeeRow]) -> tuple[list[PayeeRow], str, bool, str]:
    sort = ctx.query("sort", "total")
    if sort not in SORTS:
        raise Refused(400, "cannot sort by '{sort}'", "one of: {choices}",
                      params={"sort": sort[:40], "choices": ", ".join(SORTS)})
    order = ctx.query("order", "asc" if sort == "name" else "desc")
    if order not in ("asc", "desc"):
        raise Refused(400, "order is asc or desc")
    q = ctx.query("q", "", 100).strip().casefold()
    if q:
        rows = [r for r in rows if q in r.payee.casefold() or q in r.name.casefold()]
    key = {"name": lambda r: r.name.casefold(), "total": lambda r: r.total,
           "change": lambda r: abs(r.change)}[sort]
    return sorted(rows, key=key, reverse=order == "desc"), sort, order == "desc", q


def _seen(ctx: Ctx, review: Review) -> int:
    """The audit entry saying this account saw the run's figures: its number."""
    run = review.run

    def write(db):
        e = audit.append(db, ctx.account.login, "run.reviewed", f"run {run.id}",
                         status=run.status, total=str(review.total), payees=review.count,
                         exceptions={k: len(v) for k, v in review.exceptions.items() if v},
                         compared_with=review.previous.id if review.previous else None)
        return e.seq
    return ctx.portal.write(write, attempts=10, nothing="the review was not logged")


@page(roles=("admin", "finance"))
def review_page(ctx: Ctx) -> Response:
    run = _run(ctx)
    review = build(ctx, run)
    rows, sort, descending, q = _sorted(ctx, review.rows)
    seen = _seen(ctx, review)
    return ctx.render("run_review.html", review=review, run=run, f=review.f,
                      kind=parse_period(run.period).kind,
                      rows=rows[:SHOWN], more=max(0, len(rows) - SHOWN), sort=sort,
                      descending=descending, q=q, seen=seen)


ACTIONS = {"approve": ("draft", "Approve"), "pay": ("approved", "Mark paid")}


@page(roles=("finance",))
def confirm_page(ctx: Ctx) -> Response:
    run = _run(ctx)
    action = ctx.query("action", "approve")
    if action not in ACTIONS:
        raise Refused(400, "action is approve or pay")
    if run.status != ACTIONS[action][0]:
        raise Refused(409, "run {id} is {status}: it cannot be approved now"
                      if action == "approve" else "run {id} is {status}: it cannot be paid now",
                      params={"id": run.id, "status": Word(run.status)})
    review = build(ctx, run)
    seen = ctx.query_int("seen")
    return ctx.render("run_confirm.html", review=review, run=run, f=review.f, action=action,
                      verb=ACTIONS[action][1], seen=seen or "")


def check_confirmed(ctx: Ctx, run_id: int, action: str) -> None:
    """Approve and pay move money: the form must name the run's total and payee count as
    they are now (a run saved again meanwhile is confirmed again). Logs what was
    confirmed, and the review seen (its audit number), before the transition."""
    run = ctx.db.get(Run, run_id)
    if run is None:
        raise Refused(404, "there is no run {run}", params={"run": run_id})
    totals = list(ctx.db.execute(select(PayeeResultRow.total).where(
        PayeeResultRow.run_id == run_id)).scalars())
    # added up in Decimal here, as the review page does (SQL's sum drops the scale)
    total, count = sum(totals, Decimal(0)), len(totals)
    said_total, said_count = ctx.form.get("confirm_total", ""), ctx.form.get("confirm_payees", "")
    if not said_total or not said_count:
        raise Refused(400, "confirm the run's total and payee count first",
                      "open /runs/{run}/review and use its button", params={"run": run_id})
    try:
        same = Decimal(said_total) == Decimal(total) and int(said_count) == int(count)
    except (ArithmeticError, ValueError):
        same = False
    if not same:
        raise Refused(409, "run {run} is now {count} payees and {total} in all, not what "
                      "was confirmed", "review it again: /runs/{run}/review",
                      params={"run": run_id, "count": count, "total": total})
    seen = ctx.form.get("seen", "")

    def write(db):
        audit.append(db, ctx.account.login, "run.confirmed", f"run {run_id}", action=action,
                     total=str(total), payees=int(count),
                     reviewed=int(seen) if seen.isdigit() else None)
    ctx.portal.write(write, attempts=10, nothing=f"the run was not {action}d")

