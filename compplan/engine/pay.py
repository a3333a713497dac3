"""The payee stage: each payee's measures, earnings and lines, in dependency order.

Compiled closures over one payee's prepared data give the measures, then each earning's
lines (per credit, in date order, or per payee), each rounded once; caps and floors,
holds, the total's limits and the payee's currency follow as lines of their own, so a
payee's lines always add up to their total.
"""
from __future__ import annotations

import bisect
import dataclasses
import functools
import operator
from decimal import Decimal
from fractions import Fraction

from ..errors import CompplanError, Problem
from ..periods import period_of
from .carried import draw_kind, draw_period
from .python import groups as groups_mod
from .formula import fmt_value
from .python.compile import CARRIED, Env
from .ir import CompiledPlan, EarningStep, MeasureStep
from .money import (MODES, divide, fmt_money, fmt_number, minor_unit, multiply, round_to,
                    OutOfRange, out_of_range, scale, unsigned_zero)
from .periods import Period
from .prepare import MIN_DATE, Prepared, ratio_type, scaled_by
from .results import Line, PayeeResult, RunResult
from .tables import tables_of
from .team import TeamReader


def _payee_ids(prep: Prepared) -> set[str]:
    return set(prep.payees) | set(prep.credits) | set(prep.per_payee)


def reports_by_manager(compiled: CompiledPlan, prep: Prepared) -> dict[str, list[str]]:
    """manager -> reports: everyone who reported to them on some day of the period."""
    payees_inp = compiled.plan.inputs.get("payees")
    manager_col = payees_inp.manager if payees_inp is not None else None
    reports: dict[str, list[str]] = {}
    h = prep.hierarchy
    if h is not None and h.has_dates and h.span is not None:
        for mgr, spans in h.reports(*h.span).items():
            reports[mgr] = sorted({pid for pid, _a, _b in spans})
    elif manager_col:
        for pid, row in prep.payees.items():
            mgr = row.get(manager_col)
            if mgr:
                reports.setdefault(str(mgr), []).append(pid)
    return reports


def payee_order(compiled: CompiledPlan, prep: Prepared) -> list[str]:
    """Payees in id order; with team(), every report before their manager."""
    ids = sorted(_payee_ids(prep))
    return bottom_up(ids, reports_by_manager(compiled, prep)) if compiled.uses_team else ids


