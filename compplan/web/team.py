"""A manager's team: everyone below them (direct and indirect reports) with attainment,
pace and earnings, sortable; each name opens that report's own page (drill-down); and
daily and monthly sales per rep.

Admin and finance pick whose team to see with ?under=PAYEE (default: each top manager's
whole tree, i.e. everyone with a manager)."""
from __future__ import annotations

from starlette.responses import JSONResponse, Response

from . import figures, trend
from .auth import own_payee, sees_all
from .endpoint import Ctx, page
from .live import LivePlan
from .security import Refused
from .words import fmt_for


def reader_fmt(ctx: Ctx, lp: LivePlan):
    """The words and number format of a page for the reader (issue 15): a manager's own
    payee locale, as their statements have it; admin and finance, the plan's."""
    mine = own_payee(ctx.account, lp.plan_id)
    return fmt_for(lp, mine if mine in lp.run.results else None)


def _root(ctx: Ctx, lp: LivePlan) -> str | None:
    """Whose reports to list: the manager's own payee; for admin and finance, ?under=."""
    account = ctx.account
    if sees_all(account):
        under = ctx.query("under")
        if under and under not in lp.run.results:
            raise Refused(404, "there is no payee '{payee}' in {plan}",
                          params={"payee": under[:60], "plan": lp.plan_id})
        return under or None
    if account.role != "manager":
        raise Refused(403, "the team pages are for managers")
    mine = own_payee(account, lp.plan_id)
    if mine not in lp.run.results:
        raise Refused(404, "you are not a payee of {plan}", params={"plan": lp.plan_id})
    return mine


def _rows(ctx: Ctx, lp: LivePlan, root: str | None, sort: str, descending: bool):
    if root is not None:
        return figures.team(ctx.portal, lp, root, reader_fmt(ctx, lp), sort, descending)
    tops = sorted({m for m in lp.managers.values() if m not in lp.managers})
    rows = []
    for top in tops:
        rows.extend(figures.team(ctx.portal, lp, top, reader_fmt(ctx, lp), sort, descending))
    return rows


def _sort(ctx: Ctx) -> tuple[str, bool]:
    sort = ctx.query("sort", "attainment")
    if sort not in figures.SORTS:
        raise Refused(400, "cannot sort by '{sort}'", "one of: {choices}",
                      params={"sort": sort[:40], "choices": ", ".join(figures.SORTS)})
    order = ctx.query("order", "desc")
    if order not in ("asc", "desc"):
        raise Refused(400, "order is asc or desc")
    return sort, order == "desc"


@page(roles=("manager", "admin", "finance"))
def team_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    root = _root(ctx, lp)
    sort, descending = _sort(ctx)
    rows = _rows(ctx, lp, root, sort, descending)
    gone = figures.elapsed(ctx.portal, lp)
    f = reader_fmt(ctx, lp)  # issue 15: quota, booked, gap and totals; the team's trend
    lines, total = trend.team_lines(ctx.portal, lp, rows, f)
    runs = trend.stored_runs(ctx.db, lp)
    version = team_version(lp, root)  # another team's batch leaves the trend as it was
    key = ("team-trend", root, version, ctx.portal.today(lp), tuple(r.id for r in runs))
    shown = lp.cache.get(key)
    if shown is None:
        listed = {x.payee for x in lines}
        reps = [x.payee for x in lines if not any(lp.managers.get(y) == x.payee
                                                  for y in listed)]
        shown = trend.trend(ctx.portal, lp, reps, f,
                            trend.stored_points(ctx.db, lp, runs, reps, f))
        lp.cache.put(key, shown)
    return ctx.render("team.html", lp=lp, root=root, rows=rows, sort=sort,
                      descending=descending, elapsed=f.percent(gone, 1),
                      today=f.date(ctx.portal.today(lp)), lines=lines, total=total,
                      trend=shown, f=f, version=version,
                      root_name=lp.payee_name(root) if root else "")


def team_payees(lp: LivePlan, root: str | None) -> list[str]:
    """Whose figures the team page shows: everyone below `root`; with no root (admin's
    and finance's every team), everyone below each top manager."""
    if root is not None:
        return [pid for pid, _ in lp.reports(root)]
    # every top manager's tree in one walk (lp.reports indexes the managers afresh per
    # call: once per top would be tops x payees)
    children: dict[str, list[str]] = {}
    for p, m in lp.managers.items():
        children.setdefault(m, []).append(p)
    out, seen = [], set()
    stack = sorted({m for m in lp.managers.values() if m not in lp.managers})
    seen.update(stack)
    while stack:
        for c in children.get(stack.pop(), ()):
            if c not in seen:
                seen.add(c)
                out.append(c)
                stack.append(c)
    return out


