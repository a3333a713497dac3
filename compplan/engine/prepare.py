"""A period's data made ready for the payee stage: checked against the plan, credited.

Stage by stage over whole tables: payees and their managers; the row of each
one-row-per-payee table for the period (a longer target split, shorter ones added up);
amounts converted to the plan currency; then credits from every transaction of the
period, split and rolled up, grouped by payee in the order tiers take them. Data
problems (an unknown payee, a split that does not add up, a payee without a quota) are
collected, all of them, before anything is paid.
"""
from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..errors import Problem
from .formula import fmt_value
from .python.compile import Env
from .data import ROW, Table
from . import hierarchy as hierarchy_mod
from .fx import Rates
from .ir import CompiledPlan
from .money import divide, fmt_money, multiply, scale
from .periods import Period, parse_period, periods_of
from .plausible import plausibility
from .windows import covers_period, spans as window_spans


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
    hierarchy: hierarchy_mod.Hierarchy | None = None  # who reports to whom, on each day


def prepare(compiled: CompiledPlan, tables: dict[str, Table], period: Period) -> Prepared:
    """Check the data against the plan and build credits. Problems are collected."""
    plan = compiled.plan
    problems: list[Problem] = []
    # amounts as the files give them (before any currency is converted)
    warnings: list[Problem] = plausibility(compiled, tables)
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
    # reporting lines with dates: who a rollup or team() credits on each day
    hierarchy = hierarchy_mod.build(compiled, tables, payees, problems,
                                    (period.start, period.end))
    if hierarchy.has_dates:
        hierarchy_mod.check_loops(hierarchy, period.start, period.end,
                                  tables[hierarchy_mod.reporting_input(plan)].file, problems)

    def payee_ok(pid, table: Table, row, col) -> bool:
        if known is not None and pid not in known:
            problems.append(Problem(table.file, None, None, f"unknown payee '{pid}'",
                                    "add them to payees, or correct the id",
                                    code="unknown-payee", row=row[ROW], column=col))
            return False
        return True

    # per-payee tables (quotas, KPIs): the row for this period, or a longer one split
    per_payee, per_payee_sets = per_payee_rows(compiled, tables, period, payees, payee_ok,
                                                problems)
    # windows (ytd(), trailing() ...): targets over each window's days, the periods' rows
    # added up, a longer one split by days (or by the weights of the plan's periods in it)
    spans = window_spans(compiled, period)
    for key, span in spans.items():
        w_rows, w_sets = per_payee_rows(compiled, tables, span, payees, lambda *a: True, [],
                                         check_missing=False, kind=plan.period)
        for pid, by_table in w_rows.items():
            for table_name, row in by_table.items():
                per_payee.setdefault(pid, {})[f"{table_name}@{key}"] = row
        for pid, by_table in w_sets.items():
            for table_name, rows in by_table.items():
                per_payee_sets.setdefault(pid, {})[f"{table_name}@{key}"] = rows

    tables, rates = convert_currencies(compiled, tables, period, problems)

    # transaction tables: rows of the period, per payee
    credits: dict[str, dict[str, list[dict]]] = {}
    for pid, sets in per_payee_sets.items():
        credits.setdefault(pid, {}).update(sets)
    used_sets = {r.name for r in compiled.checked.resolved.values()
                 if r.kind in ("set", "set_column")}
    for name, inp in plan.inputs.items():
        if not inp.key or name not in tables or not inp.payee:
            continue
        grouped = name in used_sets
        sets_of = _sets_by_date(name, period, spans)
        for row in tables[name].rows:
            names = sets_of(row.get(inp.date) if inp.date else None)
            if not names:
                continue
            pid = str(row[inp.payee])
            if payee_ok(pid, tables[name], row, inp.payee) and grouped:
                for set_name in names:
                    credits.setdefault(pid, {}).setdefault(set_name, []).append(row)

    splits = _splits(compiled, tables, problems)
    make_credits(compiled, tables, period, payees, known, splits, credits, hierarchy)
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
    return Prepared(payees, credits, per_payee, problems, warnings, rates, splits, known,
                    hierarchy)


