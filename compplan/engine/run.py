"""The pipeline: inputs -> credits -> measures -> earnings -> totals, for one period.

Each stage works over whole tables: credits are made from every input row at once and
grouped by payee; then each payee's measures and earnings are worked out by the
compiled closures. Data problems (an unknown payee, a split that does not add up, a
payee without a quota) are collected and stop the run before anything is paid.
"""
from __future__ import annotations

import datetime as dt
import decimal
import gc
import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..errors import CompplanError, Problem
from ..lang import ast
from .compile import Env, fmt_value
from . import parallel
from .data import ROW, Table
from .ir import CompiledPlan, EarningStep
from .money import CONTEXT, MODES, fmt_money, minor_unit, round_to
from .periods import Period, parse_period
from .results import Line, PayeeResult, RunResult, TierPart

MIN_DATE = dt.date.min  # the order of a transaction with no date: before all others


@dataclass
class Prepared:
    """The data of one run, ready for the payee stage."""

    payees: dict[str, dict]  # payee id -> payees row
    credits: dict[str, dict[str, list[dict]]]  # payee -> set name -> rows in order
    per_payee: dict[str, dict[str, dict]]  # payee -> table -> row for the period
    problems: list[Problem]
    warnings: list[Problem]
    rates: dict[str, Decimal]  # currency -> plan-currency units per unit, this period
    splits: dict = None  # (credit, transaction key) -> shares, for credits made later
    known: set[str] | None = None  # the payee ids, when the plan has a payees table


def prepare(compiled: CompiledPlan, tables: dict[str, Table], period: Period) -> Prepared:
    """Check the data against the plan and build credits. Problems are collected."""
    plan = compiled.plan
    problems: list[Problem] = []
    warnings: list[Problem] = []
    payees: dict[str, dict] = {}
    payees_inp = plan.inputs.get("payees")
    if payees_inp is not None and "payees" in tables:
        for row in tables["payees"].rows:
            payees[str(row[payees_inp.key])] = row
        if payees_inp.manager:
            for pid, row in payees.items():
                mgr = row.get(payees_inp.manager)
                if mgr and str(mgr) not in payees:
                    problems.append(Problem(tables["payees"].file, None, None,
                                            f"manager '{mgr}' of payee '{pid}' is not a payee",
                                            "add the manager to payees, or leave it empty",
                                            code="unknown-payee", row=row[ROW],
                                            column=payees_inp.rename.get(payees_inp.manager,
                                                                         payees_inp.manager)))
            _check_hierarchy(payees, payees_inp.manager, tables["payees"].file, problems)
    known = set(payees) if payees_inp is not None else None

    def payee_ok(pid, table: Table, row, col) -> bool:
        if known is not None and pid not in known:
            problems.append(Problem(table.file, None, None, f"unknown payee '{pid}'",
                                    "add them to payees, or correct the id",
                                    code="unknown-payee", row=row[ROW], column=col))
            return False
        return True

    # per-payee tables (quotas, KPIs): the row for this period, or a longer one split
    per_payee, per_payee_sets = _per_payee_rows(compiled, tables, period, payees, payee_ok,
                                                problems)
    if compiled.uses_ytd:
        # targets year to date: the periods' rows added up, a year's split by days
        ytd = Period("span", f"{period.start.year} to {period.label}",
                     dt.date(period.start.year, 1, 1), period.end)
        ytd_rows, _ = _per_payee_rows(compiled, tables, ytd, payees, lambda *a: True, [],
                                      check_missing=False)
        for pid, by_table in ytd_rows.items():
            for table_name, row in by_table.items():
                per_payee.setdefault(pid, {})[table_name + "@ytd"] = row

    tables, rates = _convert_currencies(compiled, tables, period, problems)

    # transaction tables: rows of the period, per payee
    credits: dict[str, dict[str, list[dict]]] = {}
    for pid, sets in per_payee_sets.items():
        credits.setdefault(pid, {}).update(sets)
    env = Env(compiled.params, period.attrs(), payees)
    used_sets = {r.name for r in compiled.checked.resolved.values()
                 if r.kind in ("set", "set_column")}
    for name, inp in plan.inputs.items():
        if not inp.key or name not in tables or not inp.payee:
            continue
        grouped = name in used_sets
        for row in tables[name].rows:
            if inp.date and row.get(inp.date) is not None and not period.contains(row[inp.date]):
                continue
            pid = str(row[inp.payee])
            if payee_ok(pid, tables[name], row, inp.payee) and grouped:
                credits.setdefault(pid, {}).setdefault(name, []).append(row)

    splits = _splits(compiled, tables, problems)
    make_credits(compiled, tables, period, payees, known, splits, credits)
    for sets in credits.values():
        sort_sets(compiled, sets)
    if payees_inp is not None and payees_inp.currency:
        for pid, row in payees.items():
            cur = str(row.get(payees_inp.currency) or plan.currency).upper()
            if cur not in rates:
                problems.append(Problem(tables["payees"].file, None, None,
                                        f"payee '{pid}' is paid in {cur}, but there is no "
                                        f"{cur} exchange rate for {period.label}",
                                        "add the rate to the exchange-rate input",
                                        code="missing-rate", row=row[ROW],
                                        column=payees_inp.currency))
    return Prepared(payees, credits, per_payee, problems, warnings, rates, splits, known)