def pay_payees(compiled: CompiledPlan, prep: Prepared, period: Period, sink=None,
         order: list[str] | None = None,
         earlier: dict[str, PayeeResult] | None = None,
         since: dict[str, tuple | None] | None = None,
         carry: dict[str, dict] | None = None,
         reports: dict[str, list[str]] | None = None) -> RunResult:
    """Work out the payees in `order` (all, by default). `earlier` holds results already
    worked out for payees not in `order`, which team() reads (a live run recomputes only
    the payees a new transaction touches).

    `since`: payee -> the sort position (`_order`) of their first new credit since
    `earlier` was worked out (None: no new credit). A per-credit earning whose lines read
    nothing a later credit moves (EarningStep.reuse) keeps the earlier lines of credits
    sorted before it; the rest are worked out (a live batch: engine/live.py).

    `carry`: payee -> the running bases and plain sums their last working out left
    (engine/python/running.py), read to add only the new credits to them, and replaced
    with this working out's.

    `reports`: manager -> reports (reports_by_manager), kept by a caller that works out
    a few payees many times (a live period's pages); else made here from every payee."""
    plan = compiled.plan
    result = RunResult(plan.plan, plan.name, str(plan.version), period.label, plan.currency)
    step, mode = plan.rounding.to or minor_unit(plan.currency), plan.rounding.mode
    payees_inp = plan.inputs.get("payees")
    # team() reads the figures of the payees worked out before (engine/team.py: data,
    # not closures over the Envs, so that no Env is kept alive by a cycle)
    reader = TeamReader(_dated_reports(compiled, prep, period, reports),
                        (period.start, period.end),
                        earlier, functools.partial(_part_env, compiled, prep, period,
                                                   step=step, mode=mode))

    groups = compiled.groups
    ctx = None
    if groups is not None and groups.payee_groups:
        # group() and pools read each member's own figures, worked out once each
        ctx = groups_mod.Context(groups, prep.payees,
                                 lambda m: _own_env(compiled, prep, period, m, step, mode),
                                 step, mode)
    for pid in order if order is not None else payee_order(compiled, prep):
        prior = _Prior(earlier[pid], since[pid]) if since is not None and pid in since \
            and earlier and pid in earlier and earlier[pid].currency == plan.currency \
            else None
        env = _payee_env(compiled, prep, period, pid)
        if carry is not None:
            env.cache[CARRIED] = carry.get(pid) or {}
        reader.finished(pid, env)
        env.team = reader.of(pid)
        if ctx is not None:
            env.group = ctx.group_fn(pid)
        pr = PayeeResult(pid, str(env.payee.get("name", "") or ""),
                         cost_center=str(env.payee.get("cost_center", "") or ""))
        for e in compiled.steps:
            try:
                if isinstance(e, MeasureStep):
                    env.measures[e.name] = env.fns.fast(e.expr)(env, None)
                    continue
                lines = ctx.pool_lines(e, env, pid, pr) if e.spec.pool is not None and \
                    ctx is not None else _earn(e, env, pid, step, mode, pr, prior)
                credited = len(lines)  # before a cap's or floor's line joins them
            except OutOfRange as x:  # at the rule, as the SQL engine says it
                rule = e.expr.pos if isinstance(e, MeasureStep) else e.pos
                at = f" (the operator at {x.pos})" if x.pos and x.pos != rule else ""
                raise CompplanError([out_of_range(
                    rule, f"{'measure' if isinstance(e, MeasureStep) else 'earning'} "
                    f"{e.name}: payee {pid}: {x}{at}", compiled.file)]) from None
            total = sum(map(_amount, lines), Decimal(0))
            total = _limits(e, env, pid, total, lines, step, mode)
            env.earnings[e.name] = total
            if lines or e.name in env.earnings:
                pr.components[e.name] = total
            if e.name in pr.clean:  # where its credit lines are, for the next batch
                pr.clean[e.name] = (len(pr.lines), len(pr.lines) + credited)
            pr.lines.extend(lines)
            if e.hold_share is not None and lines:
                held = _holds(e, env, lines, step, mode)
                if held:
                    pr.lines.extend(held)
                    pr.components["held"] = pr.components.get("held", Decimal(0)) + \
                        sum((h.amount for h in held), Decimal(0))
        _total_limits(compiled, env, pid, pr, step, mode)
        if compiled.draw is not None:
            # a draw is paid from the payee's start (not before it, nor after they left)
            kind = draw_kind(compiled, period)  # a monthly payee's: months (issue 20)
            pr.draw_period = draw_period(env.payee, payees_inp.start if payees_inp else None,
                                         period, kind)
            # a year-to-date run's span: the draw is the last period's
            paid_for = period if period.kind == kind else period_of(kind, period.end)
            if _active_days(env.payee, payees_inp, paid_for)[0] > 0 and \
                    (pr.draw_period or 1) >= 1:
                draw = env.fns.fast(compiled.draw)(env, None)
                pr.draw = None if draw is None else round_to(Decimal(draw), step, mode)
        pr.currency = plan.currency
        if payees_inp is not None and payees_inp.currency:
            cur = str(env.payee.get(payees_inp.currency) or plan.currency).upper()
            if cur != plan.currency:
                _pay_in(pr, cur, prep.rates[cur], plan.currency, mode)
        for i, ln in enumerate(pr.lines, start=1):
            if ln.number == 0:
                ln.number = i
            elif ln.number != i:  # a line kept from the earlier result, which keeps its own
                pr.lines[i - 1] = dataclasses.replace(ln, number=i)
        pr.total = sum(map(_amount, pr.lines), Decimal(0))
        for m in compiled.measures:
            pr.measures[m.name] = fmt_value(env.measures.get(m.name), m.expr.type)
            pr.measure_values[m.name] = env.measures.get(m.name)
        pr.tables = tables_of(env)  # the payee's own tier tables (to: targets.meetings)
        if not env.sets and prep.payees:
            pr.warnings.append("no credits in this period")
        for table, row in env.per_payee.items():
            if "@" in table:  # a window's rows ('kpis@ytd'): the period's row says it
                continue
            for col in row.get("_defaulted", ()):
                how = "taken as 0" if plan.inputs[table].missing == "zero" else "missing"
                pr.warnings.append(f"{table}.{col} is empty for {period.label}: {how}")
        # a runtime warning (a division by zero) once per place, in the plan's order,
        # however often the rule was worked out (per credit, or again for its formula)
        runtime = sorted(set(env.warnings), key=lambda w: (w[0].file, w[0].line, w[0].col,
                                                           w[1]))
        for pos, msg in runtime:
            pr.warnings.append(f"{pos}: {msg}")
            result.warnings.append(Problem(pos.file, pos.line, pos.col,
                                           f"payee {pid}: {msg}", severity="warning",
                                           code="runtime"))
        pr.line_count = len(pr.lines)
        if carry is not None:
            carry[pid] = {k: v for k, v in env.cache.items()
                          if k.__class__ is tuple and k[0] in ("running", "sum")}
        if sink is not None:
            sink(pr)
        result.payees.append(pr)
    result.payees.sort(key=lambda p: p.payee)
    return result


