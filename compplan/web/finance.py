"""Finance's page of an open period (issue 18): the month's accrual as kept in the store
(per payee and component, its control total, the true-up against the period's run) and
the quarter's forecast (at pace, and from the pipeline kept with the period: low,
expected, high; per payee, team and plan, with the tiers, gates and caps crossed).

Every figure comes from compplan.finance (the functions `compplan accrue`, `accruals
true-up` and `forecast` use): this module picks, labels and formats them, so the page
cannot disagree with the books or the command line.

The pages are in the reader's words and numbers (issue 15), from the statements'
catalogs and render/locale.py's Fmt: finance and admin read a plan's pages in the plan's
`locale:` (the default of its statements), a manager the team forecast in their own
payee's (team.reader_fmt). One money format on a page: Fmt.money, shown half up.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from starlette.responses import Response

from ..engine.data import Table
from ..errors import CompplanError
from ..finance import ledger
from ..finance.accrue import Accrual
from ..finance.forecast import PIPELINE_FILE, Forecast, project
from ..render.locale import Fmt, resolve
from ..render.statement import text_of
from ..store.finance import AccrualRow
from .endpoint import Ctx, page
from .live import LivePlan, Portal
from .security import Refused
from .words import before_words, fmt_for, locale_of


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
    labels: dict[str, str]  # component -> its label in the reader's language
    payees: list[PayeeAccrual]
    component_totals: list[tuple[str, str]]
    earned: str
    before: str
    control: str  # the kept control total
    lines_total: str  # the lines added up again
    ties: bool
    true_up: ledger.TrueUp | None
    true_up_by: list[tuple[str, str]] = field(default_factory=list)  # label, amount


def component_labels(lp: LivePlan, f: Fmt) -> dict[str, str]:
    """Each earning's label in the reader's language, as their statements have it."""
    return {e.name: text_of(e.spec.label, f.locale.language) or e.label
            for e in lp.compiled.earnings}


def accrual_view(db, lp: LivePlan, f: Fmt) -> AccrualView | None:
    """The latest accrual kept for the open period, and its true-up against the
    period's run where there is one, with amounts in `f`'s money format."""
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
    if row.currency and row.currency != f.currency:  # the books' currency, as kept
        f = Fmt(f.code, row.currency)
    money = f.money
    payees = [PayeeAccrual(pid, first[pid].name or lp.payee_name(pid), first[pid].cost_centre,
                           {c: money(v) for c, v in per[pid].items()},
                           money(totals[pid])) for pid in sorted(per)]
    run = ledger.period_run(db, lp.plan_id, lp.period.label)
    labels = component_labels(lp, f)
    true_up = ledger.true_up_in(db, run.id) if run is not None else None
    return AccrualView(row, acc, comps, {c: labels.get(c, c) for c in comps}, payees,
                       [(c, money(v)) for c, v in acc.by("component").items()],
                       money(acc.total("earned")), money(acc.total("before")),
                       money(row.amount), money(acc.total()),
                       row.amount == acc.total(), true_up,
                       [(labels.get(c, c), money(v)) for c, v in true_up.by().items()]
                       if true_up is not None else [])


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


# the outcomes' names and the crossings' words, said through the catalogs
OUTCOME_WORDS = ("to date", "at pace", "low", "expected", "high")


def crossing_words(c, f: Fmt) -> str:
    """A tier, gate or cap crossed (finance/forecast.Crossing) in the reader's words; a
    plain text (an older cached forecast) as it is."""
    kind = getattr(c, "kind", None)
    if kind == "tier":
        return f._("{table} tier {frm} → {to}", table=c.name, frm=c.frm, to=c.to)
    if kind == "gate met":
        return f._("{name}: gate met", name=c.name)
    if kind == "gate missed":
        return f._("{name}: gate missed", name=c.name)
    if kind == "cap reached":
        return f._("{name}: cap reached", name=c.name)
    return str(c)


def basis_words(basis: str, f: Fmt) -> str:
    """How the share gone by is counted (finance/forecast.elapsed's texts)."""
    if basis == "calendar days":
        return f._("calendar days")
    head = "working days (calendar "
    if basis.startswith(head) and basis.endswith(")"):
        return f._("working days (calendar {name})", name=basis[len(head):-1])
    return basis


def share(value, f: Fmt) -> str:
    """An attainment as the forecast shows it: a tenth of a percent at most (half up,
    render/locale.shown_to), '—' where there is none."""
    return "—" if value is None else f.percent(value, 1)


def forecast_rows(fc: Forecast, f: Fmt, payees: list[tuple[str, int]] | None = None
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
                               [(share(p.attainment[o], f), f.money(p.pay[o]))
                                for o in fc.outcomes],
                               [f"{f._(o)}: {', '.join(crossing_words(x, f) for x in c)}"
                                for o, c in p.changes.items() if c]))
    return out