def make_credits(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
                 payees: dict, known: set | None, splits: dict,
                 credits: dict[str, dict[str, list[dict]]]) -> set[str]:
    """Credits from the rows of `tables`, added to each payee's sets (unsorted).

    Returns the payees who received credits (rollups included). Used by prepare for the
    whole period, and by a live run for the rows that just arrived.
    """
    plan = compiled.plan
    payees_inp = plan.inputs.get("payees")
    env = Env(compiled.params, period.attrs(), payees)
    touched: set[str] = set()
    for step in compiled.credits:
        src_inp = plan.inputs[step.spec.from_]
        table = tables.get(step.spec.from_)
        if table is None:
            continue
        payee_col = step.spec.payee or src_inp.payee
        env.payee_of_row = (lambda row, c=payee_col: payees.get(str(row.get(c)))) \
            if payee_col else (lambda row: None)
        when = step.when.fast if step.when else None
        value = step.value.fast
        date_col, key_col, name = src_inp.date, src_inp.key, step.name
        # with ytd(), credits from the start of the year go to '<set>@ytd' as well
        start = dt.date(period.start.year, 1, 1) if compiled.uses_ytd else period.start
        end, period_start = period.end, period.start
        ytd_name = name + "@ytd"
        rollup = step.spec.rollup if payees_inp is not None else None
        for row in table.rows:
            d = row.get(date_col) if date_col else None
            if d is not None and not (start <= d <= end):
                continue
            if when is not None and when(env, row) is not True:
                continue
            v = value(env, row)
            key = str(row[key_col])
            shares = splits.get((name, key)) if splits else None
            if shares is None:
                pid = str(row.get(payee_col)) if payee_col else None
                if pid is None or (known is not None and pid not in known):
                    continue
                shares = ((pid, None, None),)
            for pid, share, split_src in shares:
                credit = {**row, "value": v if share is None or v is None else v * share,
                          "_credit": name, "_key": key, "_cid": key,
                          "_order": (d or MIN_DATE, key), "_payee": pid}
                if share is not None:
                    credit["_share"], credit["_split_src"] = share, split_src
                sets = credits.get(pid)
                if sets is None:
                    sets = credits[pid] = {}
                touched.add(pid)
                targets = (name,)
                if compiled.uses_ytd:
                    targets = (ytd_name,) if d is not None and d < period_start else \
                        (name, ytd_name)
                for target in targets:
                    rows = sets.get(target)
                    if rows is None:
                        rows = sets[target] = []
                    rows.append(credit)
                    if rollup is not None:
                        touched |= _roll_up(credit, payees, payees_inp.manager, rollup.levels,
                                            credits, target)
    return touched


def sort_sets(compiled: CompiledPlan, sets: dict[str, list[dict]]) -> None:
    """A payee's credits in the order tiers take them: date, then transaction id."""
    by_order = operator.itemgetter("_order")
    names = {step.name for step in compiled.credits}
    for name, rows in sets.items():
        rows.sort(key=by_order if name.split("@")[0] in names else _row_order)