def make_credits(compiled: CompiledPlan, tables: dict[str, Table], period: Period,
                 payees: dict, known: set | None, splits: dict,
                 credits: dict[str, dict[str, list[dict]]],
                 hierarchy: hierarchy_mod.Hierarchy | None = None) -> set[str]:
    """Credits from the rows of `tables`, added to each payee's sets (unsorted).

    Returns the payees who received credits (rollups included). Used by prepare for the
    whole period, and by a live run for the rows that just arrived.
    """
    plan = compiled.plan
    payees_inp = plan.inputs.get("payees")
    if hierarchy is None:
        hierarchy = hierarchy_mod.Hierarchy(payees, payees_inp.manager if payees_inp else None)
    env = Env(compiled.params, period.attrs(), payees, compiled.python)
    touched: set[str] = set()
    spans = window_spans(compiled, period)
    for step in compiled.credits:
        src_inp = plan.inputs[step.spec.from_]
        table = tables.get(step.spec.from_)
        if table is None:
            continue
        payee_col = step.spec.payee or src_inp.payee
        env.payee_of_row = (lambda row, c=payee_col: payees.get(str(row.get(c)))) \
            if payee_col else (lambda row: None)
        when = env.fns.fast(step.when) if step.when else None
        value = env.fns.fast(step.value)
        date_col, key_col, name = src_inp.date, src_inp.key, step.name
        # with windows, credits dated in one go to '<set>@<window>' as well ('sales@ytd')
        sets_of = _sets_by_date(name, period, spans)
        rollup = step.spec.rollup if payees_inp is not None else None
        for row in table.rows:
            d = row.get(date_col) if date_col else None
            targets = sets_of(d)
            if not targets:
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
                credit = {**row, "value": v if share is None or v is None else multiply(v, share),
                          "_credit": name, "_key": key, "_cid": key,
                          "_order": (d or MIN_DATE, key), "_payee": pid}
                if share is not None:
                    credit["_share"], credit["_split_src"] = share, split_src
                sets = credits.get(pid)
                if sets is None:
                    sets = credits[pid] = {}
                touched.add(pid)
                for target in targets:
                    rows = sets.get(target)
                    if rows is None:
                        rows = sets[target] = []
                    rows.append(credit)
                    if rollup is not None:
                        touched |= _roll_up(credit, hierarchy, d, rollup.levels, credits,
                                            target)
    return touched


def _sets_by_date(name: str, period: Period, spans: dict[str, Period]):
    """date -> the sets a row of that date goes to: `name` for the period's own, and
    `name@key` for each window that holds the date. An undated row belongs to the period,
    and to every window that holds the whole period."""
    if not spans:
        own = (name,)
        return lambda d: own if d is None or period.start <= d <= period.end else ()
    first = min([period.start] + [s.start for s in spans.values()])
    last = max([period.end] + [s.end for s in spans.values()])
    undated = (name,) + tuple(f"{name}@{k}" for k, s in spans.items()
                              if covers_period(s, period))
    cache: dict = {}

    def sets_of(d):
        if d is None:
            return undated
        if not first <= d <= last:
            return ()
        got = cache.get(d)
        if got is None:
            got = cache[d] = ((name,) if period.start <= d <= period.end else ()) + tuple(
                f"{name}@{k}" for k, s in spans.items() if s.start <= d <= s.end)
        return got
    return sets_of


def sort_sets(compiled: CompiledPlan, sets: dict[str, list[dict]],
              new: set[str] | None = None, id_of=None) -> None:
    """A payee's credits in the order tiers take them: date, then transaction id.

    `new`: the ids (id_of(row)) of the transactions a live batch has just appended to
    the lists, already in order: a list whose new rows follow the others in order is
    left as it is, as a stable sort would leave it (most of a batch's deals are the
    latest of their payee's), and one with no new row is not looked at again."""
    by_order = operator.itemgetter("_order")
    names = {step.name for step in compiled.credits}
    for name, rows in sets.items():
        key = by_order if name.split("@")[0] in names else _row_order
        if new is not None and _in_order(rows, key, new, id_of):
            continue
        rows.sort(key=key)


def _in_order(rows: list[dict], key, new: set[str], id_of) -> bool:
    """Whether the rows are in order, given that those before the run of new ones at
    the end were (an earlier row with a new id in that run is checked with it)."""
    i = len(rows)
    while i > 0 and id_of(rows[i - 1]) in new:
        i -= 1
    tail = [key(r) for r in rows[max(i - 1, 0):]]
    return all(a <= b for a, b in zip(tail, tail[1:]))


