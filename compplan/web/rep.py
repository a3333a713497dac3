"""A payee's live page: attainment bars, earned so far, the next tier, the estimator,
past statements; and the same figures as JSON, which the page polls to move without a
reload."""
from __future__ import annotations

import time
from decimal import Decimal

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from ..render.statement import text_of
from ..store.models import PayeeResultRow, Run
from ..store.portal import Dispute
from . import estimator, figures, stakes, trend
from .auth import may_see, own_payee
from .disputes import describe
from .endpoint import Ctx, page
from .live import LivePlan
from .security import Refused
from .words import fmt_for


# seconds of CPU: the most a poll's figures may take on the event loop (quick_json)
LOOP_BUDGET = 0.05


def visible_payee(ctx: Ctx, lp: LivePlan, pid: str) -> None:
    """404 unless the payee is in the plan and the account may see them: a guess at
    another rep's id tells nothing."""
    if pid not in lp.run.results or not may_see(ctx.account, lp.plan_id, pid, lp.managers):
        raise Refused(404, "there is no payee '{payee}' in {plan} that you can see",
                      params={"payee": pid[:60], "plan": lp.plan_id})


def live_figures(portal, lp: LivePlan, pid: str) -> dict:
    """The figures that move with each batch, worked out once per payee and version of
    their figures (a batch that works the payee out again moves it on: lp.took), for
    every page and poll of them."""
    key = (pid, lp.payee_version(pid), portal.today(lp))
    got = lp.cache.get(key)
    if got is not None:
        return got
    result = lp.run.payee(pid)
    f = fmt_for(lp, pid)  # one money format on the page: the payee's locale (issue 15)
    earned = [_plain(e) for e in figures.earned(lp, result, f)]
    labels = {e.name: text_of(e.spec.label, f.locale.language) for e in lp.compiled.earnings}
    for e in earned:
        e["label"] = labels.get(e["name"]) or e["label"]
    got = {"version": key[1],
           "total": f.money(result.total),
           "bars": [_plain(b) for b in own_figures(portal, lp, pid, "bars",
                                                   lambda: stakes.bars(portal, lp, pid, f))],
           "earned": earned,
           "tiers": [],
           "said": f._("Your figures moved: the total is now {total}.",
                       total=f.money(result.total))}  # the money at stake is on each bar now (bars[].stake)
    lp.cache.put(key, got)
    return got


def own_figures(portal, lp: LivePlan, pid: str, what: str, work):
    """Figures that read nothing but the payee's own result and rows (bars with money at
    stake, the trend): kept until a batch gives the payee a new result, not worked out
    again for every batch (a batch of 1,000 deals touches a tenth of 10,000 payees).
    The live run replaces a payee's result object when it pays them again; the cache
    holds the object itself, so a reused id() cannot pass for it."""
    result = lp.run.payee(pid)
    key = (what, pid, portal.today(lp))
    got = lp.cache.get(key)
    if got is not None and got[0] is result:
        return got[1]
    value = work()
    lp.cache.put(key, (result, value))
    return value


def _plain(obj) -> dict:
    """A figure as JSON holds it: exact amounts as text."""
    return {k: (format(v, "f") if isinstance(v, Decimal) else v)
            for k, v in obj.__dict__.items()}


def statements(ctx: Ctx, plan_id: str, pid: str) -> list[tuple[Run, PayeeResultRow]]:
    q = select(Run, PayeeResultRow).join(PayeeResultRow, PayeeResultRow.run_id == Run.id).where(
        Run.plan_id == plan_id, Run.status != "replaced", PayeeResultRow.payee == pid
    ).order_by(Run.id.desc()).limit(24)
    return [(r, p) for r, p in ctx.db.execute(q).all()]


def _page(ctx: Ctx, lp: LivePlan, pid: str, input_name: str | None, flds, answer,
          http_status: int = 200) -> Response:
    figs = live_figures(ctx.portal, lp, pid)
    disputes = list(ctx.db.execute(select(Dispute).where(
        Dispute.plan_id == lp.plan_id, Dispute.payee == pid).order_by(Dispute.id.desc())
        .limit(20)).scalars())
    f = fmt_for(lp, pid)
    runs = trend.stored_runs(ctx.db, lp)  # earlier periods: a new stored run is a new key
    shown_trend = own_figures(ctx.portal, lp, pid, ("trend", tuple(r.id for r in runs)),
                              lambda: trend.trend(ctx.portal, lp, [pid], f, trend.stored_points(
                                  ctx.db, lp, runs, [pid], f)))
    return ctx.render(
        "payee.html", http_status=http_status, trend=shown_trend, lp=lp, pid=pid, name=lp.payee_name(pid),
        figs=figs, today=fmt_for(lp, pid).date(ctx.portal.today(lp)), input_name=input_name,
        inputs=estimator.credited_inputs(lp), deals=flds, answer=answer,
        f=fmt_for(lp, pid), statements=statements(ctx, lp.plan_id, pid), disputes=disputes,
        describe=describe,
        own=own_payee(ctx.account, lp.plan_id) == pid)


@page()
def payee_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    inputs = estimator.credited_inputs(lp)
    input_name = inputs[0] if inputs else None
    flds = estimator.fields(lp, pid, input_name, fmt_for(lp, pid)) if input_name else []
    return _page(ctx, lp, pid, input_name, [flds], None)


def _poll_key(portal, lp: LivePlan, pid: str) -> tuple[str, tuple]:
    """The ETag of the payee's live figures now, and the cache key of their JSON."""
    today = portal.today(lp)
    version = lp.payee_version(pid)
    return f'"{lp.nonce}-{version}-{today.isoformat()}"', ("live.json", pid, version, today)