def _payee_env(compiled: CompiledPlan, prep: Prepared, period: Period, pid: str) -> Env:
    """What one payee's expressions see over the whole period: params, the payee's row,
    targets and credits (with the plan's subtotals of them)."""
    payees_inp = compiled.plan.inputs.get("payees")
    env = Env(compiled.params, period.attrs(), prep.payees, compiled.python)
    env.payee_id = pid
    env.payee = prep.payees.get(pid, {})
    env.cache["active_days"] = _active_days(env.payee, payees_inp, period)
    env.cache["active_range"] = _active_range(env.payee, payees_inp, period)
    env.per_payee = prep.per_payee.get(pid, {})
    env.sets = prep.credits.get(pid, {})
    if compiled.groups is not None:
        env.sets = groups_mod.with_subtotals(compiled.groups, env, env.sets)
    return env


def _own_env(compiled: CompiledPlan, prep: Prepared, period: Period, pid: str, step,
             mode) -> Env:
    """A payee's own figures: the measures and earnings that read no other payee's,
    worked out from their data alone. Nothing of it is paid: group() and pools read it."""
    env = _payee_env(compiled, prep, period, pid)
    own = compiled.groups.own
    scratch = PayeeResult(pid)
    for e in compiled.steps:
        if e.name not in own:
            continue
        if isinstance(e, MeasureStep):
            env.measures[e.name] = env.fns.fast(e.expr)(env, None)
            continue
        lines = _earn(e, env, pid, step, mode, scratch)
        total = sum((ln.amount for ln in lines), Decimal(0))
        env.earnings[e.name] = _limits(e, env, pid, total, lines, step, mode)
    return env


def _dated_reports(compiled: CompiledPlan, prep: Prepared, period: Period,
                   reports: dict[str, list[str]] | None = None):
    """manager -> [(report, from, to)]: the whole period, unless reporting lines with
    dates moved a report from one manager to another in it."""
    h = prep.hierarchy
    if h is not None and h.has_dates:
        return h.reports(period.start, period.end)
    if reports is None:
        reports = reports_by_manager(compiled, prep)
    return WholePeriodReports(reports, period.start, period.end)


class WholePeriodReports:
    """manager -> [(report, first, last)] for reporting lines without dates, each
    manager's list made when team() asks for it: a live period's page works out one
    payee many times a second, and made whole this was a pass over every manager
    (10,000 payees: a third of a rep page's CPU under load, bench_portal)."""

    def __init__(self, reports: dict[str, list[str]], first, last):
        self.reports, self.first, self.last = reports, first, last

    def get(self, manager: str, default=()):
        rs = self.reports.get(manager)
        return default if rs is None else [(r, self.first, self.last) for r in rs]


