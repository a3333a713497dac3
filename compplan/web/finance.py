"""Finance's page of an open period (issue 18): the month's accrual as kept in the store
(per payee and component, its control total, the true-up against the period's run) and
the quarter's forecast (at pace, and from the pipeline kept with the period: low,
expected, high; per payee, team and plan, with the tiers, gates and caps crossed).

Every figure comes from compplan.finance (the functions `compplan accrue`, `accruals
true-up` and `forecast` use): this module picks, labels and formats them, so the page
cannot disagree with the books or the command line.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from starlette.responses import Response

from ..engine.data import Table
from ..engine.money import fmt_money
from ..errors import CompplanError
from ..finance import ledger
from ..finance.accrue import Accrual
from ..finance.forecast import PIPELINE_FILE, Forecast, project
from ..store.finance import AccrualRow
from .endpoint import Ctx, page, today_text
from .figures import pct
from .live import LivePlan, Portal
from .security import Refused


# ------------------------------------------------------------------ the accrual

@dataclass
class PayeeAccrual:
    payee: str
    name: str
    cost_centre: str
    by_component: dict[str, str]  # component -> the accrual, formatted
    total: str


@dataclass
class AccrualView:
    row: AccrualRow
    acc: Accrual
    components: list[str]
    payees: list[PayeeAccrual]
    component_totals: list[tuple[str, str]]
    earned: str
    before: str
    control: str  # the kept control total
    lines_total: str  # the lines added up again
    ties: bool
    true_up: ledger.TrueUp | None


def accrual_view(db, lp: LivePlan) -> AccrualView | None:
    """The latest accrual kept for the open period, and its true-up against the
    period's run where there is one."""
    last = ledger.last_accrual(db, lp.plan_id, lp.period.label)
    if last is None:
        return None
    row, acc = ledger.stored_in(db, last.id)
    comps = list(acc.by("component"))
    per: dict[str, dict[str, Decimal]] = {}
    for ln in acc.lines:
        per.setdefault(ln.payee, {})[ln.component] = ln.amount
    totals = acc.by("payee")
    first = {}
    for ln in acc.lines:
        first.setdefault(ln.payee, ln)
    payees = [PayeeAccrual(pid, first[pid].name or lp.payee_name(pid), first[pid].cost_centre,
                           {c: fmt_money(v) for c, v in per[pid].items()},
                           fmt_money(totals[pid])) for pid in sorted(per)]
    run = ledger.period_run(db, lp.plan_id, lp.period.label)
    return AccrualView(row, acc, comps, payees,
                       [(c, fmt_money(v)) for c, v in acc.by("component").items()],
                       fmt_money(acc.total("earned")), fmt_money(acc.total("before")),
                       fmt_money(row.amount), fmt_money(acc.total()),
                       row.amount == acc.total(),
                       ledger.true_up_in(db, run.id) if run is not None else None)


# ------------------------------------------------------------------ the forecast

@dataclass
class ForecastRow:
    payee: str
    name: str
    team: str
    depth: int
    cells: list[tuple[str, str]]  # per outcome: attainment, pay (formatted)
    crossed: list[str]


@dataclass
class ForecastView:
    fc: Forecast | None
    as_of: dt.date
    problem: str = ""
    pipeline: bool = False
    rows: list[ForecastRow] = field(default_factory=list)
    totals: list[tuple[str, list[str]]] = field(default_factory=list)  # label, per outcome


def live_forecast(portal: Portal, lp: LivePlan, as_of: dt.date) -> tuple[Forecast | None, str]:
    """The open period's forecast as of a day, with every row ingested so far, and the
    pipeline and calendar kept with the period; worked out once per batch and day.
    (None, why) when the data or the pipeline does not check."""
    key = ("forecast", lp.version, as_of)
    got = lp.cache.get(key)
    if got is not None:
        return got
    with lp.lock:  # a batch may be taken meanwhile: the rows as they stand now
        tables = {k: Table(t.name, t.file, list(t.rows)) for k, t in lp.run.tables.items()}
        files = dict(lp.forecast_files)
    names = {pid: lp.payee_name(pid) for pid in lp.run.results}
    with tempfile.TemporaryDirectory(prefix="compplan-forecast-") as tmp:
        for name, content in files.items():
            (Path(tmp) / Path(name).name).write_bytes(content)
        pipeline = Path(tmp) / PIPELINE_FILE
        try:
            fc = project(lp.compiled, tables, lp.period, as_of, tmp,
                         pipeline if pipeline.is_file() else None, names=names,
                         teams=dict(lp.managers))
            got = (fc, "")
        except (CompplanError, ValueError) as e:
            problems = getattr(e, "problems", None)
            text = "; ".join(f"{p.where}: {p.text}" for p in problems[:3]) if problems \
                else str(e)
            got = (None, text.replace(tmp + "/", "").replace(tmp, "the period's data"))
    lp.cache.put(key, got)
    return got