def forecast_view(portal: Portal, lp: LivePlan, as_of: dt.date, f: Fmt,
                  payees: list[tuple[str, int]] | None = None,
                  total_label: str = "") -> ForecastView:
    """The forecast as a page shows it, in `f`'s words and numbers: every payee with
    each team and the plan, or only `payees` (a manager's hierarchy) with their total."""
    fc, problem = live_forecast(portal, lp, as_of)
    view = ForecastView(fc, as_of, problem, PIPELINE_FILE in lp.forecast_files)
    if fc is None:
        return view
    if fc.currency and fc.currency != f.currency:
        f = Fmt(f.code, fc.currency, f.places)
    view.rows = forecast_rows(fc, f, payees)
    if payees is not None:
        mine = {pid for pid, _ in payees}
        view.totals = [(total_label, [f.money(fc.total(o, payees=mine))
                                      for o in fc.outcomes])]
        return view
    for team in fc.teams():
        view.totals.append((f._("Team of {name}", name=lp.payee_name(team)),
                            [f.money(fc.total(o, team)) for o in fc.outcomes]))
    view.totals.append((f._("Plan {plan}", plan=lp.plan_id),
                        [f.money(fc.total(o)) for o in fc.outcomes]))
    return view


def as_of_day(ctx: Ctx, lp: LivePlan) -> dt.date:
    """?as_of=YYYY-MM-DD, a day of the period; else the portal's day."""
    text = ctx.query("as_of", "", limit=10)
    if not text:
        return ctx.portal.today(lp)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(400, "'{text}' is not a date", "write YYYY-MM-DD", params={"text": text})
    if not lp.period.start <= day <= lp.period.end:
        raise Refused(400, "{day} is not in {period} ({start} to {end})",
                      params={"day": day, "period": lp.period.label,
                              "start": lp.period.start, "end": lp.period.end})
    return day


def period_over(ctx: Ctx, lp: LivePlan) -> bool:
    """Whether the real day (or the portal's as-of day) is past the period's end: the
    forecast at the end is then the figures themselves."""
    return (ctx.portal.as_of or dt.date.today()) > lp.period.end


# ------------------------------------------------------------------ pages

@page(roles=("finance", "admin"))
def finance_index(ctx: Ctx) -> Response:
    """Every open period with its latest accrual: the page's words in the plans' locale
    (English where the plans differ), each amount in its own plan's money format."""
    plans = list(ctx.portal.plans.values())
    rows = []
    for lp in plans:
        last = ledger.last_accrual(ctx.db, lp.plan_id, lp.period.label)
        pf = fmt_for(lp)
        if last is not None and last.currency and last.currency != pf.currency:
            pf = Fmt(pf.code, last.currency)
        rows.append((lp, last, pf.money(last.amount) if last is not None else "",
                     pf.date(last.as_of) if last is not None else ""))
    codes = {locale_of(lp) for lp in plans}
    f = Fmt(codes.pop() if len(codes) == 1 else resolve(None)[0], "USD")
    return ctx.render("finance_index.html", rows=rows, f=f)


@page(roles=("finance", "admin"))
def finance_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    day = as_of_day(ctx, lp)
    f = fmt_for(lp)  # finance reads a plan as its statements' default language writes it
    accrual = accrual_view(ctx.db, lp, f)
    forecast = forecast_view(ctx.portal, lp, day, f)
    return ctx.render("finance.html", lp=lp, accrual=accrual, forecast=forecast, f=f,
                      today=f.date(day), over=period_over(ctx, lp) and not ctx.query("as_of"),
                      basis=basis_words(forecast.fc.basis, f) if forecast.fc else "",
                      before_words=before_words)
