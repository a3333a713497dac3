"""Lines carried from earlier periods, as passes over a run and its history.

A pass takes a period's result and what earlier periods left behind (a draw's balance,
what the year so far paid) and adds lines of its own, each naming the plan's rule that
made it. The store supplies the history from approved and paid runs (store/carry.py);
a run without a store (`compplan run` without `--save`, a one-period scenario) has none,
so it works the period out as the store would were it the first, and says so:

    draws          the payee's first period of the draw has no balance before it; a later
                   period's balance is not known (taken as 0.00, with a warning)
    year to date   what earlier periods of the year paid is taken as what the year through
                   the period before earns on the data given (a warning says so)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..errors import Problem
from ..periods import Period, period_of, periods_between
from .ir import CompiledPlan
from .money import fmt_money
from .results import Line, PayeeResult, RunResult


@dataclass
class DrawState:
    """A payee's draw after a period: the balance still to recover (recoverable draws)
    and how many periods of the draw have been paid."""

    balance: Decimal = Decimal(0)
    periods: int = 0


def rule_pos(compiled: CompiledPlan, *path) -> str:
    """FILE:LINE:COL of the plan's key at `path` (the rule a carried line comes from)."""
    return str(compiled.checked.source.key_pos(tuple(path)))


def payee_result(result: RunResult, pid: str) -> PayeeResult:
    pr = result.payee(pid)
    if pr is None:
        pr = PayeeResult(pid, currency=result.currency)
        result.payees.append(pr)
        result.payees.sort(key=lambda p: p.payee)
    return pr


def add_line(result: RunResult, pid: str, component: str, kind: str, amount: Decimal,
             formula: str, sources: list[str], note: str, rule: str = "") -> Line:
    """A carried line at the end of the payee's lines; the payee's total follows it."""
    pr = payee_result(result, pid)
    # numbered after the payee's lines so far, which may already be written out (a
    # streamed run keeps only their count)
    pr.line_count = max(pr.line_count, len(pr.lines)) + 1
    line = Line(number=pr.line_count, payee=pid, component=component, kind=kind,
                amount=amount, exact=amount, rule=rule, formula=formula, sources=sources,
                note=note)
    pr.lines.append(line)
    pr.components[component] = pr.components.get(component, Decimal(0)) + amount
    pr.total += amount
    return line


def draw_kind(compiled: CompiledPlan, period: Period) -> str:
    """The kind of period a payee's draw counts in and pays for: the plan's, or for a
    payee settled at their own frequency (issue 20: a monthly payee in a half-month
    plan, whose group runs over the month), that frequency's: each settlement is one
    period of the draw, topped up to `amount` once, and `periods: 3` is three months."""
    inp = compiled.plan.inputs.get("payees")
    if inp is not None and inp.frequency and period.kind not in ("span", compiled.plan.period):
        return period.kind
    return compiled.plan.period


def draw_period(payee: dict, start_column: str | None, period: Period,
                kind: str) -> int | None:
    """Which period of the payee's draw this is, counted in the plan's periods (`kind`)
    from the one holding their start date (1: that period; 0 or less: not started yet);
    None without a start date. A year-to-date run's span counts as its last period."""
    start = payee.get(start_column) if start_column and payee else None
    if not isinstance(start, dt.date):
        return None
    return periods_between(period_of(kind, start), period_of(kind, period.end)) + 1


def apply_draws(compiled: CompiledPlan, result: RunResult,
                before: dict[str, DrawState] | None) -> dict[str, DrawState]:
    """Top up each payee to the draw, or recover a recoverable draw's balance; returns
    each payee's draw state after the period. `before=None`: no history (no store)."""
    draw = compiled.plan.payout.draw
    rule = rule_pos(compiled, "payout", "draw")
    after: dict[str, DrawState] = {}
    unknown: list[str] = []
    for pr in result.payees:
        prev = (before or {}).get(pr.payee, DrawState())
        balance, used = prev.balance, prev.periods
        # the payee's own periods: from their start date, or else those paid so far
        n = pr.draw_period if pr.draw_period is not None else used + 1
        if before is None and draw.recoverable and n > 1:
            unknown.append(pr.payee)
        due = pr.total
        active = n >= 1 and (draw.periods is None or n <= draw.periods)
        guaranteed = pr.draw if active else None
        if guaranteed:
            used = n
            if due < guaranteed:
                topup = guaranteed - due
                add_line(result, pr.payee, "draw", "draw", topup,
                         f"draw {fmt_money(guaranteed)} - due {fmt_money(due)} = "
                         f"{fmt_money(topup)}", [],
                         "recoverable draw: carried as a balance" if draw.recoverable
                         else "non-recoverable draw: never owed back", rule)
                if draw.recoverable:
                    balance += topup
            elif draw.recoverable and balance > 0:
                take = min(balance, due - guaranteed)
                if take > 0:
                    _recover(result, pr.payee, take, balance, due, guaranteed, rule)
                    balance -= take
        elif draw.recoverable and balance > 0 and due > 0:
            take = min(balance, due)
            _recover(result, pr.payee, take, balance, due, Decimal(0), rule)
            balance -= take
        after[pr.payee] = DrawState(balance, used)
    if unknown:
        pos = compiled.checked.source.key_pos(("payout", "draw"))
        result.warnings.append(Problem.at(
            pos, f"a recoverable draw's balance from earlier periods is not known without "
            f"the store (payees {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}"
            f"): taken as 0.00, as in the payee's first period of the draw",
            "save and approve the periods in order (compplan run --save) to carry the "
            "balance, or give a scenario several periods", code="no-history",
            severity="warning"))
    return after


def _recover(result, pid, take, balance, due, guaranteed, rule) -> None:
    add_line(result, pid, "draw", "recovery", -take,
             f"-min(balance {fmt_money(balance)}, due {fmt_money(due)} - draw "
             f"{fmt_money(guaranteed)}) = -{fmt_money(take)}", [],
             f"recovering the draw balance: {fmt_money(balance - take)} left", rule)


def year_to_date_less(compiled: CompiledPlan, result: RunResult, paid: dict[str, Decimal],
                      what: str, note: str) -> None:
    """Take off what the year's earlier periods paid (`what` names them)."""
    rule = rule_pos(compiled, "payout", "basis")
    for pid, amount in sorted(paid.items()):
        if amount:
            add_line(result, pid, "paid_earlier", "true-up", -amount,
                     f"year to date earned, less paid for {what}: -{fmt_money(amount)}", [],
                     note, rule)
