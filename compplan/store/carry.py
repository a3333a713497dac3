"""What carries from one period to the next, worked out when a run is saved.

A paid period is never rewritten. What changes after it is paid in a later run, as
lines of its own that name what they correct:

    year to date   with `payout: {basis: year_to_date}` the engine works out the year
                   so far, and a line takes off what earlier periods of the year paid
    prior period   a paid period recomputed on today's data (with the plan version it
                   was paid under); each line that differs from what was paid (and
                   adjusted since) is paid or recovered now
    clawbacks      a paid transaction that now meets a clawback's `when` (cancelled)
                   gives back `share` of what was paid on it, once
    holds          a held part of a line is released once its `until` holds for the
                   line's transaction, or its `periods` have passed
    draws          each period pays at least the draw; a recoverable draw carries the
                   top-up as a balance, recovered from later pay above the draw (and from
                   any pay once the draw's periods are over)
    disputes       an accepted dispute (the portal) pays its adjustment once, as a line
                   of the next run saved

Only approved and paid runs count as history: a draft may still change (and periods are
approved in order, see lifecycle.py). The draw and year-to-date passes are the engine's
(engine/carried.py); this module gives them the history the store keeps.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import CompiledPlan, compile_plan, run_plan
from ..engine.carried import DrawState, add_line, apply_draws, rule_pos, year_to_date_less
from ..engine.python.compile import Env
from ..engine.data import Table
from ..engine.settle import settled_later_payees
from ..engine.money import fmt_money, minor_unit, round_to
from ..errors import Problem
from ..engine.results import RunResult
from ..lang import check_source
from ..periods import Period, parse_period, periods_between
from .models import Adjustment, Balance, LineItem, PayeeResultRow, PlanVersion, Run
from .portal import Dispute

LOCKED = ("approved", "paid")
ENGINE_KINDS = ("credit", "bonus", "cap", "floor")  # what a recomputation gives again


@dataclass
class Carried:
    """What save_run stores beside the run's lines."""

    adjustments: list[dict] = field(default_factory=list)  # Adjustment rows, no run_id yet
    balances: list[dict] = field(default_factory=list)  # Balance rows, no run_id yet
    warnings: list[str] = field(default_factory=list)


def earlier_runs(session: Session, plan_id: str, period: Period,
                 statuses=LOCKED) -> list[Run]:
    runs = session.execute(select(Run).where(Run.plan_id == plan_id,
                                             Run.status.in_(statuses))).scalars()
    out = [r for r in runs if parse_period(r.period).start < period.start]
    return sorted(out, key=lambda r: parse_period(r.period).start)


def _done(session: Session, kind: str) -> dict[tuple, Decimal]:
    """(original run, payee, original key) -> amount already carried, in locked runs."""
    q = select(Adjustment).join(Run, Run.id == Adjustment.run_id).where(
        Adjustment.kind == kind, Run.status.in_(LOCKED))
    out: dict[tuple, Decimal] = {}
    for a in session.execute(q).scalars():
        k = (a.original_run_id, a.payee, a.original_key)
        out[k] = out.get(k, Decimal(0)) + a.amount
    return out


def _lines(session: Session, run_id: int) -> list[LineItem]:
    return list(session.execute(select(LineItem).where(LineItem.run_id == run_id)
                                .order_by(LineItem.payee, LineItem.number)).scalars())


_add = add_line


class _Versions:
    """Plan versions compiled once each, for recomputing the periods they paid."""

    def __init__(self, session: Session):
        self.session, self.cache = session, {}

    def get(self, version_id: str) -> CompiledPlan:
        if version_id not in self.cache:
            v = self.session.get(PlanVersion, version_id)
            checked = check_source(v.text, v.file_name)
            self.cache[version_id] = compile_plan(checked)
        return self.cache[version_id]


def carry(session: Session, compiled: CompiledPlan, tables: dict[str, Table],
          period: Period, result: RunResult) -> Carried:
    """Add the lines that carry over from earlier periods to `result` (in place)."""
    plan = compiled.plan
    out = Carried()
    step = plan.rounding.to or minor_unit(plan.currency)
    mode = plan.rounding.mode
    earlier = earlier_runs(session, plan.plan, period)
    pending = earlier_runs(session, plan.plan, period, ("draft", "stale"))
    if pending:
        result.warnings.append(Problem(
            compiled.file, None, None,
            f"{', '.join(f'{r.period} (run {r.id}, {r.status})' for r in pending)} not "
            f"approved yet: what {period.label} carries from earlier periods is worked out "
            "without it, and this run cannot be approved before it",
            f"approve the earlier period first, then run {period.label} again with --save",
            severity="warning", code="no-history"))
    ytd = plan.payout is not None and plan.payout.basis == "year_to_date"
    if ytd:
        _year_to_date(session, compiled, result, earlier, period)
    # payees settled at a longer frequency than this run (a monthly payee in 2026-03a):
    # what carries to them waits for the run that settles them (issue 20)
    later = settled_later_payees(compiled, tables, period)
    clawed = _clawbacks(session, compiled, tables, period, result, earlier, out, step, mode,
                        later)
    if not ytd:
        _prior_periods(session, compiled, tables, result, earlier, clawed, out, later)
    _releases(session, compiled, tables, period, result, earlier, out, later)
    _disputes(session, plan.plan, result, out, later)
    if plan.payout is not None and plan.payout.draw is not None:
        _draws(session, compiled, result, earlier, out)
    return out