def _per_payee_rows(compiled, tables, period, payees, payee_ok, problems,
                    check_missing: bool = True):
    """payee -> table -> the row for this period; and payee -> table -> rows (for `by`).

    Targets may be set for any span. For each payee (and `by` key) the most specific
    rows win:
      1. a row for exactly the run's period;
      2. rows for shorter spans inside it (daily or weekly targets in a monthly plan),
         whose amounts and counts are added up;
      3. a row for a longer span that contains it (a yearly quota in a quarterly plan),
         whose amounts are split by the input's `weights` (by the period's number within
         the span: month 3, quarter 1) or else by days.
    """
    plan = compiled.plan
    used = _used_tables(compiled)
    per_payee: dict[str, dict[str, dict]] = {}
    sets: dict[str, dict[str, list[dict]]] = {}
    for name, inp in plan.inputs.items():
        if inp.key or name == "payees" or name not in tables or not inp.payee:
            continue
        table = tables[name]
        amounts = [c for c, w in inp.columns.items() if w in ("money", "number", "integer")]
        exact: dict[tuple, dict] = {}
        parts: dict[tuple, list[dict]] = {}
        longer: dict[tuple, tuple[dict, Decimal, int]] = {}
        for row in table.rows:
            pid = str(row[inp.payee])
            relation, share, days = "exact", Decimal(1), period.days
            if inp.period:
                relation, share, days = _span_relation(str(row.get(inp.period) or ""), period,
                                                       inp.weights)
                if relation is None:
                    continue
            if not payee_ok(pid, table, row, inp.payee):
                continue
            key = (pid, *(str(row.get(b)) for b in inp.by))
            if relation == "exact":
                if key in exact:
                    what = " and ".join([f"payee '{pid}'"] +
                                        [f"{b} '{row.get(b)}'" for b in inp.by])
                    problems.append(Problem(table.file, None, None,
                                            f"{what} has two rows for {period.label} "
                                            f"(first at row {exact[key][ROW]})",
                                            "keep one row per payee and period",
                                            code="duplicate-key", row=row[ROW],
                                            column=inp.period or inp.payee))
                    continue
                exact[key] = row
            elif relation == "part":
                parts.setdefault(key, []).append(row)
            elif key not in longer or days < longer[key][2]:
                longer[key] = (row, share, days)
        chosen: dict[tuple, dict] = {}
        for key, (row, share, _days) in longer.items():
            row = dict(row)
            for col in amounts:
                if row.get(col) is not None:
                    row[col] = row[col] * share
            row["_share_of_period"] = share
            chosen[key] = row
        for key, rows in parts.items():
            row = dict(rows[0])
            for col in amounts:
                vals = [r.get(col) for r in rows if r.get(col) is not None]
                row[col] = sum(vals) if vals else None
            row["_parts"] = len(rows)
            chosen[key] = row
        chosen.update(exact)
        for key, row in chosen.items():
            pid = key[0]
            row.setdefault("_key", str(row[ROW]))
            per_payee.setdefault(pid, {})[name] = row
            sets.setdefault(pid, {}).setdefault(name, []).append(row)
        if check_missing and inp.missing == "error" and name in used and not inp.by:
            for pid in sorted(payees):
                if name not in per_payee.get(pid, {}):
                    problems.append(Problem(table.file, None, None,
                                            f"payee '{pid}' has no {name} row for "
                                            f"{period.label}",
                                            f"add it, or set 'missing: null' on "
                                            f"inputs.{name} to treat it as missing",
                                            code="missing-row"))
    return per_payee, sets