def _part_env(compiled: CompiledPlan, prep: Prepared, period: Period, pid: str, first,
              last, team, *, step, mode) -> Env:
    """A payee's measures and earnings over part of the period (the days they reported
    to one manager): credits dated in it, and one-row-per-payee amounts (targets) by its
    share of the period's days. An undated credit counts where the payees table's
    manager is the manager. Nothing of it is paid: team() reads it."""
    part = Period("span", f"{first} to {last}", first, last)
    env = Env(compiled.params, part.attrs(), prep.payees, compiled.python)
    env.payee_id, env.payee = pid, prep.payees.get(pid, {})
    env.team = team(pid, first, last)
    payees_inp = compiled.plan.inputs.get("payees")
    a, b = _active_range(env.payee, payees_inp, part)
    env.cache["active_days"] = (max(0, (b - a).days + 1), part.days)
    env.cache["active_range"] = (a, b)
    share = Fraction(part.days, period.days)
    inputs = compiled.plan.inputs
    env.per_payee = {name: _part_row(inputs.get(name.split("@")[0]), row, share)
                     if "@" not in name else row
                     for name, row in prep.per_payee.get(pid, {}).items()}
    h = prep.hierarchy
    undated = h is None or h.manager_at(pid, first) == h.default(pid)
    credit_names = {step_.name for step_ in compiled.credits}
    sets = {}
    for name, rows in prep.credits.get(pid, {}).items():
        base = name.split("@")[0]
        if "@" in name:  # a window's (sales@ytd): kept whole
            sets[name] = rows
        elif base in credit_names:
            sets[name] = [r for r in rows if first <= r["_order"][0] <= last or
                          (undated and r["_order"][0] is MIN_DATE)]
        elif base in inputs and inputs[base].key:
            col = inputs[base].date
            sets[name] = [r for r in rows if not col or (
                r.get(col) is None and undated) or (
                r.get(col) is not None and first <= r[col] <= last)]
        else:
            sets[name] = [_part_row(inputs.get(base), r, share) for r in rows]
    env.sets = sets
    if compiled.groups is not None:
        env.sets = groups_mod.with_subtotals(compiled.groups, env, env.sets)
    scratch = PayeeResult(pid)
    for e in compiled.steps:  # in the checker's order, as the payee stage (issue 16 item 1)
        if isinstance(e, MeasureStep):
            env.measures[e.name] = env.fns.fast(e.expr)(env, None)
            continue
        lines = _earn(e, env, pid, step, mode, scratch)
        total = sum((ln.amount for ln in lines), Decimal(0))
        env.earnings[e.name] = _limits(e, env, pid, total, lines, step, mode)
    return env


def _part_row(inp, row: dict, share: Fraction) -> dict:
    """A one-row-per-payee row's amounts for part of the period: by its days."""
    if inp is None or share == 1:
        return row
    out = dict(row)
    for col, kind in inp.columns.items():
        if kind in ("money", "number", "integer") and out.get(col) is not None:
            out[col] = scaled_by(out[col], share)
    return out


def _holds(e: EarningStep, env: Env, lines: list[Line], step, mode) -> list[Line]:
    """Part of each line of the earning held back, as a negative line of its own under
    'held'. A stored run keeps them; a later run releases them (see store/carry.py)."""
    out = []
    until = e.spec.hold.until
    after = e.spec.hold.periods
    rows = {r["_key"]: r for r in env.sets.get(e.spec.each, ())} if e.spec.each else {}
    # a hold keeps back part of what is paid: after a cap or floor, each line counts for
    # its share of the component as limited (a cap to 2,500 of 6,300 earned: 2,500/6,300)
    earned = sum((ln.amount for ln in lines if ln.kind in ("credit", "bonus")), Decimal(0))
    paid = sum((ln.amount for ln in lines), Decimal(0))
    limited = earned > 0 and paid != earned
    for ln in lines:
        if ln.kind not in ("credit", "bonus") or ln.amount <= 0:
            continue
        row = rows.get(ln.sources[0].split(":", 1)[1], _NO_ROW) if rows and ln.sources \
            else _NO_ROW
        share = env.fns.fast(e.hold_share)(env, row)
        if not share:
            continue
        # multiplied before it is divided (the arithmetic rule: money.scale)
        base = scale(ln.amount, paid, earned) if limited else ln.amount
        exact = multiply(base, share)
        held = round_to(exact, step, mode)
        if held <= 0:
            continue
        when = f"until {until}" if until else f"for {after} period{'s' if after != 1 else ''}"
        shown = fmt_money(ln.amount) if not limited else \
            f"{fmt_money(ln.amount)} x {fmt_money(paid)} / {fmt_money(earned)}"
        out.append(Line(number=0, payee=ln.payee, component="held", kind="hold",
                        amount=-held, exact=-exact, rule=str(e.pos),
                        formula=f"{shown} x {fmt_value(share, ratio_type())} held {when}",
                        sources=list(ln.sources), inputs={"earning": e.name}, date=ln.date,
                        note=f"{e.name} held {when}"))
    return out