def _year_to_date(session, compiled: CompiledPlan, result: RunResult, earlier: list[Run],
                  period: Period) -> None:
    """Pay the year so far, less what this year's earlier periods paid."""
    year = [r for r in earlier if parse_period(r.period).start.year == period.start.year]
    paid: dict[str, Decimal] = {}
    for r in year:
        for pr in session.execute(select(PayeeResultRow).where(
                PayeeResultRow.run_id == r.id)).scalars():
            paid[pr.payee] = paid.get(pr.payee, Decimal(0)) + pr.total
    year_to_date_less(compiled, result, paid, ", ".join(r.period for r in year),
                      f"true-up against runs {', '.join(str(r.id) for r in year)}")


def _covers(compiled: CompiledPlan, tables: dict[str, Table], p: Period) -> bool:
    """Whether today's data holds transactions dated in an earlier period."""
    for name, inp in compiled.plan.inputs.items():
        if inp.key and inp.date and name in tables:
            if any(r.get(inp.date) is not None and p.contains(r[inp.date])
                   for r in tables[name].rows):
                return True
    return False


def _prior_periods(session, compiled, tables, result, earlier, clawed, out: Carried,
                   later: frozenset = frozenset()) -> None:
    versions = _Versions(session)
    done = _done(session, "prior-period")
    for run in earlier:
        if run.status != "paid":
            continue
        p = parse_period(run.period)
        if not _covers(compiled, tables, p):
            out.warnings.append(f"the data holds no transactions of {run.period}; its "
                                "paid lines were not checked for changes")
            continue
        now = run_plan(versions.get(run.plan_version_id), tables, p)
        recomputed: dict[tuple, tuple[Decimal, list[str]]] = {}
        for pr in now.payees:
            for ln in pr.lines:
                if ln.kind not in ENGINE_KINDS:
                    continue
                k = (pr.payee, _key(ln.component, ln.kind, ln.sources))
                amount, _ = recomputed.get(k, (Decimal(0), ln.sources))
                recomputed[k] = (amount + ln.amount, ln.sources)
        paid: dict[tuple, Decimal] = {}
        for li in _lines(session, run.id):
            if li.kind in ENGINE_KINDS:
                paid[(li.payee, li.key)] = paid.get((li.payee, li.key), Decimal(0)) + li.amount
        for k in sorted(set(recomputed) | set(paid)):
            if (run.id, *k) in clawed or k[0] in later:
                continue  # the clawback decides what is taken back for it
            was = paid.get(k, Decimal(0)) + done.get((run.id, *k), Decimal(0))
            amount, sources = recomputed.get(k, (Decimal(0), _sources(k[1])))
            diff = amount - was
            if diff == 0:
                continue
            component = k[1].split("|", 1)[0]
            _add(result, k[0], "adjustment", "adjustment", diff,
                 f"{run.period} {component} now {fmt_money(amount)} - paid {fmt_money(was)}"
                 f" = {fmt_money(diff)}", sources,
                 f"prior-period change to {run.period} (run {run.id})",
                 # the earning's rule today (the period was paid under its version then)
                 rule_pos(compiled, "earnings", component)
                 if component in compiled.plan.earnings else "")
            out.adjustments.append(dict(payee=k[0], kind="prior-period", amount=diff,
                                        original_run_id=run.id, original_period=run.period,
                                        original_key=k[1],
                                        reason=f"data behind {run.period} changed"))


def _key(component: str, kind: str, sources: list[str]) -> str:
    from .lifecycle import line_key
    return line_key(component, sources, kind)


def _sources(key: str) -> list[str]:
    tail = key.split("|", 2)[2] if key.count("|") >= 2 else ""
    return tail.split() if tail else []


