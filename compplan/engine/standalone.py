"""A period worked out without a store: `compplan run` without `--save`, one-period
scenarios.

A saved run adds what earlier, approved periods carry (store/carry.py). Without a store
there is no such history, so the period is paid as the store would pay it were it the
first period it saw, and each gap is said as a warning at the plan's rule:

    draws          topped up from no balance (a payee's first period of the draw is
                   complete; a later one's balance is not known)
    year to date   the year so far is worked out from the data given, and what the
                   year's earlier periods paid is taken as what the year through the
                   period before earns on the same data (with a draw: period by period,
                   each topped up or recovering as the store would have paid it)

Holds are kept back but never released, and clawbacks and prior-period changes need
paid runs: a scenario of several periods (engine/scenarios.py) runs them in a throwaway
store.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..errors import Problem
from ..periods import Period, earlier_in_year, in_words
from .carried import DrawState, apply_draws, year_to_date_less
from .data import Table
from .ir import CompiledPlan
from .money import fmt_money
from .results import RunResult
from .run import run_plan


def year_span(period: Period, last: Period) -> Period:
    """January 1 to the end of `last`: what a year-to-date run works out (as the store's
    save does)."""
    return Period("span", f"{period.start.year} to {last.label}",
                  dt.date(period.start.year, 1, 1), last.end)


def is_year_to_date(compiled: CompiledPlan) -> bool:
    payout = compiled.plan.payout
    return payout is not None and payout.basis == "year_to_date"


def run_standalone(compiled: CompiledPlan, tables: dict[str, Table] | None, period: Period,
                   sink=None, keep_data: bool = True, progress=None,
                   engine=None) -> RunResult:
    """The period's result with the lines a first stored period would carry. Raises
    CompplanError on data errors, as run_plan does.

    `engine(period, main)` works out one period or span (`main`: the one whose lines are
    the result's); by default the Python engine over `tables` (run_plan). The SQL
    engine passes its own (engine/sql/pay.py), so both pay this stage by this code."""
    if engine is None:
        def engine(p: Period, main: bool) -> RunResult:
            if main:
                return run_plan(compiled, tables, p, sink=sink, keep_data=keep_data,
                                progress=progress)
            return run_plan(compiled, tables, p, workers=1)
    plan = compiled.plan
    draws = plan.payout is not None and plan.payout.draw is not None
    paid: dict[str, Decimal] | None = None
    balances: dict[str, DrawState] | None = None
    if is_year_to_date(compiled):
        before = earlier_in_year(period)
        if before and draws:
            # each earlier period as the store would have paid it, draws and all
            paid, balances = _earlier_periods(compiled, engine, period, before)
        elif before:
            # without draws what the year's earlier periods paid adds up to what the
            # year through the last of them earns: one run
            through = engine(year_span(period, before[-1]), False)
            paid = {p.payee: p.total for p in through.payees}
        result = engine(year_span(period, period), True)
        result.period = period.label
        if paid is not None:
            what = ", ".join(p.label for p in before)
            year_to_date_less(compiled, result, paid, what,
                              f"no store: taken as what {in_words(plan.period)}s {what} earn on this "
                              "data")
            result.warnings.append(Problem.at(
                compiled.checked.source.key_pos(("payout", "basis")),
                f"what {what} paid is not known without the store: worked out from this "
                f"data ({fmt_money(sum(paid.values(), Decimal(0)))} in all), as the year "
                f"through {before[-1].label} earns"
                + (" with each period's draw" if draws else ""),
                "save and approve the periods in order (compplan run --save) to take off "
                "what was paid, or give a scenario several periods", code="no-history",
                severity="warning"))
    else:
        result = engine(period, True)
    if draws:
        apply_draws(compiled, result, balances)
    return result


def _earlier_periods(compiled: CompiledPlan, engine, period: Period,
                     before: list[Period]) -> tuple[dict[str, Decimal], dict[str, DrawState]]:
    """What a year-to-date plan with a draw paid in the year's earlier periods, worked
    out period by period from the data (the year so far, less paid, then the draw)."""
    paid: dict[str, Decimal] = {}
    balances: dict[str, DrawState] = {}
    for p in before:
        r = engine(year_span(period, p), False)
        year_to_date_less(compiled, r, dict(paid), "", "")
        balances = apply_draws(compiled, r, balances)
        for pr in r.payees:
            paid[pr.payee] = paid.get(pr.payee, Decimal(0)) + pr.total
    return paid, balances
