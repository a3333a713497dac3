"""The pipeline for one period: inputs -> credits -> measures -> earnings -> totals.

    prepare  the data checked against the plan, and the credits (engine/prepare.py)
    pay      each payee's measures, earnings and lines (engine/pay.py)

`run_plan` runs both, with the decimal context every amount is worked out in, and the
garbage collector paused; large runs split the payee stage over two processes
(engine/parallel.py).
"""
from __future__ import annotations

import decimal
import gc

from ..errors import CompplanError
from . import datacheck, parallel
from .data import Table
from .ir import CompiledPlan
from .money import CONTEXT, OutOfRange, out_of_range
from .pay import pay_payees, payee_order
from .periods import Period
from .prepare import prepare
from .results import RunResult
from .settle import about_payees, frequency_column, settled_later, settled_note, settlement

__all__ = ["run_plan"]


def run_plan(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
             sink=None, workers: int | None = None, keep_data: bool = True,
             progress=None) -> RunResult:
    """Work out every payee's pay for the period. Raises CompplanError on data errors.

    `sink(payee_result)`, if given, receives each payee as soon as it is worked out (a
    writer streams its lines to disk and may drop them from memory). With a writer that
    can take parts (ResultWriter) and a large run, the payees are split between two
    processes (see engine/parallel.py); `workers=1` keeps it in one. `keep_data=False`
    empties the input tables once credits are made (a command-line run has no further
    use for them, and they are half its memory). `progress(payees, step)`, if given, is
    told how many payees there are before the first is paid, and that each payee the
    sink receives stands for `step` of them (2 when another process pays half).

    The cyclic garbage collector is paused meanwhile: a run builds millions of small
    objects that hold no cycles, and rescanning them made a 1M-deal run a third slower.
    Afterwards they are frozen (gc.freeze) so that the collector's next full pass does
    not scan them either; they are still freed by reference counting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with decimal.localcontext(CONTEXT):
            if frequency_column(compiled) and period.kind == compiled.plan.period:
                return _by_frequency(compiled, tables, period, sink, keep_data, progress)
            try:
                prepared = prepare(compiled, tables, period)
            except OutOfRange as x:  # a target or credit scaled beyond the rule's limit
                raise CompplanError([out_of_range(x.pos, f"preparing the data: {x}",
                                                  compiled.file)]) from None
            if prepared.problems:
                raise CompplanError(prepared.problems)
            # a run warns of what validate does about the data itself (datacheck.py)
            warnings = datacheck.empty_tables(compiled, tables) + \
                datacheck.negative_amounts(compiled, tables) + \
                datacheck.zero_divisors(compiled, tables, prepared.per_payee, period.label)
            if not keep_data:
                # the credits hold what the payee stage needs; let the raw rows go
                for table in tables.values():
                    table.rows = []
            order = payee_order(compiled, prepared)
            split = sink is not None and hasattr(sink, "part") and parallel.worth_it(
                compiled, prepared, workers)
            if progress is not None:
                progress(len(order), 2 if split else 1)
            if split:
                result = parallel.pay_in_two(pay_payees, compiled, prepared, period, sink, order)
            else:
                result = pay_payees(compiled, prepared, period, sink, order)
            result.warnings[:0] = prepared.warnings + warnings  # the data's, before the rules'
            return result
    finally:
        if was_enabled:
            # the run's objects are long-lived from here on (results, the data): keep the
            # collector from rescanning them all at its next full pass
            gc.freeze()
            gc.enable()


def _prepared(compiled: CompiledPlan, tables: dict[str, Table], period: Period):
    try:
        prepared = prepare(compiled, tables, period)
    except OutOfRange as x:  # a target or credit scaled beyond the rule's limit
        raise CompplanError([out_of_range(x.pos, f"preparing the data: {x}",
                                          compiled.file)]) from None
    if prepared.problems:
        raise CompplanError(prepared.problems)
    return prepared


def _by_frequency(compiled: CompiledPlan, tables: dict[str, Table], period: Period, sink,
                  keep_data: bool, progress) -> RunResult:
    """A run of a plan whose payees are settled at their own frequency (engine/settle.py):
    each group worked out over its own period, everyone's figures for that period made
    (team() reads them), only the group's kept; in one process."""
    s = settlement(compiled, tables, period)
    if s.problems:
        raise CompplanError(s.problems)
    own = _prepared(compiled, tables, period)  # the run's data, checked for its period
    warnings = own.warnings + datacheck.empty_tables(compiled, tables) + \
        datacheck.negative_amounts(compiled, tables) + \
        settled_later(compiled, period, s.later, tables["payees"].file)
    plan = compiled.plan
    result = RunResult(plan.plan, plan.name, str(plan.version), period.label, plan.currency)
    kept = []
    for g in s.groups:
        prepared = own if g.period == period else _prepared(compiled, tables, g.period)
        sub = pay_payees(compiled, prepared, g.period, None, payee_order(compiled, prepared))
        for pr in sub.payees:
            if pr.payee in g.payees:
                if g.period != period:
                    pr.warnings.insert(0, settled_note(g.period))
                kept.append(pr)
        result.warnings.extend(w for w in sub.warnings if about_payees(w, g.payees))
    if not keep_data:
        for table in tables.values():
            table.rows = []
    kept.sort(key=lambda p: p.payee)
    if progress is not None:
        progress(len(kept), 1)
    for pr in kept:
        if sink is not None:
            sink(pr)
    result.payees = kept
    result.warnings[:0] = warnings
    return result