def _clawbacks(session, compiled, tables, period, result, earlier, out, step, mode,
               later: frozenset = frozenset()) -> set:
    """Take back `share` of what was paid on transactions that now meet a clawback."""
    clawed: set[tuple] = set()
    if not compiled.clawbacks:
        return clawed
    env = Env(compiled.params, period.attrs(), {}, compiled.python)
    done = _done(session, "clawback")
    hits: dict[str, tuple[str, dict, object]] = {}
    for name, input_name, when, share in compiled.clawbacks:
        inp = compiled.plan.inputs[input_name]
        for row in tables.get(input_name, Table(input_name, "")).rows:
            if env.fns.fast(when)(env, row) is True:
                hits.setdefault(f"{input_name}:{row[inp.key]}", (name, row, share))
    if not hits:
        return clawed
    for run in earlier:
        for li in _lines(session, run.id):
            if li.kind not in ("credit", "bonus", "adjustment") or li.amount == 0 or \
                    li.payee in later:
                continue
            for source in json.loads(li.sources):
                hit = hits.get(source)
                if hit is None:
                    continue
                name, row, share = hit
                clawed.add((run.id, li.payee, li.key))
                if (run.id, li.payee, li.key) in done:
                    break
                s = env.fns.fast(share)(env, row)
                amount = -round_to(li.amount * Decimal(s or 0), step, mode)
                if amount:
                    _add(result, li.payee, "clawback", "clawback", amount,
                         f"-({fmt_money(li.amount)} x {s * 100:.4g}%) = {fmt_money(amount)}",
                         [source], f"{name}: {source}, paid in {run.period} (run {run.id}, "
                         f"line {li.number})", rule_pos(compiled, "clawbacks", name))
                    out.adjustments.append(dict(payee=li.payee, kind="clawback",
                                                amount=amount, original_run_id=run.id,
                                                original_period=run.period,
                                                original_key=li.key,
                                                reason=f"clawback {name}: {source}"))
                break
    return clawed


def _releases(session, compiled, tables, period, result, earlier, out: Carried,
              later: frozenset = frozenset()) -> None:
    """Pay held parts whose condition now holds, or whose periods have passed."""
    earnings = {e.name: e for e in compiled.earnings}
    released = _done(session, "release")
    env = Env(compiled.params, period.attrs(), {}, compiled.python)
    index: dict[str, dict[str, dict]] = {}
    for run in earlier:
        held_in = parse_period(run.period)
        for li in _lines(session, run.id):
            if li.kind != "hold" or (run.id, li.payee, li.key) in released or \
                    li.payee in later:
                continue
            name = json.loads(li.inputs).get("earning")
            e = earnings.get(name)
            if e is None or e.spec.hold is None:
                continue
            ok = False
            if e.spec.hold.periods is not None:
                ok = periods_between(held_in, period) >= e.spec.hold.periods
            if not ok and e.hold_until is not None and li.sources:
                source = json.loads(li.sources)[0]
                input_name, key = source.split(":", 1)
                inp = compiled.plan.inputs.get(input_name)
                if inp is not None and input_name in tables:
                    rows = index.setdefault(input_name, {str(r[inp.key]): r
                                                         for r in tables[input_name].rows})
                    row = rows.get(key)
                    ok = row is not None and env.fns.fast(e.hold_until)(env, row) is True
            if ok:
                amount = -li.amount
                _add(result, li.payee, "released", "release", amount,
                     f"held in {run.period}: {fmt_money(amount)}", json.loads(li.sources),
                     f"{name} released (held in run {run.id}, line {li.number})",
                     rule_pos(compiled, "earnings", name, "hold"))
                out.adjustments.append(dict(payee=li.payee, kind="release", amount=amount,
                                            original_run_id=run.id,
                                            original_period=run.period, original_key=li.key,
                                            reason=f"hold on {name} released"))


def _disputes(session, plan_id: str, result: RunResult, out: Carried,
              later: frozenset = frozenset()) -> None:
    """Accepted disputes of the plan, each paid once: in every run saved until one that
    holds it is approved (a replaced draft's lines go with it)."""
    done = _done(session, "dispute")
    q = select(Dispute).where(Dispute.plan_id == plan_id, Dispute.status == "resolved",
                              Dispute.outcome == "accepted").order_by(Dispute.id)
    for d in session.execute(q).scalars():
        key = f"dispute:{d.id}"
        if not d.amount or (d.run_id, d.payee, key) in done or d.payee in later:
            continue
        _add(result, d.payee, "dispute", "dispute", d.amount,
             f"dispute {d.id} accepted: {fmt_money(d.amount)}",
             [f"run {d.run_id}:line {d.line_number}"],
             f"dispute {d.id} on {d.period} (run {d.run_id}, line {d.line_number})")
        out.adjustments.append(dict(payee=d.payee, kind="dispute", amount=d.amount,
                                    original_run_id=d.run_id, original_period=d.period,
                                    original_key=key, reason=f"dispute {d.id} accepted"))


def _draws(session, compiled, result: RunResult, earlier: list[Run], out: Carried) -> None:
    """The draw pass (engine/carried.py) on the balances the last locked run left."""
    before: dict[str, DrawState] = {}
    if earlier:
        for b in session.execute(select(Balance).where(Balance.run_id == earlier[-1].id,
                                                       Balance.kind == "draw")).scalars():
            before[b.payee] = DrawState(b.amount, b.periods)
    for pid, state in apply_draws(compiled, result, before).items():
        out.balances.append(dict(payee=pid, kind="draw", amount=state.balance,
                                 periods=state.periods))
