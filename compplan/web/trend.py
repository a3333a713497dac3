"""Trend and team figures (issue 15): attainment and pay month by month, drawn as an
inline SVG that reads without JavaScript, and a manager's team with quota, booked, gap,
pace and earned per rep and the team's totals.

Pay in a month is the sum of the payee's lines dated in it (each deal's commission as
the period pays it, tiers and all); lines without a date (a bonus, a cap) are the
period's, shown in its last month so far. A month's attainment is the live run's
`span()` of it: its credits against its share of the target, as the bars show a part.
Worked out once per batch with the page's other figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date

from ..periods import Period, parse_period
from ..render.locale import Fmt
from .figures import elapsed, headline
from .live import LivePlan, Portal
from .stakes import done_and_target, show

ZERO = Decimal(0)
WIDTH, HEIGHT, PAD = 320, 120, 22


@dataclass
class Point:
    label: str
    attainment: Decimal | None
    pay: Decimal
    attainment_shown: str = ""
    pay_shown: str = ""


@dataclass
class Trend:
    points: list[Point]
    svg: dict = field(default_factory=dict)  # what the template draws


def months_so_far(lp: LivePlan, today: dt.date) -> list[Period]:
    out, d = [], lp.period.start
    while d <= min(today, lp.period.end):
        m = parse_period(f"{d.year}-{d.month:02d}")
        out.append(m)
        d = m.end + dt.timedelta(days=1)
    return out


def _month_pay(result, months: list[Period]) -> list[Decimal]:
    pay = [ZERO for _ in months]
    if result is None or not months:
        return pay
    for ln in result.lines:
        when = ln.date
        i = next((k for k, m in enumerate(months) if when is not None
                  and m.start <= when <= m.end), len(months) - 1)
        pay[i] += ln.amount
    return pay


def _cut(part: Period, lp: LivePlan) -> Period:
    start, end = max(part.start, lp.period.start), min(part.end, lp.period.end)
    return part if (start, end) == (part.start, part.end) else Period("span", part.label,
                                                                       start, end)


def _sums(portal: Portal, lp: LivePlan, pids: list[str], f: Fmt) -> tuple[
        list[Period], list[Decimal], list[Decimal], list[Decimal]]:
    """Per month: pay, done and target added over the payees."""
    months = months_so_far(lp, portal.today(lp))
    head = headline(lp)
    pay = [ZERO for _ in months]
    done = [ZERO for _ in months]
    target = [ZERO for _ in months]
    for pid in pids:
        for i, v in enumerate(_month_pay(lp.run.payee(pid), months)):
            pay[i] += v
        if head is None:
            continue
        _, _, whole, _ = done_and_target(lp, pid, head, lp.run.payee(pid), f)
        for i, m in enumerate(months):
            part = _cut(m, lp)
            got = lp.run.payee(pid) if part == lp.period else lp.run.span(pid, part)
            d, _, t, _ = done_and_target(lp, pid, head, got, f, whole=False)
            if d is not None and t is None and whole is not None:
                # nothing done in the month says nothing of its target: the period's
                # split by days, as a run for the month splits it
                t = (Decimal(whole) * part.days / lp.period.days).quantize(Decimal("0.01"))
            if d is not None and t is not None:
                done[i] += Decimal(d)
                target[i] += Decimal(t)
    return months, pay, done, target


def trend(portal: Portal, lp: LivePlan, pids: list[str], f: Fmt) -> Trend:
    months, pay, done, target = _sums(portal, lp, pids, f)
    points = []
    for m, p, d, t in zip(months, pay, done, target):
        att = (d / t) if t else None
        points.append(Point(format_date(m.start, "LLL", locale=f.locale), att, p,
                            f.percent(att, 1) if att is not None else "—", f.money(p)))
    return Trend(points, _svg(points))


def _svg(points: list[Point]) -> dict:
    """Bars for pay (scaled to the largest month), a line for attainment (scaled to the
    larger of 100% and the highest month), a dashed line at 100%."""
    n = len(points)
    if not n:
        return {}
    top_pay = max((p.pay for p in points), default=ZERO) or Decimal(1)
    top_att = max([Decimal(1)] + [p.attainment for p in points if p.attainment is not None])
    inner = HEIGHT - 2 * PAD
    step = (WIDTH - 2 * PAD) / n

    def y_att(a: Decimal) -> float:
        return round(HEIGHT - PAD - float(a / top_att) * inner, 1)
    bars, dots = [], []
    for i, p in enumerate(points):
        x = PAD + i * step
        h = round(float(max(p.pay, ZERO) / top_pay) * inner, 1)
        bars.append({"x": round(x + step * 0.2, 1), "y": round(HEIGHT - PAD - h, 1),
                     "w": round(step * 0.6, 1), "h": h, "label": p.label,
                     "lx": round(x + step / 2, 1), "title": f"{p.label}: {p.pay_shown}, "
                     f"{p.attainment_shown}"})
        if p.attainment is not None:
            dots.append((round(x + step / 2, 1), y_att(p.attainment)))
    return {"w": WIDTH, "h": HEIGHT, "bars": bars, "dots": dots,
            "line": " ".join(f"{x},{y}" for x, y in dots), "hundred": y_att(Decimal(1)),
            "base": HEIGHT - PAD, "left": PAD, "right": WIDTH - PAD}


# ------------------------------------------------------------------ the team

@dataclass
class TeamLine:
    payee: str
    name: str
    depth: int
    quota: Decimal | None
    booked: Decimal | None
    gap: Decimal | None
    attainment: Decimal | None
    pace: Decimal | None
    earned: Decimal
    shown: dict = field(default_factory=dict)


def team_lines(portal: Portal, lp: LivePlan, rows, f: Fmt) -> tuple[list[TeamLine],
                                                                    TeamLine]:
    """Each row of the team page (figures.team's, in its order) with quota, booked and
    gap; and the team's totals: sums of the columns, the team's attainment as booked
    over quota, its pace as that over the share of the period gone."""
    head = headline(lp)
    gone = elapsed(portal, lp)
    out = []
    kinds = (None, None)
    for r in rows:
        result = lp.run.payee(r.payee)
        booked, bkind, quota, qkind = done_and_target(lp, r.payee, head, result, f) \
            if head else (None, None, None, None)
        if bkind:
            kinds = (bkind, qkind)
        booked = Decimal(booked) if booked is not None else None
        quota = Decimal(quota) if quota is not None else None
        gap = max(quota - booked, ZERO) if quota is not None and booked is not None else None
        out.append(TeamLine(r.payee, r.name, r.depth, quota, booked, gap, r.attainment,
                            r.pace, r.total))
    # a manager's own booked counts the team's deals again: totals add up reps alone,
    # the rows that no one in the list reports to
    listed = {x.payee for x in out}
    leaves = [x for x in out if not any(lp.managers.get(y) == x.payee for y in listed)]
    quota = sum((x.quota for x in leaves if x.quota is not None), ZERO)
    booked = sum((x.booked for x in leaves if x.booked is not None), ZERO)
    total = TeamLine("", "", 0, quota, booked,
                     sum((x.gap for x in leaves if x.gap is not None), ZERO),
                     booked / quota if quota else None, None,
                     sum((x.earned for x in out), ZERO))
    total.pace = total.attainment / gone if total.attainment is not None and gone else None
    for x in out + [total]:
        x.shown = {"quota": show(f, x.quota, kinds[1]) or "—",
                   "booked": show(f, x.booked, kinds[0]) or "—",
                   "gap": show(f, x.gap, kinds[1]) or "—",
                   "attainment": _pct(f, x.attainment), "pace": _pct(f, x.pace),
                   "earned": f.money(x.earned)}
    return out, total


def _pct(f: Fmt, v) -> str:
    if v is None:
        return "—"
    return f.percent(Decimal(v).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), 1)


# ------------------------------------------------------------------ the team's sales

@dataclass
class SalesTable:
    columns: list[tuple[str, str]]  # (heading, kind: month | day)
    rows: list[tuple[str, str, list[str], str]]  # payee, name, cells, row total
    totals: list[str]
    total: str
    chart: dict


def weeks_so_far(lp: LivePlan, today: dt.date, count: int) -> list[Period]:
    """The last `count` ISO weeks (Monday to Sunday) up to today's, each cut to the
    period (the quarter's first week may start in the one before)."""
    monday = today - dt.timedelta(days=today.weekday())
    out = []
    for k in range(count - 1, -1, -1):
        start = monday - dt.timedelta(weeks=k)
        end = start + dt.timedelta(days=6)
        if end < lp.period.start:
            continue
        out.append(Period("week", f"{start.isocalendar()[0]}-W{start.isocalendar()[1]:02d}",
                          max(start, lp.period.start), min(end, lp.period.end)))
    return out


def sales_table(portal: Portal, lp: LivePlan, pids: list[str], days: int, f: Fmt,
                weeks: int = 4) -> SalesTable:
    """Each rep's own credited sales (figures.sales's rule: not what rolls up to them),
    months of the period first (a phone shows them without scrolling), then the last
    `weeks` ISO weeks and the last `days` days, with a total per rep and per column,
    and the months as a chart."""
    today = portal.today(lp)
    months = months_so_far(lp, today)
    week_list = weeks_so_far(lp, today, weeks)
    day_list = [d for d in (today - dt.timedelta(days=i) for i in range(days - 1, -1, -1))
                if d >= lp.period.start]
    credit = lp.compiled.credits[0].name if lp.compiled.credits else None
    spans = months + week_list  # columns that add up a span of days
    cols = [(format_date(m.start, "LLLL", locale=f.locale), "month") for m in months] + \
        [(f._("Wk {n}", n=w.start.isocalendar()[1]), "week") for w in week_list] + \
        [(format_date(d, "EEE d", locale=f.locale), "day") for d in day_list]
    sums = [ZERO for _ in cols]
    rows = []
    for pid in pids:
        cells = [ZERO for _ in cols]
        for r in (lp.run.prep.credits.get(pid, {}).get(credit, ()) if credit else ()):
            if r.get("_via"):
                continue
            when, value = r["_order"][0], r.get("value") or ZERO
            for i, m in enumerate(spans):
                if m.start <= when <= m.end:
                    cells[i] += value
            if when in day_list:
                cells[len(spans) + day_list.index(when)] += value
        for i, v in enumerate(cells):
            sums[i] += v
        rows.append((pid, lp.payee_name(pid), [f.amount(v) for v in cells],
                     f.amount(sum(cells[:len(months)], ZERO))))
    points = [Point(label, None, v, "", f.money(v)) for (label, kind), v in zip(cols, sums)
              if kind == "month"]
    return SalesTable(cols, rows, [f.amount(v) for v in sums],
                      f.amount(sum(sums[:len(months)], ZERO)), _svg(points))
