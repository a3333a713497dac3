"""A payee's live figures as the pages show them, every number from the engine.

Attainment for today, this week and this month comes from the live run's `span()` (the
period's credits dated in the part, targets split as a run for that part would split
them); the estimate from `what_if()` (the engine pays a hypothetical transaction on a
copy of the payee's credits). Nothing here computes pay itself: it picks, labels and
formats what the engine worked out, so the portal can never disagree with a run.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..engine.money import fmt_money
from ..engine.results import PayeeResult
from ..lang.types import RATIO
from ..periods import Period, parse_period
from .live import LivePlan, Portal, rejection

ONE_DECIMAL = Decimal("0.1")


def pct(value) -> str:
    """A ratio as a page shows it: 1.08333 -> '108.3%'; None -> '—'."""
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)}%"


def ratio_measures(lp: LivePlan) -> list[str]:
    return [m.name for m in lp.compiled.measures
            if m.expr.type is not None and m.expr.type.kind == RATIO]


def headline(lp: LivePlan) -> str | None:
    """The measure a bar shows: 'attainment' if the plan has it, else its first ratio."""
    names = ratio_measures(lp)
    return "attainment" if "attainment" in names else (names[0] if names else None)


@dataclass
class Bar:
    title: str  # Today, This week, March, 2026-Q1
    dates: str
    measure: str
    value: Decimal | None
    shown: str
    fill: int  # 0-100: the bar's length (full at 100% and above)
    label: str = ""  # the measure as the plan labels it for people (else its name)


def _part(kind: str, label: str, start: dt.date, end: dt.date, period: Period) -> Period:
    start, end = max(start, period.start), min(end, period.end)
    if kind == "month" and (start, end) == (parse_period(label).start, parse_period(label).end):
        return parse_period(label)
    return Period("span", label, start, end)


def parts(lp: LivePlan, today: dt.date) -> list[tuple[str, Period]]:
    """Today, this week, this month and the period, each once (a monthly plan's month
    is its period), cut to the period."""
    p = lp.period
    monday = today - dt.timedelta(days=today.weekday())
    month = parse_period(f"{today.year}-{today.month:02d}")
    out = [("Today", _part("day", today.isoformat(), today, today, p)),
           ("This week", _part("week", f"week of {monday.isoformat()}", monday,
                               monday + dt.timedelta(days=6), p)),
           (today.strftime("%B"), _part("month", month.label, month.start, month.end, p)),
           (p.label, p)]
    seen, kept = set(), []
    for title, part in out:
        key = (part.start, part.end)
        if key not in seen:
            seen.add(key)
            kept.append((title, part))
    return kept


def bars(portal: Portal, lp: LivePlan, pid: str) -> list[Bar]:
    measure = headline(lp)
    result = lp.run.payee(pid)
    if measure is None or result is None:
        return []
    spec = lp.compiled.plan.measures.get(measure)
    label = (spec.label.text_for("en") if spec is not None and spec.label is not None
             else measure)
    out = []
    for title, part in parts(lp, portal.today(lp)):
        got = result if part == lp.period else lp.run.span(pid, part)
        value = got.measure_values.get(measure) if got is not None else None
        fill = 0 if value is None else int(min(max(Decimal(value), Decimal(0)), Decimal(1))
                                           * 100)
        dates = part.start.isoformat() if part.start == part.end else \
            f"{part.start.isoformat()} to {part.end.isoformat()}"
        out.append(Bar(title, dates, measure, value, pct(value), fill, label))
    return out


@dataclass
class Earned:
    name: str
    label: str
    amount: Decimal
    shown: str


def earned(lp: LivePlan, result: PayeeResult) -> list[Earned]:
    """Each component the payee has a line or an amount in (a rep's page does not list
    the managers' components at 0)."""
    labels = {e.name: e.label for e in lp.compiled.earnings}
    with_lines = {ln.component for ln in result.lines}
    return [Earned(k, labels.get(k, k.replace("_", " ").capitalize()), v, fmt_money(v))
            for k, v in result.components.items() if v or k in with_lines]


@dataclass
class NextTier:
    table: str
    basis: str
    now: str
    rate_now: str
    next_from: str | None  # None: in the top tier
    next_rate: str | None
    to_go: str | None


def _rate(rate: Decimal, per_unit: bool) -> str:
    return fmt_money(rate) + " per unit" if per_unit else pct(rate).replace(".0%", "%")


def next_tiers(lp: LivePlan, result: PayeeResult) -> list[NextTier]:
    """For each tier table on a measure that pays this payee: the tier they are in, the
    next one, what it pays and how far it is."""
    plan = lp.compiled.plan
    paid = {ln.component for ln in result.lines}
    texts = [e.value.text for e in lp.compiled.earnings if e.name in paid]
    out = []
    for name, table in lp.compiled.tier_tables.items():
        spec = plan.rates.get(name)
        basis = str(spec.basis) if spec is not None and spec.basis is not None else None
        if basis is None or basis not in result.measure_values:
            continue
        if texts and not any(name in t for t in texts):
            continue  # a table for other payees (a manager's, on a rep's page)
        value = result.measure_values[basis]
        if value is None:
            continue
        value = Decimal(value)
        band = table.band_at(value)
        if band is None:
            continue
        mtype = next((m.expr.type for m in lp.compiled.measures if m.name == basis), None)
        show = pct if mtype is not None and mtype.kind == RATIO else fmt_money
        nxt = next((b for b in table.bands if b.index == band.index + 1), None)
        out.append(NextTier(name, basis, show(value), _rate(band.rate, table.per_unit),
                            show(nxt.low) if nxt else None,
                            _rate(nxt.rate, table.per_unit) if nxt else None,
                            show(nxt.low - value) if nxt else None))
    return out


@dataclass
class Estimate:
    """What a hypothetical transaction would do, as the engine works it out."""

    sentence: str = ""
    earns: Decimal | None = None
    components: list[tuple[str, str]] = field(default_factory=list)  # label, change
    measures: list[tuple[str, str, str]] = field(default_factory=list)  # name, now, after
    managers: int = 0  # managers above whose figures it would also move
    rejected: list[dict] = field(default_factory=list)


def estimate_form(lp: LivePlan, pid: str, input_name: str) -> dict[str, str]:
    """The fields of a hypothetical transaction a person fills in: every column but the
    id, payee and date (those are the estimate's own); texts filled like the payee's
    latest transaction, so a product or type the plan needs has a value."""
    inp = lp.compiled.plan.inputs[input_name]
    latest = _latest_credited(lp, pid, input_name)
    if latest is None:
        for row in reversed(lp.run.tables[input_name].rows):
            if inp.payee and str(row.get(inp.payee)) == pid:
                latest = row
                break
    fields = {}
    for col, kind in inp.columns.items():
        if col in (inp.key, inp.payee, inp.date, inp.period):
            continue
        value = latest.get(col) if latest else None
        fields[inp.rename.get(col, col)] = "" if value is None or kind in (
            "money", "number", "integer", "ratio", "percent") else str(value)
    return fields


def _latest_credited(lp: LivePlan, pid: str, input_name: str) -> dict | None:
    """The payee's own latest transaction that earned a credit (date, then id order)."""
    sets = lp.run.prep.credits.get(pid, {})
    for step in lp.compiled.credits:
        if step.spec.from_ != input_name:
            continue
        own = [r for r in sets.get(step.name, ()) if not r.get("_via")]
        if own:
            return own[-1]
    return None


def money_column(lp: LivePlan, input_name: str) -> str | None:
    inp = lp.compiled.plan.inputs[input_name]
    for col, kind in inp.columns.items():
        if kind == "money":
            return inp.rename.get(col, col)
    return None


def estimate(portal: Portal, lp: LivePlan, pid: str, input_name: str,
             values: dict[str, str]) -> Estimate:
    inp = lp.compiled.plan.inputs[input_name]
    today = portal.today(lp)
    record = {c: "" for c in lp.columns(input_name)}
    record.update({k: v for k, v in values.items() if k in record})
    record[inp.rename.get(inp.key, inp.key)] = "what-if"
    record[inp.rename.get(inp.payee, inp.payee)] = pid
    if inp.date:
        record[inp.rename.get(inp.date, inp.date)] = today.isoformat()
    if inp.period:
        record[inp.rename.get(inp.period, inp.period)] = lp.period.label
    got = lp.run.what_if(input_name, [record])
    if got.rejected:
        return Estimate(rejected=[rejection(p) for p in got.rejected])
    before = lp.run.payee(pid)
    after = got.after.get(pid, before)  # not credited to the payee: nothing changes
    earns = (after.total if after else Decimal(0)) - (before.total if before else Decimal(0))
    labels = {e.name: e.label for e in lp.compiled.earnings}
    comps = []
    for k, v in (after.components.items() if after else ()):
        change = v - (before.components.get(k, Decimal(0)) if before else Decimal(0))
        if change:
            comps.append((labels.get(k, k), ("+" if change > 0 else "") + fmt_money(change)))
    measures = [(name, pct(before.measure_values.get(name) if before else None),
                 pct(after.measure_values.get(name) if after else None))
                for name in ratio_measures(lp)]
    head = headline(lp)
    money = money_column(lp, input_name)
    amount = values.get(money, "") if money else ""
    what = f"A {_amount(amount)} " if amount else "A "
    when = "today" if today == (portal.as_of or dt.date.today()) else \
        f"on {today.isoformat()}"
    sentence = f"{what}{input_name.rstrip('s')} closed {when} earns {fmt_money(earns)}"
    if pid not in got.after:
        sentence += ": the plan does not credit it to you"
    elif head and after is not None:
        sentence += f" and moves you to {pct(after.measure_values.get(head))}"
    return Estimate(sentence + ".", earns, comps, measures, max(0, len(got.after) - 1))


def _amount(text: str) -> str:
    try:
        return fmt_money(Decimal(text.replace(",", "").strip()))
    except ArithmeticError:
        return text


# ------------------------------------------------------------------ the team

def elapsed(portal: Portal, lp: LivePlan) -> Decimal:
    """The share of the period gone by, counting today."""
    today = portal.today(lp)
    return Decimal((today - lp.period.start).days + 1) / Decimal(lp.period.days)


@dataclass
class TeamRow:
    payee: str
    name: str
    depth: int
    manager: str
    attainment: Decimal | None
    attainment_shown: str
    pace: Decimal | None  # attainment on this pace at the period's end
    pace_shown: str
    behind: bool
    total: Decimal
    total_shown: str


SORTS = ("name", "attainment", "pace", "total")


def team(portal: Portal, lp: LivePlan, manager: str, sort: str = "attainment",
         descending: bool = True) -> list[TeamRow]:
    head = headline(lp)
    gone = elapsed(portal, lp)
    rows = []
    for pid, depth in lp.reports(manager):
        result = lp.run.payee(pid)
        att = result.measure_values.get(head) if result is not None and head else None
        att = Decimal(att) if att is not None else None
        pace = att / gone if att is not None and gone else None
        total = result.total if result is not None else Decimal(0)
        rows.append(TeamRow(pid, lp.payee_name(pid), depth, lp.managers.get(pid, ""), att,
                            pct(att), pace, pct(pace), pace is not None and pace < 1,
                            total, fmt_money(total)))
    if sort == "name":
        rows.sort(key=lambda r: r.name.lower(), reverse=descending)
    else:
        missing = Decimal("-1e30")
        rows.sort(key=lambda r: getattr(r, sort) if getattr(r, sort) is not None
                  else missing, reverse=descending)
    return rows


@dataclass
class Sales:
    days: list[dt.date]
    months: list[Period]
    rows: list[tuple[str, str, list[str], list[str]]]  # payee, name, by day, by month


def sales(portal: Portal, lp: LivePlan, pids: list[str], days: int = 7) -> Sales:
    """Each payee's own credited sales (not what rolls up to them) by day, for the last
    `days` days of the period to today, and by month of the period."""
    today = portal.today(lp)
    day_list = [d for d in (today - dt.timedelta(days=i) for i in range(days - 1, -1, -1))
                if d >= lp.period.start]
    months, d = [], lp.period.start
    while d <= min(today, lp.period.end):
        m = parse_period(f"{d.year}-{d.month:02d}")
        months.append(m)
        d = m.end + dt.timedelta(days=1)
    credit = lp.compiled.credits[0].name if lp.compiled.credits else None
    out = []
    for pid in pids:
        by_day = {x: Decimal(0) for x in day_list}
        by_month = [Decimal(0) for _ in months]
        for r in (lp.run.prep.credits.get(pid, {}).get(credit, ()) if credit else ()):
            if r.get("_via"):
                continue
            when, value = r["_order"][0], r.get("value") or Decimal(0)
            if when in by_day:
                by_day[when] += value
            for i, m in enumerate(months):
                if m.start <= when <= m.end:
                    by_month[i] += value
        out.append((pid, lp.payee_name(pid), [fmt_money(by_day[x]) for x in day_list],
                    [fmt_money(v) for v in by_month]))
    return Sales(day_list, months, out)
