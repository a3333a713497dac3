"""The dispute pages: a rep's own disputes and their status; admin and finance's queue,
where each is answered and then resolved."""
from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response

from ..store.portal import Dispute
from . import disputes as logic
from .auth import own_payee, sees_all
from .endpoint import Ctx, page
from .security import Refused
from .words import account_fmt, payee_fmt, summary_words, when

STATUSES = ("open", "answered", "resolved")


@page()
def dispute_list(ctx: Ctx) -> Response:
    status = ctx.query("status")
    if status and status not in STATUSES:
        raise Refused(400, "'{status}' is not a status", "one of: {choices}",
                      params={"status": status[:40], "choices": ", ".join(STATUSES)})
    q = select(Dispute).order_by(Dispute.id.desc()).limit(500)
    if not sees_all(ctx.account):
        q = q.where(Dispute.payee == (ctx.account.payee or ""),
                    Dispute.plan_id == (ctx.account.plan_id or ""))
    if status:
        q = q.where(Dispute.status == status)
    rows = list(ctx.db.execute(q).scalars())
    # a rep's or manager's own list in their words and numbers; the queue's each amount
    # in its plan's format (as /finance writes each plan's), its words the reader's
    own = account_fmt(ctx.portal, ctx.account)
    return ctx.render("disputes.html", disputes=rows, status=status, describe=logic.describe,
                      staff=sees_all(ctx.account),
                      fmt_of=lambda d: own or payee_fmt(ctx.portal, d.plan_id))


def _visible(ctx: Ctx) -> Dispute:
    d = ctx.db.get(Dispute, ctx.int_path("id"))
    if d is None or not (sees_all(ctx.account) or
                         own_payee(ctx.account, d.plan_id) == d.payee):
        raise Refused(404, "there is no dispute {id} that you can see",
                      params={"id": ctx.path("id")[:20]})
    return d


@page()
def dispute_page(ctx: Ctx) -> Response:
    d = _visible(ctx)
    f = payee_fmt(ctx.portal, d.plan_id, d.payee)  # a page about one payee (issue 15)
    line = summary_words(d.line_summary, f, ctx.portal.plans.get(d.plan_id))
    return ctx.render("dispute.html", d=d, describe=logic.describe, f=f, line=line,
                      when=lambda moment: when(f, moment), staff=sees_all(ctx.account))


@page(roles=("admin", "finance"))
def answer(ctx: Ctx) -> Response:
    did = ctx.int_path("id")
    ctx.portal.write(lambda db: logic.answer(db, ctx.account, did, ctx.form.get("answer")))
    return ctx.redirect(f"/disputes/{did}")


@page(roles=("admin", "finance"))
def resolve(ctx: Ctx) -> Response:
    did = ctx.int_path("id")
    locale = logic.user_locale(ctx.request.headers.get("accept-language"))
    ctx.portal.write(lambda db: logic.resolve(db, ctx.account, did, ctx.form.get("outcome", ""),
                                              ctx.form.get("reason"), ctx.form.get("amount"),
                                              locale))
    return ctx.redirect(f"/disputes/{did}")
