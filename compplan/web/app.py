"""The portal as an ASGI application (Starlette), over a store.

    create_app(store)   loads every open period into memory, then serves pages

Pages are rendered on the server (Jinja2, templates/) and work without JavaScript; the
one script (static/portal.js) moves a payee's figures as batches arrive, by polling a
small JSON view. Every asset ships in the package: no CDN, nothing fetched elsewhere.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..store.db import Store
from . import (admin, api, dispute_pages, estimator, finance, login, rep, review, rounds,
               statements, team)
from .auth import Signer, session_key
from .endpoint import in_lane
from .live import Portal
from .pdfpool import PdfPool
from .security import MAX_BODY, Refused, SecurityHeaders, http_error, refused, server_error

HERE = Path(__file__).resolve().parent
CATCH_UP_SECONDS = 2.0
RECHECK_SECONDS = 2.0  # under SessionCache.ttl (5 s): sessions in use stay known


def routes() -> list:
    return [
        Route("/", login.home),
        Route("/login", login.login_form, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route("/plans/{plan}/payees/{payee}", rep.payee_page),
        Route("/plans/{plan}/payees/{payee}/live.json", rep.payee_json),
        Route("/plans/{plan}/payees/{payee}/estimate", rep.estimate),
        Route("/plans/{plan}/team", team.team_page),
        Route("/plans/{plan}/team/live.json", team.team_live),
        Route("/plans/{plan}/team/sales", team.sales_page),
        Route("/plans/{plan}/team/forecast", team.forecast_page),
        Route("/plans/{plan}/finance", finance.finance_page),
        Route("/finance", finance.finance_index),
        Route("/runs/{run}/review", review.review_page),
        Route("/runs/{run}/review/confirm", review.confirm_page),
        Route("/runs/{run}/payees/{payee}", statements.statement),
        Route("/runs/{run}/payees/{payee}/statement.{format}", statements.statement_file),
        Route("/runs/{run}/payees/{payee}/lines/{line}", statements.line_page),
        Route("/runs/{run}/payees/{payee}/lines/{line}/disputes", statements.dispute_line,
              methods=["POST"]),
        Route("/disputes", dispute_pages.dispute_list),
        Route("/disputes/{id}", dispute_pages.dispute_page),
        Route("/disputes/{id}/answer", dispute_pages.answer, methods=["POST"]),
        Route("/disputes/{id}/resolve", dispute_pages.resolve, methods=["POST"]),
        Route("/admin", admin.overview),
        Route("/admin/runs", admin.runs_page),
        Route("/admin/plans/{plan}/save", admin.save_run, methods=["POST"]),
        Route("/admin/runs/{run}/approve", admin.approve, methods=["POST"]),
        Route("/admin/runs/{run}/pay", admin.pay, methods=["POST"]),
        Route("/admin/check", admin.check_form, methods=["GET"]),
        Route("/admin/check", admin.check_plan, methods=["POST"]),
        Route("/admin/tokens", admin.tokens_page, methods=["GET"]),
        Route("/admin/tokens", admin.create_token_page, methods=["POST"]),
        Route("/admin/tokens/{id}/revoke", admin.revoke_token_page, methods=["POST"]),
        Route("/admin/audit", admin.audit_page),
        Route("/api/plans/{plan}/ingest", api.ingest, methods=["POST"]),
        *rounds.ROUTES,  # target rounds (issue 19)
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(default=True), trim_blocks=True,
                      lstrip_blocks=True)
    return Jinja2Templates(env=env)


def create_app(store: Store, as_of: dt.date | None = None, portal: Portal | None = None,
               catch_up: bool = True) -> Starlette:
    """The portal over `store`. `as_of`: the day pages count to (tests and demos of a
    past period); `catch_up`: follow rows other processes ingest."""
    portal = portal or Portal(store, as_of)
    if not portal.plans:
        portal.load()
    for lp in portal.plans.values():  # before the first pages, not by each of them
        estimator.warm(lp)
    with store.session() as db:
        signer = Signer(session_key(db))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(_follow(portal)) if catch_up else None
        sessions = asyncio.create_task(_recheck(portal))
        try:
            yield
        finally:
            sessions.cancel()
            if task is not None:
                task.cancel()
            app.state.pdf_pool.close()

    app = Starlette(routes=routes(), lifespan=lifespan, max_body_size=MAX_BODY,
                    middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={Refused: refused, HTTPException: http_error,
                                        Exception: server_error})
    app.state.portal = portal
    app.state.signer = signer
    app.state.pdf_pool = PdfPool()
    app.state.templates = _templates()
    return app


async def _follow(portal: Portal) -> None:
    """Take what `compplan ingest` stores while the portal runs."""
    while True:
        await asyncio.sleep(CATCH_UP_SECONDS)
        try:
            await run_in_threadpool(portal.catch_up)
        except Exception:  # noqa: BLE001 - logged; the next round tries again
            import logging
            logging.getLogger("compplan.web").exception("catching up with the store")


async def _recheck(portal: Portal) -> None:
    """Check the sessions in use against the store again every RECHECK_SECONDS, on a
    lane of its own, so that polls of pages kept open are answered from memory
    (web/sessions.py) rather than going the slow way all together when their entries
    lapse."""
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        try:
            await in_lane("sessions", portal.recheck_sessions)
        except Exception:  # noqa: BLE001 - logged; entries lapse after ttl, as before
            import logging
            logging.getLogger("compplan.web").exception("checking sessions again")
