"""Logging in and out, and where each role lands."""
from __future__ import annotations

import logging
import time

from starlette.responses import Response

from .auth import (authenticate, end_session, fingerprint, new_session, own_payee, sees_all,
                   start_session)
from ..targets.rounds import rounds_for
from .endpoint import Ctx, page
from .rep import write_live_json
from .rounds import actor_of
from .security import Refused

log = logging.getLogger("compplan.web")


def _safe_next(url: str) -> str:
    """Only a path on this site (never //host or a scheme): no open redirect."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


@page(login=False)
def login_form(ctx: Ctx) -> Response:
    if ctx.account is not None:
        return ctx.redirect("/")
    if not ctx.visitor.session:
        ctx.new_session = new_session(None)  # carries the CSRF token of the login form
    return ctx.render("login.html", next=_safe_next(ctx.query("next", "/")), error="")


@page(login=False)
def login(ctx: Ctx) -> Response:
    name = (ctx.form.get("login") or "").strip()[:100]
    password = ctx.form.get("password") or ""
    address = ctx.request.client.host if ctx.request.client else "?"
    limiter = ctx.portal.limiter
    wait = limiter.attempt(name, address)  # checked and counted at once
    if wait:
        raise Refused(429, "too many failed logins; try again in {count} seconds"
                      if wait < 120 else "too many failed logins; try again in {count} minutes",
                      params={"count": wait if wait < 120 else wait // 60 + 1})
    account = authenticate(ctx.db, name, password) if name and password else None
    if account is None:
        ctx.new_session = new_session(None)
        return ctx.render("login.html", http_status=401, next=_safe_next(ctx.form.get("next", "/")),
                          error="That login and password do not match an account.")
    limiter.succeeded(name, address)
    # a new session id and CSRF token on login; the visitor's earlier session ends
    ctx.portal.sessions.end(ctx.visitor.session)  # polls too: forgotten before it ends
    ctx.new_session = ctx.portal.write(
        lambda db: start_session(db, account, ctx.visitor.session))
    # known from the start: the page's first poll is answered from memory too
    ctx.portal.sessions.seen(ctx.new_session, account, fingerprint(account), time.time())
    _figures_ahead(ctx, account)
    return ctx.redirect(_safe_next(ctx.form.get("next", "/")))


def _figures_ahead(ctx: Ctx, account) -> None:
    """The account's own live figures written now (rep.write_live_json), for the page
    its browser opens next; a failure here is the page's to show, not the login's."""
    lp = ctx.portal.plans.get(account.plan_id or "")
    pid = own_payee(account, lp.plan_id) if lp is not None else None
    if pid is None or pid not in lp.run.results:
        return
    try:
        write_live_json(ctx.portal, lp, pid)
    except Exception:  # noqa: BLE001 - logged; the page works them out and says what failed
        log.exception("writing the live figures of %s at login", pid)


@page(login=False)
def logout(ctx: Ctx) -> Response:
    """The session ends on the server too: a copy of its cookie no longer works, for a
    poll answered from memory either (forgotten first: web/sessions.py)."""
    ctx.portal.sessions.end(ctx.visitor.session)
    ctx.portal.write(lambda db: end_session(db, ctx.visitor.session))
    ctx.end_session = True
    return ctx.redirect("/login")


@page()
def home(ctx: Ctx) -> Response:
    """Reps land on their figures, managers on their team, admin and finance on runs.
    Anyone else sees their plans and the target rounds they take part in: a manager no
    open period pays (the field sample's mia) has a round to answer, and its report."""
    account = ctx.account
    plans = visible_plans(ctx)
    if sees_all(account):
        return ctx.redirect("/admin")
    if len(plans) == 1:
        lp = plans[0]
        if account.role == "manager":
            return ctx.redirect(f"/plans/{lp.plan_id}/team")
        return ctx.redirect(f"/plans/{lp.plan_id}/payees/{account.payee}")
    return ctx.render("home.html", plans=plans, rounds=own_rounds(ctx))


def own_rounds(ctx: Ctx) -> list:
    """The target rounds the account takes part in (targets/rounds.py decides who sees
    which), newest first."""
    return rounds_for(ctx.db, actor_of(ctx, ctx.account.plan_id))


def visible_plans(ctx: Ctx) -> list:
    """The open periods that pay the account's payee (every one for admin and finance)."""
    account = ctx.account
    plans = list(ctx.portal.plans.values())
    if sees_all(account):
        return plans
    return [lp for lp in plans if own_payee(account, lp.plan_id) in lp.run.results]