def forecast_rows(fc: Forecast, payees: list[tuple[str, int]] | None = None
                  ) -> list[ForecastRow]:
    """A row per payee (in `payees`' order and depth, else every payee of the plan)."""
    by_id = {p.payee: p for p in fc.payees}
    order = payees if payees is not None else [(p.payee, 1) for p in fc.payees]
    out = []
    for pid, depth in order:
        p = by_id.get(pid)
        if p is None:
            continue
        out.append(ForecastRow(p.payee, p.name, p.team, depth,
                               [(pct(p.attainment[o]), fmt_money(p.pay[o]))
                                for o in fc.outcomes],
                               [f"{o}: {', '.join(c)}" for o, c in p.changes.items() if c]))
    return out


def forecast_view(portal: Portal, lp: LivePlan, as_of: dt.date,
                  payees: list[tuple[str, int]] | None = None,
                  total_label: str = "") -> ForecastView:
    """The forecast as a page shows it: every payee with each team and the plan, or
    only `payees` (a manager's hierarchy) with their total."""
    fc, problem = live_forecast(portal, lp, as_of)
    view = ForecastView(fc, as_of, problem, PIPELINE_FILE in lp.forecast_files)
    if fc is None:
        return view
    view.rows = forecast_rows(fc, payees)
    if payees is not None:
        mine = {pid for pid, _ in payees}
        view.totals = [(total_label, [fmt_money(fc.total(o, payees=mine))
                                      for o in fc.outcomes])]
        return view
    for team in fc.teams():
        view.totals.append((f"Team of {lp.payee_name(team)}",
                            [fmt_money(fc.total(o, team)) for o in fc.outcomes]))
    view.totals.append((f"Plan {lp.plan_id}", [fmt_money(fc.total(o)) for o in fc.outcomes]))
    return view


def as_of_day(ctx: Ctx, lp: LivePlan) -> dt.date:
    """?as_of=YYYY-MM-DD, a day of the period; else the portal's day."""
    text = ctx.query("as_of", "", limit=10)
    if not text:
        return ctx.portal.today(lp)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"'{text}' is not a date", "write YYYY-MM-DD")
    if not lp.period.start <= day <= lp.period.end:
        raise Refused(400, f"{day} is not in {lp.period.label} ({lp.period.start} to "
                      f"{lp.period.end})")
    return day


def period_over(ctx: Ctx, lp: LivePlan) -> bool:
    """Whether the real day (or the portal's as-of day) is past the period's end: the
    forecast at the end is then the figures themselves."""
    return (ctx.portal.as_of or dt.date.today()) > lp.period.end


# ------------------------------------------------------------------ pages

@page(roles=("finance", "admin"))
def finance_index(ctx: Ctx) -> Response:
    with_accruals = {}
    for lp in ctx.portal.plans.values():
        last = ledger.last_accrual(ctx.db, lp.plan_id, lp.period.label)
        with_accruals[lp.plan_id] = last
    return ctx.render("finance_index.html", plans=list(ctx.portal.plans.values()),
                      accruals=with_accruals, fmt_money=fmt_money)


@page(roles=("finance", "admin"))
def finance_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    day = as_of_day(ctx, lp)
    accrual = accrual_view(ctx.db, lp)
    forecast = forecast_view(ctx.portal, lp, day)
    return ctx.render("finance.html", lp=lp, accrual=accrual, forecast=forecast,
                      fmt_money=fmt_money, today=today_text(day),
                      over=period_over(ctx, lp) and not ctx.query("as_of"))
