"""A payee's live page: attainment bars, earned so far, the next tier, the estimator,
past statements; and the same figures as JSON, which the page polls to move without a
reload."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from ..engine.money import fmt_money
from ..store.models import PayeeResultRow, Run
from ..store.portal import Dispute
from . import figures
from .auth import may_see, own_payee
from .endpoint import Ctx, page, today_text
from .live import LivePlan
from .security import Refused


def visible_payee(ctx: Ctx, lp: LivePlan, pid: str) -> None:
    """404 unless the payee is in the plan and the account may see them: a guess at
    another rep's id tells nothing."""
    if pid not in lp.run.results or not may_see(ctx.account, lp.plan_id, pid, lp.managers):
        raise Refused(404, f"there is no payee '{pid[:60]}' in {lp.plan_id} that you can see")


def live_figures(ctx: Ctx, lp: LivePlan, pid: str) -> dict:
    """The figures that move with each batch, worked out once per batch and payee (the
    live plan keeps them; a batch moves its version on, and they are worked out anew)."""
    key = (pid, lp.version, ctx.portal.today(lp))
    got = lp.cache.get(key)
    if got is not None:
        return got
    result = lp.run.payee(pid)
    got = {"version": lp.version,
           "total": fmt_money(result.total),
           "bars": [_plain(b) for b in figures.bars(ctx.portal, lp, pid)],
           "earned": [_plain(e) for e in figures.earned(lp, result)],
           "tiers": [_plain(t) for t in figures.next_tiers(lp, result)]}
    lp.cache.put(key, got)
    return got


def _plain(obj) -> dict:
    """A figure as JSON holds it: exact amounts as text."""
    return {k: (format(v, "f") if isinstance(v, Decimal) else v)
            for k, v in obj.__dict__.items()}


def statements(ctx: Ctx, plan_id: str, pid: str) -> list[tuple[Run, PayeeResultRow]]:
    q = select(Run, PayeeResultRow).join(PayeeResultRow, PayeeResultRow.run_id == Run.id).where(
        Run.plan_id == plan_id, Run.status != "replaced", PayeeResultRow.payee == pid
    ).order_by(Run.id.desc()).limit(24)
    return [(r, p) for r, p in ctx.db.execute(q).all()]


@page()
def payee_page(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    figs = live_figures(ctx, lp, pid)
    inputs = lp.transaction_inputs()
    input_name = inputs[0] if inputs else None
    disputes = list(ctx.db.execute(select(Dispute).where(
        Dispute.plan_id == lp.plan_id, Dispute.payee == pid).order_by(Dispute.id.desc())
        .limit(20)).scalars())
    return ctx.render(
        "payee.html", lp=lp, pid=pid, name=lp.payee_name(pid), figs=figs,
        today=today_text(ctx.portal.today(lp)), input_name=input_name,
        fields=figures.estimate_form(lp, pid, input_name) if input_name else {},
        money=figures.money_column(lp, input_name) if input_name else None,
        estimate=None, statements=statements(ctx, lp.plan_id, pid), disputes=disputes,
        own=own_payee(ctx.account, lp.plan_id) == pid)


@page()
def payee_json(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    return JSONResponse(live_figures(ctx, lp, pid))


@page()
def estimate(ctx: Ctx) -> Response:
    """The what-if estimator: a GET form (it changes nothing), answered by the engine."""
    lp = ctx.portal.plan(ctx.path("plan"))
    pid = ctx.path("payee")
    visible_payee(ctx, lp, pid)
    inputs = lp.transaction_inputs()
    input_name = ctx.query("input", inputs[0] if inputs else "")
    if input_name not in inputs:
        raise Refused(400, f"'{input_name[:60]}' is not a table of transactions of this plan")
    fields = figures.estimate_form(lp, pid, input_name)
    values = {k: ctx.query(k, fields[k]) for k in fields}
    money = figures.money_column(lp, input_name)
    if money and not values.get(money, "").strip():
        raise Refused(400, f"write the {money} of the {input_name.rstrip('s')} to estimate")
    est = figures.estimate(ctx.portal, lp, pid, input_name, values)
    if ctx.query("format") == "json":
        return JSONResponse({"sentence": est.sentence, "rejected": est.rejected,
                             "earns": None if est.earns is None else str(est.earns)},
                            status_code=422 if est.rejected else 200)
    figs = live_figures(ctx, lp, pid)
    disputes = list(ctx.db.execute(select(Dispute).where(
        Dispute.plan_id == lp.plan_id, Dispute.payee == pid).order_by(Dispute.id.desc())
        .limit(20)).scalars())
    return ctx.render(
        "payee.html", http_status=422 if est.rejected else 200, lp=lp, pid=pid,
        name=lp.payee_name(pid), figs=figs, today=today_text(ctx.portal.today(lp)),
        input_name=input_name, fields=values, money=money, estimate=est,
        statements=statements(ctx, lp.plan_id, pid), disputes=disputes,
        own=own_payee(ctx.account, lp.plan_id) == pid)