def _total_limits(compiled, env, pid, pr, step, mode) -> None:
    """A cap or floor on the payee's total, as its own line under 'total_cap' or
    'total_floor'."""
    if not compiled.total:
        return
    total = sum(map(_amount, pr.lines), Decimal(0))
    for kind, expr in compiled.total:
        line, total = _limit(kind, expr, env, pid, "total_" + kind, "total pay", total, step,
                             mode)
        if line is not None:
            pr.lines.append(line)
            pr.components[line.component] = line.amount


def _limit(kind: str, expr, env: Env, pid: str, component: str, subject: str,
           total: Decimal, step, mode) -> tuple[Line | None, Decimal]:
    """A cap or floor: the adjustment line that brings `total` to it (if it applies),
    and the total after it. The line keeps the limit's formula and place in the plan."""
    limit, text = env.fns.explain(expr)(env, None)
    if limit is None:
        return None, total
    limit = round_to(Decimal(limit), step, mode)
    if limits(kind, limit, total):
        words = f"Cap reached: {subject} limited to" if kind == "cap" else \
            f"Floor applied: {subject} raised to"
        return Line(number=0, payee=pid, component=component, kind=kind,
                    amount=limit - total, exact=limit - total, rule=str(expr.pos),
                    formula=f"{words} {text} = {fmt_money(limit)}"), limit
    return None, total


def limits(kind: str, limit: Decimal, total: Decimal) -> bool:
    """Whether a cap or floor of `limit` (rounded as a line is) changes `total`."""
    return (kind == "cap" and total > limit) or (kind == "floor" and total < limit)


def _pay_in(pr: PayeeResult, currency: str, rate: Decimal, plan_currency: str,
            mode: str = "half_up") -> None:
    """Convert each line to the payee's currency, rounded once, in the currency paid.

    A line's exact value (before the plan currency's rounding) is divided by the rate
    and rounded to the payee currency's minor unit with the plan's mode: 0.125 USD at
    0.5 pays 0.25 EUR, not 0.13 / 0.5 = 0.26. A cap or floor line makes what it limits
    come to the limit converted (so a capped total is the cap in the payee's currency),
    and the lines still add up to the payee's total.
    """
    step = minor_unit(currency)
    places = max(0, -step.as_tuple().exponent)
    pr.components = {}
    shown = {"plan": Decimal(0), "paid": Decimal(0)}  # every line so far, in each currency
    by_component: dict[str, dict[str, Decimal]] = {}
    for ln in pr.lines:
        comp = by_component.setdefault(ln.component, {"plan": Decimal(0), "paid": Decimal(0)})
        if ln.kind in ("cap", "floor"):
            # the limit applies to the component's lines (or, for the total's, to all)
            before = shown if ln.component.startswith("total_") else comp
            limit = before["plan"] + ln.amount
            exact = divide(limit, rate)
            paid = round_to(exact, step, mode) - before["paid"]
            how = (f"paid in {currency}: limit {plan_currency} {fmt_money(limit)} / {rate} "
                   f"= {fmt_number(exact)} -> {currency} "
                   f"{fmt_money(round_to(exact, step, mode), places)}, less "
                   f"{fmt_money(before['paid'], places)} before it")
            exact = exact - before["paid"]
        else:
            exact = unsigned_zero(divide(ln.exact, rate))
            paid = unsigned_zero(round_to(exact, step, mode))
            how = (f"paid in {currency}: {plan_currency} {fmt_number(ln.exact)} / {rate} = "
                   f"{fmt_number(exact)} -> {currency} {fmt_money(paid, places)}")
            ln.rounding = f"{exact} -> {paid} ({mode.replace('_', ' ')} to {step})" \
                if paid != exact else ""
        ln.note = (ln.note + "; " if ln.note else "") + how
        for acc in {id(shown): shown, id(comp): comp}.values():
            acc["plan"] += ln.amount
            acc["paid"] += paid
        ln.exact, ln.amount = exact, paid
        pr.components[ln.component] = pr.components.get(ln.component, Decimal(0)) + paid
    pr.currency = currency