def _convert_currencies(compiled, tables, period, problems):
    """Money in a transaction's own currency -> the plan currency, at the period's rate.

    The converted amount is the exact product (not rounded); only the line that pays
    on it is rounded. Each converted row keeps a note of the conversion for its lines.
    """
    plan = compiled.plan
    if plan.fx is None or plan.fx.from_ not in tables:
        return tables, {plan.currency: Decimal(1)}
    fx_inp = plan.inputs[plan.fx.from_]
    rates: dict[str, Decimal] = {}
    for row in tables[plan.fx.from_].rows:
        if fx_inp.period and _period_share(str(row.get(fx_inp.period) or ""), period, {}) \
                is None:
            continue
        cur = str(row.get(plan.fx.currency) or "").upper()
        rate = row.get(plan.fx.rate)
        if cur and rate is not None:
            rates[cur] = Decimal(rate)
    rates[plan.currency] = Decimal(1)
    out = dict(tables)
    for name, inp in plan.inputs.items():
        if not inp.currency or name not in tables or name == "payees":
            continue
        money_cols = [c for c, t in inp.columns.items() if t == "money"]
        converted = []
        table = tables[name]
        for row in table.rows:
            cur = str(row.get(inp.currency) or plan.currency).upper()
            if cur == plan.currency:
                converted.append(row)
                continue
            rate = rates.get(cur)
            if rate is None:
                problems.append(Problem(table.file, None, None,
                                        f"no exchange rate for {cur} in {period.label}",
                                        f"add {cur} to {plan.fx.from_}", code="missing-rate",
                                        row=row[ROW], column=inp.currency))
                continue
            new = dict(row)
            notes = []
            for col in money_cols:
                if new.get(col) is not None:
                    notes.append(f"{col} {cur} {fmt_money(new[col])} x {rate} = "
                                 f"{plan.currency} {fmt_money(new[col] * rate)}")
                    new[col] = new[col] * rate
            new["_fx"] = "; ".join(notes)
            converted.append(new)
        out[name] = Table(table.name, table.file, converted)
    return out, rates


def _row_order(row: dict):
    return row.get("_order") or (MIN_DATE, str(row.get(ROW)))


def _span_relation(label: str, period: Period, weights: dict):
    """How a row's period relates to the run's: (exact | part | longer | None, share, days).

    share: the part of a longer span's amounts that falls in the run's period."""
    if label == period.label:
        return "exact", Decimal(1), period.days
    try:
        p = parse_period(label)
    except ValueError:
        return None, None, 0
    if p == period:
        return "exact", Decimal(1), period.days
    if p.within(period):
        return "part", Decimal(1), p.days
    if period.within(p):
        if weights and period.kind != "span":
            w = weights.get(str(period.number_within(p)))
            return "longer", (Decimal(w) if w is not None else Decimal(0)), p.days
        return "longer", period.share_of(p), p.days
    return None, None, 0


def _period_share(label: str, period: Period, weights: dict) -> Decimal | None:
    """1 for a row of this period; its share of a longer span that contains it; else None."""
    relation, share, _days = _span_relation(label, period, weights)
    return share if relation in ("exact", "longer") else None


def _used_tables(compiled: CompiledPlan) -> set[str]:
    return {r.name for r in compiled.checked.resolved.values() if r.kind == "payee_table"}


def _check_hierarchy(payees: dict, manager_col: str, file: str, problems: list) -> None:
    for pid in payees:
        seen = [pid]
        cur = payees[pid].get(manager_col)
        while cur:
            cur = str(cur)
            if cur in seen:
                problems.append(Problem(file, None, None, "managers form a loop: "
                                        + " -> ".join(seen + [cur]),
                                        "a payee cannot manage themselves, directly or not",
                                        code="manager-cycle", row=payees[pid][ROW]))
                return
            seen.append(cur)
            cur = payees.get(cur, {}).get(manager_col)


def _roll_up(credit: dict, payees: dict, manager_col: str, levels, credits: dict,
             target: str) -> set[str]:
    depth = 0
    managers: set[str] = set()
    pid = credit["_payee"]
    via = pid
    limit = None if levels == "all" else int(levels)
    while True:
        mgr = payees.get(pid, {}).get(manager_col)
        if not mgr:
            return managers
        depth += 1
        if limit is not None and depth > limit:
            return managers
        mgr = str(mgr)
        copy = dict(credit)
        copy.update(_payee=mgr, _cid=f"{credit['_key']}@{via}", _via=via, _level=depth)
        credits.setdefault(mgr, {}).setdefault(target, []).append(copy)
        managers.add(mgr)
        pid = mgr