def team_version(lp: LivePlan, root: str | None) -> int:
    """The version of the team's figures: the newest of its payees' own versions
    (LivePlan.payee_version). A batch that works out none of them leaves it as it was,
    so a manager's page is not fetched again for another team's deals (issue 15); one
    that works out any of them sets it to the period's newest version. Worked out once
    per batch and root, however many managers poll."""
    key = ("team-version", root, lp.version)
    got = lp.cache.get(key)
    if got is None:
        got = max((lp.payee_version(p) for p in team_payees(lp, root)),
                  default=lp.base_version)
        lp.cache.put(key, got)
    return got


def _team_polled(request, portal, lp: LivePlan, version: int) -> Response:
    etag = f'"{lp.nonce}-team-{version}-{portal.today(lp).isoformat()}"'
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse({"version": version}, headers={"ETag": etag})


def quick_team(request, account) -> Response | None:
    """team_live on the event loop, for a session this process checked lately (as
    rep.quick_json): the answer when the team's version for this batch is already worked
    out, with no thread and no database; None (the usual way) for anything else."""
    portal = request.app.state.portal
    lp = portal.plans.get(request.path_params["plan"])
    if lp is None:
        return None
    if sees_all(account):
        root = request.query_params.get("under") or None
        if root is not None and (len(root) > 200 or root not in lp.run.results):
            return None
    elif account.role == "manager":
        root = own_payee(account, lp.plan_id)
        if root not in lp.run.results:
            return None
    else:
        return None
    version = lp.cache.get(("team-version", root, lp.version))
    return None if version is None else _team_polled(request, portal, lp, version)


@page(roles=("manager", "admin", "finance"), lane="poll", quick=quick_team)
def team_live(ctx: Ctx) -> Response:
    """What the team page polls (static/decide.js, every 2 s): the version of the team's
    figures, with its ETag, as a rep's live.json has (rep.payee_json): a poll that sends
    it back while none of the team's payees moved is a 304 with no body; a new version
    and the page fetches its table, totals and trend again. Most polls are answered by
    quick_team without a worker thread."""
    lp = ctx.portal.plan(ctx.path("plan"))
    root = _root(ctx, lp)
    return _team_polled(ctx.request, ctx.portal, lp, team_version(lp, root))


@page(roles=("manager", "admin", "finance"))
def sales_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    root = _root(ctx, lp)
    rows = _rows(ctx, lp, root, "name", False)
    days = ctx.query_int("days", 7)
    if not 1 <= days <= 31:
        raise Refused(400, "days is between 1 and 31")
    weeks = ctx.query_int("weeks", 4)
    if not 0 <= weeks <= 53:
        raise Refused(400, "weeks is between 0 and 53")
    f = reader_fmt(ctx, lp)
    sales = trend.sales_table(ctx.portal, lp, [r.payee for r in rows], days, f, weeks)
    return ctx.render("sales.html", lp=lp, root=root, sales=sales, f=f,
                      today=f.date(ctx.portal.today(lp)))


@page(roles=("manager", "admin", "finance"))
def forecast_page(ctx: Ctx) -> Response:
    """The team's forecast: each report at pace (and the pipeline's range), and the
    team's total. A manager sees their own hierarchy only, as on the team page."""
    from .finance import as_of_day, basis_words, forecast_view, period_over
    lp = ctx.portal.plan(ctx.path("plan"))
    root = _root(ctx, lp)
    day = as_of_day(ctx, lp)
    f = reader_fmt(ctx, lp)  # issue 15: the manager's words and numbers
    if root is not None:
        reports = lp.reports(root)
        view = forecast_view(ctx.portal, lp, day, f, reports,
                             f._("Team of {name}", name=lp.payee_name(root)))
    else:
        view = forecast_view(ctx.portal, lp, day, f)
    return ctx.render("team_forecast.html", lp=lp, root=root, forecast=view, f=f,
                      today=f.date(day), root_name=lp.payee_name(root) if root else "",
                      over=period_over(ctx, lp) and not ctx.query("as_of"),
                      basis=basis_words(view.fc.basis, f) if view.fc else "")