def bottom_up(ids: list[str], reports: dict[str, list[str]]) -> list[str]:
    """Payees with every report before their manager, so team() sees finished figures."""
    order, done = [], set()
    for root in ids:
        stack = [(root, False)]
        while stack:
            pid, expanded = stack.pop()
            if pid in done:
                continue
            if expanded:
                done.add(pid)
                order.append(pid)
                continue
            stack.append((pid, True))
            for r in reports.get(pid, ()):
                if r not in done:
                    stack.append((r, False))
    wanted = set(ids)
    return [p for p in order if p in wanted]


def _active_days(payee: dict, inp, period: Period) -> tuple[int, int]:
    """Days of the period the payee was active (hire to end date), and the period's days."""
    first, last = _active_range(payee, inp, period)
    return max(0, (last - first).days + 1), period.days


def _active_range(payee: dict, inp, period: Period) -> tuple:
    """The first and last day of the period the payee was active (first > last: none)."""
    if inp is None or payee is None:
        return period.start, period.end
    start = payee.get(inp.start) if inp.start else None
    end = payee.get(inp.end) if inp.end else None
    first = max(period.start, start) if start else period.start
    last = min(period.end, end) if end else period.end
    return first, last


def _earn(e: EarningStep, env: Env, pid: str, step, mode, pr,
          prior: "_Prior | None" = None) -> list[Line]:
    """The lines of one earning for one payee, each rounded on its own (with `prior`,
    the earlier lines of credits before the payee's first new one kept as they were)."""
    lines: list[Line] = []
    rule = str(e.pos)
    rounder = _rounder(step, mode)
    explain = env.fns.explain(e.value)
    if e.spec.each:
        when = env.fns.fast(e.when) if e.when is not None else None
        rows = env.sets.get(e.spec.each, ())
        if e.reuse and prior is not None:
            lines, first = prior.kept(e.name, rows)
            rows = rows[first:] if first else rows
        warned = (len(pr.warnings), len(env.warnings))
        for row in rows:
            if when is not None:
                ok = when(env, row)
                if ok is not True:
                    if ok is None:
                        pr.warnings.append(f"{e.name}: condition unknown for {row['_key']} "
                                           "(a value is missing); not paid")
                    continue
            env.splits, env.basis_trace = None, None
            value, text = explain(env, row)
            if value is None:
                pr.warnings.append(f"{e.name}: value missing for {row['_key']}; not paid")
                continue
            lines.append(_line(pid, e, "credit", value, text, rounder, step, mode, rule, env,
                               row))
        if e.reuse and warned == (len(pr.warnings), len(env.warnings)):
            # no warning to say again: a later batch may keep these lines (pay_payees
            # notes where they go)
            pr.clean[e.name] = None
        return lines
    if e.when is not None:
        ok = env.fns.fast(e.when)(env, None)
        if ok is None:
            pr.warnings.append(f"{e.name}: condition unknown (a value is missing); not paid")
        if ok is not True:
            return lines
    env.splits, env.basis_trace = None, None
    value, text = explain(env, None)
    if value is None:
        pr.warnings.append(f"{e.name}: value missing; not paid")
        return lines
    lines.append(_line(pid, e, "bonus", value, text, rounder, step, mode, rule, env, None))
    return lines


def _rounder(step: Decimal, mode: str):
    """The line rounding as one call: quantize for 0.01, 1, 0.001; else round_to."""
    if step.as_tuple().digits == (1,) and step <= 1:
        rounding = MODES[mode]
        return lambda v: v.quantize(step, rounding=rounding)
    return lambda v: round_to(v, step, mode)