def _splits(compiled: CompiledPlan, tables: dict[str, Table], problems: list[Problem]):
    """(credit name, transaction key) -> [(payee, share, source id)], shares checked."""
    plan = compiled.plan
    out: dict[tuple[str, str], list] = {}
    for step in compiled.credits:
        sp = step.spec.split
        if sp is None or sp.from_ not in tables:
            continue
        src_inp = plan.inputs[step.spec.from_]
        split_inp = plan.inputs[sp.from_]
        table = tables[sp.from_]
        link = src_inp.key
        if link not in split_inp.columns and link not in (split_inp.key, split_inp.payee):
            problems.append(Problem(table.file, None, None,
                                    f"split table '{sp.from_}' has no column '{link}' to "
                                    f"link it to '{step.spec.from_}'",
                                    f"declare {link} under inputs.{sp.from_}.columns",
                                    code="missing-column", row=1))
            continue
        groups: dict[str, list] = {}
        for row in table.rows:
            groups.setdefault(str(row[link]), []).append(row)
        for key, rows in groups.items():
            total = sum((r.get(sp.share) or Decimal(0) for r in rows), Decimal(0))
            if total != 1:
                problems.append(Problem(table.file, None, None,
                                        f"the shares of '{key}' add up to "
                                        f"{fmt_value(total, _ratio())}, not 100%",
                                        "correct the shares so each transaction is credited "
                                        "once in full", code="split-total",
                                        row=rows[0][ROW], column=sp.share))
                continue
            out[(step.name, key)] = [(str(r[split_inp.payee]), r[sp.share],
                                      f"{sp.from_}:row {r[ROW]}") for r in rows]
    return out


def _ratio():
    from ..lang.types import T_RATIO
    return T_RATIO


# ------------------------------------------------------------------ the payee stage