def per_payee_rows(compiled, tables, period, payees, payee_ok, problems,
                    check_missing: bool = True, kind: str | None = None):
    """payee -> table -> the row for this period; and payee -> table -> rows (for `by`).

    Targets may be set for any span. For each payee (and `by` key) the most specific
    rows win:
      1. a row for exactly the run's period;
      2. rows for shorter spans inside it (daily or weekly targets in a monthly plan),
         whose amounts and counts are added up;
      3. a row for a longer span that contains it (a yearly quota in a quarterly plan),
         whose amounts are split by the input's `weights` (by the period's number within
         the span: month 3, quarter 1) or else by days.
    Shares are exact fractions and an amount is multiplied before it is divided, so a
    bound stays exact (365,000 a year is 90,000 for Q1, not 90,000.000...01).
    `kind` is the plan's kind of period, when `period` is a span (the year to date).
    """
    plan = compiled.plan
    used = _used_tables(compiled)
    per_payee: dict[str, dict[str, dict]] = {}
    sets: dict[str, dict[str, list[dict]]] = {}
    for name, inp in plan.inputs.items():
        if inp.key or name == "payees" or name not in tables or not inp.payee or inp.manager:
            continue  # (an input with a manager holds reporting lines: hierarchy.py)
        table = tables[name]
        amounts = [c for c, w in inp.columns.items() if w in ("money", "number", "integer")]
        exact: dict[tuple, dict] = {}
        parts: dict[tuple, list[dict]] = {}
        longer: dict[tuple, tuple[dict, Fraction, int]] = {}
        for row in table.rows:
            pid = str(row[inp.payee])
            relation, share, days = "exact", Fraction(1), period.days
            if inp.period:
                relation, share, days = span_relation(str(row.get(inp.period) or ""), period,
                                                       inp.weights, kind)
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
                parts.setdefault(key, []).append((row, share))
            elif key not in longer or days < longer[key][2]:
                longer[key] = (row, share, days)
        chosen: dict[tuple, dict] = {}
        for key, (row, share, _days) in longer.items():
            row = dict(row)
            for col in amounts:
                if row.get(col) is not None:
                    row[col] = scaled_by(row[col], share)
            row["_share_of_period"] = _decimal(share)
            chosen[key] = row
        for key, rows in parts.items():
            row = dict(rows[0][0])
            for col in amounts:
                vals = [(r.get(col), share) for r, share in rows if r.get(col) is not None]
                row[col] = _sum_scaled(vals) if vals else None
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


def convert_currencies(compiled, tables, period, problems):
    """Money in a transaction's own currency -> the plan currency, at the period's rate
    (or, with `fx.at: date`, the rate of the transaction's date; see engine/fx.py).

    The converted amount is the exact product (not rounded); only the line that pays
    on it is rounded. Each converted row keeps a note of the conversion for its lines.
    """
    plan = compiled.plan
    if plan.fx is None or plan.fx.from_ not in tables:
        return tables, {plan.currency: Decimal(1)}
    fx_inp = plan.inputs[plan.fx.from_]
    table_of_rates = Rates(tables[plan.fx.from_], plan.fx.currency, plan.fx.rate,
                           fx_inp.period, fx_inp.date, problems)
    rates = table_of_rates.period_rates(period, plan.currency)
    by_date = plan.fx.at == "date"
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
            day = row.get(inp.date) if by_date and inp.date else None
            if by_date and day is None:
                problems.append(Problem(table.file, None, None,
                                        f"no date to take the {cur} rate of",
                                        "fx.at: date converts each row at its date's rate; "
                                        "fill in the date", code="missing-rate", row=row[ROW],
                                        column=inp.date))
                continue
            rate = table_of_rates.on(cur, day) if by_date \
                else table_of_rates.for_period(cur, period)
            if rate is None:
                when = day.isoformat() if by_date else period.label
                problems.append(Problem(table.file, None, None,
                                        f"no exchange rate for {cur} in {when}",
                                        f"add {cur} to {plan.fx.from_}", code="missing-rate",
                                        row=row[ROW], column=inp.currency))
                continue
            new = dict(row)
            notes = []
            shown = f" ({rate.source})" if by_date and rate.source else ""
            for col in money_cols:
                if new.get(col) is not None:
                    notes.append(f"{col} {cur} {fmt_money(new[col])} x {rate.value}{shown} = "
                                 f"{plan.currency} {fmt_money(multiply(new[col], rate.value))}")
                    new[col] = multiply(new[col], rate.value)
            new["_fx"] = "; ".join(notes)
            converted.append(new)
        out[name] = Table(table.name, table.file, converted)
    return out, rates