def _line(pid, e: EarningStep, kind, value, text, rounder, step, mode, rule, env,
          row) -> Line:
    if value.__class__ is not Decimal:
        value = Decimal(value)
    # a negative credit at 0% is -0 in decimal arithmetic; it is written 0.00
    value = unsigned_zero(value)
    amount = unsigned_zero(rounder(value))
    rounding = f"{value} -> {amount} ({mode.replace('_', ' ')} to {step})" \
        if amount != value else ""
    if text[0] == "(" and text[-1] == ")" and e.value.is_call:
        text = text[1:-1]  # a tier split that is the whole formula needs no parentheses
    shown = fmt_money(value)
    formula = f"{text} = {shown}" if text != shown else shown
    trace = env.basis_trace
    before = after = None
    if trace:
        if "basis" in trace:
            before = after = trace["basis"]
        else:
            before, after = trace["before"], trace["after"]
    tiers = env.splits or []
    if row is None:
        inputs = {label: fn(env, _NO_ROW) for label, fn, t in env.fns.inputs(e)} \
            if e.inputs else {}
        return Line(number=0, payee=pid, component=e.name, kind=kind, amount=amount,
                    exact=value, rule=rule, formula=formula, inputs=inputs, tiers=tiers,
                    basis_before=before, basis_after=after, rounding=rounding)
    inputs = {label: fn(env, row) for label, fn, t in env.fns.inputs(e)} if e.inputs else {}
    d = row["_order"][0]
    ln = Line(number=0, payee=pid, component=e.name, kind=kind, amount=amount, exact=value,
              rule=rule, formula=formula, sources=[f"{e.source}:{row['_key']}"],
              inputs=inputs, tiers=tiers, basis_before=before, basis_after=after,
              rounding=rounding, date=d if d is not MIN_DATE else None)
    if "_split_src" in row or "_via" in row or "_fx" in row:
        _line_notes(ln, row)
    elif "_members" in row:  # a subtotal's row: the line traces to its group's rows
        ln.sources.extend(row["_members"])
    return ln


_NO_ROW: dict = {}
_row_order = operator.itemgetter("_order")
_amount = operator.attrgetter("amount")


def _line_order(ln: Line) -> tuple:
    """A credit line's sort position, as its row's `_order` (date, transaction id):
    _line writes the date (None for MIN_DATE) and the source as '<input>:<id>'."""
    return (ln.date if ln.date is not None else MIN_DATE, ln.sources[0].split(":", 1)[1])


class _Prior:
    """A payee's earlier result in a live run, and where their new credits begin.

    For an earning marked `reuse` and worked out without a warning before, the lines of
    credits sorted before the first new one are as they were (engine/reuse.py says
    why): they are kept, the same objects (renumbered as copies), and the credits from
    there on are worked out."""

    def __init__(self, result: PayeeResult, since: tuple | None):
        self.result, self.since = result, since

    def kept(self, name: str, rows: list[dict]) -> tuple[list[Line], int]:
        """(the earlier lines kept, the index in `rows` of the first credit to work out)."""
        span = self.result.clean.get(name)
        if span is None:
            return [], 0
        lines = self.result.lines[span[0]:span[1]]  # the earning's credit lines
        if self.since is None:  # no new credit of theirs (a manager, a pool's peer)
            return list(lines), len(rows)
        k = bisect.bisect_left(lines, self.since, key=_line_order)
        return lines[:k], bisect.bisect_left(rows, self.since, key=_row_order)


def _line_notes(ln: Line, row: dict) -> None:
    notes = []
    if row.get("_split_src"):
        ln.sources.append(row["_split_src"])
    if row.get("_via"):
        notes.append(f"credited through {row['_via']}")
    if row.get("_fx"):
        notes.append(row["_fx"])
    if row.get("_share") is not None:
        notes.append(f"split share {fmt_value(row['_share'], ratio_type())}")
    ln.note = "; ".join(notes)


def _limits(e: EarningStep, env, pid, total, lines, step, mode) -> Decimal:
    """Caps and floors on a component: shown as their own lines, so lines still add up."""
    for kind in ("cap", "floor"):
        expr = getattr(e, kind)
        if expr is not None:
            line, total = _limit(kind, expr, env, pid, e.name, e.name, total, step, mode)
            if line is not None:
                lines.append(line)
    return total


# The payee stage's pieces a payout curve's made-up payee is paid with, point after
# point, without a run each (render/curve.py, Quick: issue 14): public names for the
# same functions, so the curve's pay is this module's arithmetic and no copy of it.
payee_env = _payee_env
rounder = _rounder