def run_plan(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
             sink=None, workers: int | None = None, keep_data: bool = True) -> RunResult:
    """Work out every payee's pay for the period. Raises CompplanError on data errors.

    `sink(payee_result)`, if given, receives each payee as soon as it is worked out (a
    writer streams its lines to disk and may drop them from memory). With a writer that
    can take parts (ResultWriter) and a large run, the payees are split between two
    processes (see engine/parallel.py); `workers=1` keeps it in one. `keep_data=False`
    empties the input tables once credits are made (a command-line run has no further
    use for them, and they are half its memory).

    The cyclic garbage collector is paused meanwhile: a run builds millions of small
    objects that hold no cycles, and rescanning them made a 1M-deal run a third slower.
    Afterwards they are frozen (gc.freeze) so that the collector's next full pass does
    not scan them either; they are still freed by reference counting.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with decimal.localcontext(CONTEXT):
            prepared = prepare(compiled, tables, period)
            if prepared.problems:
                raise CompplanError(prepared.problems)
            if not keep_data:
                # the credits hold what the payee stage needs; let the raw rows go
                for table in tables.values():
                    table.rows = []
            order = payee_order(compiled, prepared)
            if sink is not None and hasattr(sink, "part") and parallel.worth_it(
                    compiled, prepared, workers):
                return parallel.pay_in_two(_pay, compiled, prepared, period, sink, order)
            return _pay(compiled, prepared, period, sink, order)
    finally:
        if was_enabled:
            # the run's objects are long-lived from here on (results, the data): keep the
            # collector from rescanning them all at its next full pass
            gc.freeze()
            gc.enable()


def _payee_ids(prep: Prepared) -> set[str]:
    return set(prep.payees) | set(prep.credits) | set(prep.per_payee)


def _reports(compiled: CompiledPlan, prep: Prepared) -> dict[str, list[str]]:
    payees_inp = compiled.plan.inputs.get("payees")
    manager_col = payees_inp.manager if payees_inp is not None else None
    reports: dict[str, list[str]] = {}
    if manager_col:
        for pid, row in prep.payees.items():
            mgr = row.get(manager_col)
            if mgr:
                reports.setdefault(str(mgr), []).append(pid)
    return reports


def payee_order(compiled: CompiledPlan, prep: Prepared) -> list[str]:
    """Payees in id order; with team(), every report before their manager."""
    ids = sorted(_payee_ids(prep))
    return _bottom_up(ids, _reports(compiled, prep)) if compiled.uses_team else ids


def _pay(compiled: CompiledPlan, prep: Prepared, period: Period, sink=None,
         order: list[str] | None = None,
         earlier: dict[str, PayeeResult] | None = None) -> RunResult:
    """Work out the payees in `order` (all, by default). `earlier` holds results already
    worked out for payees not in `order`, which team() reads (a live run recomputes only
    the payees a new transaction touches)."""
    plan = compiled.plan
    result = RunResult(plan.plan, plan.name, str(plan.version), period.label, plan.currency)
    step, mode = plan.rounding.to or minor_unit(plan.currency), plan.rounding.mode
    payees_inp = plan.inputs.get("payees")
    reports = _reports(compiled, prep)
    envs: dict[str, Env] = {}

    def team(pid: str):
        def total(name: str, levels: int | None):
            out, frontier, depth = Decimal(0), list(reports.get(pid, ())), 1
            while frontier and (levels is None or depth <= levels):
                nxt = []
                for r in frontier:
                    e = envs.get(r)
                    if e is not None:
                        v = e.earnings.get(name, e.measures.get(name))
                    elif earlier and r in earlier:
                        done = earlier[r]
                        v = done.components.get(name, done.measure_values.get(name))
                    else:
                        v = None
                    if v is not None:
                        out += v
                    nxt.extend(reports.get(r, ()))
                frontier, depth = nxt, depth + 1
            return out
        return total

    for pid in order if order is not None else payee_order(compiled, prep):
        env = Env(compiled.params, period.attrs(), prep.payees)
        envs[pid] = env
        env.team = team(pid)
        env.payee_id = pid
        env.payee = prep.payees.get(pid, {})
        env.cache["active_days"] = _active_days(env.payee, payees_inp, period)
        env.per_payee = prep.per_payee.get(pid, {})
        env.sets = prep.credits.get(pid, {})
        pr = PayeeResult(pid, str(env.payee.get("name", "") or ""),
                         cost_center=str(env.payee.get("cost_center", "") or ""))
        for m in compiled.measures:
            env.measures[m.name] = m.expr.fast(env, None)
        for e in compiled.earnings:
            lines = _earn(e, env, pid, step, mode, pr)
            total = sum((ln.amount for ln in lines), Decimal(0))
            total = _limits(e, env, pid, total, lines, step, mode)
            env.earnings[e.name] = total
            if lines or e.name in env.earnings:
                pr.components[e.name] = total
            pr.lines.extend(lines)
            if e.hold_share is not None and lines:
                held = _holds(e, env, lines, step, mode)
                if held:
                    pr.lines.extend(held)
                    pr.components["held"] = pr.components.get("held", Decimal(0)) + \
                        sum((h.amount for h in held), Decimal(0))
        _total_limits(compiled, env, pid, pr, step, mode)
        if compiled.draw is not None:
            draw = compiled.draw.fast(env, None)
            pr.draw = None if draw is None else round_to(Decimal(draw), step, mode)
        pr.currency = plan.currency
        if payees_inp is not None and payees_inp.currency:
            cur = str(env.payee.get(payees_inp.currency) or plan.currency).upper()
            if cur != plan.currency:
                _pay_in(pr, cur, prep.rates[cur], plan.currency)
        for i, ln in enumerate(pr.lines, start=1):
            ln.number = i
        pr.total = sum((ln.amount for ln in pr.lines), Decimal(0))
        for m in compiled.measures:
            pr.measures[m.name] = fmt_value(env.measures.get(m.name), m.expr.type)
            pr.measure_values[m.name] = env.measures.get(m.name)
        if not env.sets and prep.payees:
            pr.warnings.append("no credits in this period")
        for table, row in env.per_payee.items():
            for col in row.get("_defaulted", ()):
                how = "taken as 0" if plan.inputs[table].missing == "zero" else "missing"
                pr.warnings.append(f"{table}.{col} is empty for {period.label}: {how}")
        for pos, msg in env.warnings:
            pr.warnings.append(f"{pos}: {msg}")
            result.warnings.append(Problem(pos.file, pos.line, pos.col,
                                           f"payee {pid}: {msg}", severity="warning",
                                           code="runtime"))
        pr.line_count = len(pr.lines)
        if sink is not None:
            sink(pr)
        result.payees.append(pr)
    result.payees.sort(key=lambda p: p.payee)
    return result


def _holds(e: EarningStep, env: Env, lines: list[Line], step, mode) -> list[Line]:
    """Part of each line of the earning held back, as a negative line of its own under
    'held'. A stored run keeps them; a later run releases them (see store/carry.py)."""
    out = []
    until = e.spec.hold.until
    after = e.spec.hold.periods
    rows = {r["_key"]: r for r in env.sets.get(e.spec.each, ())} if e.spec.each else {}
    for ln in lines:
        if ln.kind not in ("credit", "bonus") or ln.amount <= 0:
            continue
        row = rows.get(ln.sources[0].split(":", 1)[1], _NO_ROW) if rows and ln.sources \
            else _NO_ROW
        share = e.hold_share.fast(env, row)
        if not share:
            continue
        held = round_to(ln.amount * share, step, mode)
        when = f"until {until}" if until else f"for {after} period{'s' if after != 1 else ''}"
        out.append(Line(0, ln.payee, "held", "hold", -held, -ln.amount * share, str(e.pos),
                        f"{fmt_money(ln.amount)} x {fmt_value(share, _ratio())} held {when}",
                        list(ln.sources), {"earning": e.name}, [], None, None, "", ln.date,
                        f"{e.name} held {when}"))
    return out


def _total_limits(compiled, env, pid, pr, step, mode) -> None:
    """A cap or floor on the payee's total, as its own line under 'total_cap' or
    'total_floor'."""
    total = sum((ln.amount for ln in pr.lines), Decimal(0))
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
    limit, text = expr.explain(env, None)
    if limit is None:
        return None, total
    limit = round_to(Decimal(limit), step, mode)
    if (kind == "cap" and total > limit) or (kind == "floor" and total < limit):
        words = f"Cap reached: {subject} limited to" if kind == "cap" else \
            f"Floor applied: {subject} raised to"
        return Line(0, pid, component, kind, limit - total, limit - total, str(expr.pos),
                    f"{words} {text} = {fmt_money(limit)}"), limit
    return None, total


def _pay_in(pr: PayeeResult, currency: str, rate: Decimal, plan_currency: str) -> None:
    """Convert each line, as shown in the plan currency, to the payee's currency.

    Each line is converted and rounded on its own (to the currency's minor unit, half
    up), so the payee's lines still add up to their total.
    """
    step = minor_unit(currency)
    pr.components = {}
    for ln in pr.lines:
        exact = ln.amount / rate
        paid = round_to(exact, step, "half_up")
        ln.note = (ln.note + "; " if ln.note else "") + \
            f"paid in {currency}: {plan_currency} {fmt_money(ln.amount)} / {rate} = {exact:.6f}" \
            f" -> {currency} {fmt_money(paid, max(0, -step.as_tuple().exponent))}"
        ln.amount = paid
        pr.components[ln.component] = pr.components.get(ln.component, Decimal(0)) + paid
    pr.currency = currency


def _bottom_up(ids: list[str], reports: dict[str, list[str]]) -> list[str]:
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
    if inp is None or payee is None:
        return period.days, period.days
    start = payee.get(inp.start) if inp.start else None
    end = payee.get(inp.end) if inp.end else None
    first = max(period.start, start) if start else period.start
    last = min(period.end, end) if end else period.end
    return max(0, (last - first).days + 1), period.days


def _earn(e: EarningStep, env: Env, pid: str, step, mode, pr) -> list[Line]:
    """The lines of one earning for one payee, each rounded on its own."""
    lines: list[Line] = []
    rule = str(e.pos)
    rounder = _rounder(step, mode)
    explain = e.value.explain
    if e.spec.each:
        when = e.when.fast if e.when is not None else None
        for row in env.sets.get(e.spec.each, ()):
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
        return lines
    if e.when is not None:
        ok = e.when.fast(env, None)
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
    amount = rounder(value)
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
        inputs = {label: fn(env, _NO_ROW) for label, fn, t in e.inputs} if e.inputs else {}
        return Line(0, pid, e.name, kind, amount, value, rule, formula, [], inputs, tiers,
                    before, after, rounding, None, "")
    inputs = {label: fn(env, row) for label, fn, t in e.inputs} if e.inputs else {}
    d = row["_order"][0]
    ln = Line(0, pid, e.name, kind, amount, value, rule, formula,
              [f"{e.source}:{row['_key']}"], inputs, tiers, before, after, rounding,
              d if d is not MIN_DATE else None, "")
    if "_split_src" in row or "_via" in row or "_fx" in row:
        _line_notes(ln, row)
    return ln


_NO_ROW: dict = {}


def _line_notes(ln: Line, row: dict) -> None:
    notes = []
    if row.get("_split_src"):
        ln.sources.append(row["_split_src"])
    if row.get("_via"):
        notes.append(f"credited through {row['_via']}")
    if row.get("_fx"):
        notes.append(row["_fx"])
    if row.get("_share") is not None:
        notes.append(f"split share {fmt_value(row['_share'], _ratio())}")
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