def _row_order(row: dict):
    return row.get("_order") or (MIN_DATE, str(row.get(ROW)))


def span_relation(label: str, period: Period, weights: dict, kind: str | None = None):
    """How a row's period relates to the run's: (exact | part | longer | None, share, days).

    share: the exact fraction of the row's amounts that falls in the run's period (all
    of it for a span inside the period; by days, or the plan's weights, for one around
    it or across its edge). `kind`: the plan's kind of period when the run's period is
    a span (the year to date), whose weights are those of the plan's periods in it."""
    if label == period.label:
        return "exact", Fraction(1), period.days
    try:
        p = parse_period(label)
    except ValueError:
        return None, None, 0
    if p == period:
        return "exact", Fraction(1), period.days
    if p.within(period):
        return "part", Fraction(1), p.days
    first, last = max(p.start, period.start), min(p.end, period.end)
    if first > last:
        return None, None, 0
    relation = "longer" if period.within(p) else "part"
    if weights and relation == "longer" and period.kind != "span":
        w = weights.get(str(period.number_within(p)))
        return relation, (Fraction(w) if w is not None else Fraction(0)), p.days
    weighted = _weighted_share(p, first, last, weights, kind) if kind else None
    if weighted is not None:
        return relation, weighted, p.days
    if relation == "longer":
        return relation, period.share_of(p), p.days
    # a span across the period's edge (a week from March into April): the days of it
    # inside the period count, as a part
    return "part", Fraction((last - first).days + 1, p.days), p.days


def _weighted_share(p: Period, first: dt.date, last: dt.date, weights: dict,
                    kind: str) -> Fraction | None:
    """The weights of the plan's periods in `p` from `first` to `last` (quarter 3 alone,
    or quarters 1 to 3 for the year to date), added up; None when the weights do not
    apply (none given, or `p` is not made of the plan's periods)."""
    if not weights or kind == "span":
        return None
    try:
        parts = periods_of(kind, p.start, p.end)
    except (KeyError, ValueError):
        return None
    if len(parts) < 2 or parts[0].start != p.start or parts[-1].end != p.end:
        return None
    total = Fraction(0)
    for q in parts:
        if first <= q.start and q.end <= last:
            w = weights.get(str(q.number_within(p)))
            total += Fraction(w) if w is not None else 0
    return total


def scaled_by(amount, share: Fraction) -> Decimal:
    """amount x share, multiplied before it is divided: one rounding (at 16 places, by the
    arithmetic rule), and none at all when the result is exact (365,000 x 90 / 365 =
    90,000)."""
    if share == 1:
        return amount if isinstance(amount, Decimal) else Decimal(amount)
    return scale(Decimal(amount), share.numerator, share.denominator)


def _sum_scaled(parts: list) -> Decimal:
    """The sum of amount x share over (amount, share) pairs, worked out exactly and
    divided once: 700 x 1/7 + 700 x 6/7 is 700, not 699.999...9."""
    if all(share == 1 for _, share in parts):
        return sum((Decimal(v) for v, _ in parts), Decimal(0))
    total = sum((Fraction(Decimal(v)) * share for v, share in parts), Fraction(0))
    return _decimal(total)


def _decimal(f: Fraction) -> Decimal:
    return divide(f.numerator, f.denominator)


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


def _roll_up(credit: dict, hierarchy: hierarchy_mod.Hierarchy, day, levels, credits: dict,
             target: str) -> set[str]:
    """Copies of a credit for the payee's managers, up `levels` levels, as the hierarchy
    stood on the credit's date (an undated credit: the payees table's managers)."""
    depth = 0
    managers: set[str] = set()
    pid = credit["_payee"]
    via = pid
    limit = None if levels == "all" else int(levels)
    while True:
        mgr = hierarchy.manager_at(pid, day)
        if not mgr or mgr in managers or mgr == credit["_payee"]:
            return managers
        depth += 1
        if limit is not None and depth > limit:
            return managers
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
                                        f"{fmt_value(total, ratio_type())}, not 100%",
                                        "correct the shares so each transaction is credited "
                                        "once in full", code="split-total",
                                        row=rows[0][ROW], column=sp.share))
                continue
            out[(step.name, key)] = [(str(r[split_inp.payee]), r[sp.share],
                                      f"{sp.from_}:row {r[ROW]}") for r in rows]
    return out


def ratio_type():
    from ..lang.types import T_RATIO
    return T_RATIO


# ------------------------------------------------------------------ the payee stage