def _polled(request, etag: str, body: bytes | None) -> Response | None:
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag})
    if body is None:
        return None
    return Response(body, media_type="application/json", headers={"ETag": etag})


def quick_json(request, account) -> Response | None:
    """payee_json on the event loop, for a session this process checked lately: a 304,
    or the JSON of this version, with no thread and no database; None (the usual way)
    for anything else, a payee not visible included (its 404).

    The JSON of a version nobody asked for yet is written here too (once: the loop runs
    one thing at a time), unless a batch is being taken (the usual way waits for it).
    Why: after a batch, every watched payee it moved is asked for at once; on the poll
    lane's 8 threads each poll handed the interpreter lock between the loop and a thread
    three times, each time behind up to 16 page renders, and the poll that showed the
    batch waited in that line (firstbatch). Working a payee's figures out is some 10 to
    20 ms of CPU (1,000 payees, 100,000 deals), which a thread would spend holding the
    same lock."""
    portal = request.app.state.portal
    lp = portal.plans.get(request.path_params["plan"])
    pid = request.path_params["payee"]
    if lp is None or pid not in lp.run.results or \
            not may_see(account, lp.plan_id, pid, lp.managers):
        return None
    etag, key = _poll_key(portal, lp, pid)
    body = lp.cache.get(key)
    if body is None and etag not in request.headers.get("if-none-match", ""):
        if not portal.batch_free() or (lp.cache.get(("cost", pid)) or 0) > LOOP_BUDGET:
            return None
        body = _written(portal, lp, pid, key)
    return _polled(request, etag, body)


def _written(portal, lp: LivePlan, pid: str, key: tuple, timed: bool = True) -> bytes:
    """The payee's live JSON for the version in `key`, kept for every client, and the
    CPU it took (a payee whose figures took longer than LOOP_BUDGET is worked out on
    the poll lane next time, not on the event loop: a manager over a large team).
    `timed=False`: not counted (a login's, often the process's first, which also works
    out what every payee's figures share once: 0.14 s against 0.015 at 1,000 payees)."""
    started = time.thread_time()
    body = JSONResponse(live_figures(portal, lp, pid)).body
    lp.cache.put(key, body)
    if timed:
        lp.cache.put(("cost", pid), time.thread_time() - started)
    return body


def write_live_json(portal, lp: LivePlan, pid: str) -> None:
    """The payee's live JSON of now written ahead, unless it is (login.login: the page
    and its first poll follow at once). Why: else the first polls of many pages opened
    together are each worked out on the event loop, which then reads an ingest's body
    late (bench_portal's first batch: 0.5 s of the loop's time, 115 polls, before the
    batch started; firstbatch)."""
    _, key = _poll_key(portal, lp, pid)
    if lp.cache.get(key) is None:
        _written(portal, lp, pid, key, timed=False)


@page(lane="poll", quick=quick_json)
def payee_json(ctx: Ctx) -> Response:
    """What the page polls (static/portal.js, every 2 s): answered from memory, written
    once per version of the payee's figures for every client, and with its ETag: a
    poll that sends it back (If-None-Match) while nothing moved is a 304 with no body.
    Most polls are answered by quick_json without a worker thread."""
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    etag, key = _poll_key(ctx.portal, lp, pid)
    got = _polled(ctx.request, etag, lp.cache.get(key))
    if got is not None:
        return got
    body = _written(ctx.portal, lp, pid, key)
    return Response(body, media_type="application/json", headers={"ETag": etag})


@page()
def estimate(ctx: Ctx) -> Response:
    """The what-if estimator: a GET form (it changes nothing), answered by the engine.
    The page again with the answer (without JavaScript), or with ?format=fragment the
    answer alone, which the page's script puts in place (static/decide.js)."""
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    inputs = estimator.credited_inputs(lp)
    input_name = ctx.query("input", inputs[0] if inputs else "")
    if input_name not in inputs:
        raise Refused(400, "'{input}' is not a table of transactions of this plan",
                      params={"input": input_name[:60]})
    f = fmt_for(lp, pid)
    deals = _deals(ctx, lp, pid, input_name, f)
    if ctx.query("add") and len(deals) < estimator.MAX_DEALS:
        # "Add a deal" without JavaScript: the form again with one more, not answered
        deals.append(estimator.fields(lp, pid, input_name, f))
        for fl in deals[-1]:
            fl.value = "" if fl.kind in estimator.NUMERIC else fl.value
        return _page(ctx, lp, pid, input_name, deals, None)
    got = estimator.answer(ctx.portal, lp, pid, input_name, deals)
    status = 422 if got.problems else 200
    form = ctx.query("format")
    if form == "json":
        return JSONResponse({"sentences": got.sentences, "rejected": got.problems,
                             "capped": got.capped,
                             "earns": None if got.earns is None else str(got.earns),
                             "deals": [{"deal": d, "amount": a, "earns": e}
                                       for d, a, e in got.deals]},
                            status_code=status)
    if form == "fragment":
        return ctx.render("estimate_answer.html", http_status=status, answer=got, f=f)
    return _page(ctx, lp, pid, input_name, deals, got, status)


def _deals(ctx: Ctx, lp: LivePlan, pid: str, input_name: str, f) -> list[list]:
    """The form's deals: each field's name comes once per deal (a pipeline), as many
    deals as the most repeated field, MAX_DEALS at most."""
    sent = {fl.name: ctx.request.query_params.getlist(fl.name)
            for fl in estimator.fields(lp, pid, input_name, f)}
    n = min(max([len(v) for v in sent.values()] + [1]), estimator.MAX_DEALS)
    deals = []
    for i in range(n):
        flds = estimator.fields(lp, pid, input_name, f)
        for fl in flds:
            given = sent.get(fl.name) or []
            fl.value = given[i][:200] if i < len(given) else ""
        deals.append(flds)
    return deals
