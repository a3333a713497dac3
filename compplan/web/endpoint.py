"""One way in for every page: session, role, CSRF, form, database, then the handler.

Handlers are plain functions of a `Ctx`, run in a worker thread (the engine and the
database block), so the event loop keeps serving other requests meanwhile. What every
page needs checked is checked here, once: a page cannot forget to ask who is logged in,
or to check a form's CSRF token.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import weakref
from dataclasses import dataclass, field
from typing import Callable

import anyio
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .auth import (COOKIE, SESSION_AGE, Visitor, check_csrf, fingerprint, page_context,
                   session_state, touch_session)
from .live import Portal
from .pdfpool import PdfJob
from .security import Refused
from .words import ENGLISH_ONLY_TEMPLATES, chrome_fmt

# a plan file: the largest sample is 12 KB; a megabyte is ~40,000 lines, and checking
# time grows with the size, so more is refused before it is read (issue 17)
MAX_UPLOAD = 1024 * 1024

# Worker threads by lane, each lane its own (issue 15): polls of live figures (most are
# answered on the event loop without a thread: page's `quick`) and ingest batches have
# lanes of their own, so that neither waits in line behind 200 clients' page views. The
# pages' lane is smaller than anyio's 40: one interpreter lock serves every thread, and
# each runnable page thread stretches every other's turn, the event loop's too, so that an
# ingest's reply and the poll after it waited seconds. bench_portal at 1,000 payees,
# 200 clients, load 20-30, one run each: a batch visible in a median 1.63 s with 40
# page threads, 0.93 s with 16, 0.81 s with 8, 0.78 s with 4; but page views slow from
# about 8 threads down (p50 0.74 s with 16, 0.95 to 1.2 s with 8 or 4; main 0.65 to
# 0.78). COMPPLAN_PAGE_THREADS sets it.
LANES = {"page": int(os.environ.get("COMPPLAN_PAGE_THREADS", "16")), "poll": 8, "ingest": 2,
         "sessions": 1}
_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop -> lane -> limiter


async def in_lane(lane: str, fn, *args):
    """fn(*args) in a worker thread of the lane (a lane's limiter belongs to the event
    loop it was made in: tests run one app in several loops)."""
    size = LANES[lane]
    limiter = None
    if size is not None:
        own = _limiters.setdefault(asyncio.get_running_loop(), {})
        limiter = own.get(lane)
        if limiter is None:
            limiter = own[lane] = anyio.CapacityLimiter(size)
    return await anyio.to_thread.run_sync(lambda: fn(*args), limiter=limiter)


@dataclass
class Ctx:
    request: Request
    portal: Portal
    db: Session
    visitor: Visitor
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    new_session: dict | None = None  # set: the response carries a new session cookie
    end_session: bool = False

    @property
    def account(self):
        return self.visitor.account

    def path(self, name: str) -> str:
        return self.request.path_params[name]

    def int_path(self, name: str) -> int:
        """A number in the address (a run, a line, a dispute); anything else is a page
        that does not exist."""
        value = str(self.request.path_params[name])
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise Refused(404, "there is no {name} '{value}'",
                          params={"name": name, "value": value[:40]})
        return int(value)

    def query(self, name: str, default: str = "", limit: int = 200) -> str:
        value = self.request.query_params.get(name, default)
        if len(value) > limit:
            raise Refused(400, "'{name}' is too long", params={"name": name})
        return value

    def query_int(self, name: str, default: int | None = None) -> int | None:
        value = self.request.query_params.get(name)
        if value in (None, ""):
            return default
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise Refused(400, "'{name}' must be a whole number, not '{value}'",
                          params={"name": name, "value": value[:40]})
        return int(value)

    def render(self, template: str, http_status: int = 200, **values) -> Response:
        ctx = page_context(self.request)
        if self.new_session is not None:
            ctx["csrf"] = self.new_session.get("c", "")
        ctx.update(values)
        ctx.setdefault("portal", self.portal)
        # the menu, skip link and frame in the reader's words (issue 15)
        ctx["chrome"] = chrome_fmt(self.portal, self.account, values.get("f"),
                                   self.request.headers.get("accept-language"))
        # a page whose words are not in the catalogs yet is English, whoever reads it:
        # its <html lang> says so, and the frame around it says its own (base.html)
        ctx["english_page"] = "en" if template in ENGLISH_ONLY_TEMPLATES else ""
        return self.request.app.state.templates.TemplateResponse(
            self.request, template, ctx, status_code=http_status)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)


def page(roles: tuple[str, ...] | None = None, login: bool = True, lane: str = "page",
         quick: Callable | None = None):
    """Decorate a handler: f(ctx) -> Response. `roles`: who may open it (403 for
    others); `login=False`: open to visitors; `lane`: whose worker threads run it
    (LANES). Every POST must carry the CSRF token. `quick(request, account)`: a GET's
    answer from memory, on the event loop, when the session is one this process checked
    lately (web/sessions.py), or None to go the usual way: no thread, no database."""
    def deco(fn: Callable[[Ctx], Response]):
        async def endpoint(request: Request) -> Response:
            if quick is not None and request.method == "GET":
                response = _quick(request, quick, roles)
                if response is not None:
                    return response
            form, files = {}, {}
            if request.method == "POST":
                data = await request.form(max_files=2, max_fields=100,
                                          max_part_size=MAX_UPLOAD)
                for key, value in data.multi_items():
                    if isinstance(value, UploadFile):
                        content = await value.read(MAX_UPLOAD + 1)
                        if len(content) > MAX_UPLOAD:
                            raise Refused(413, f"the file {value.filename or ''} is too large: "
                                          "a plan file may be at most 1 MB",
                                          "a plan is rarely more than 100 KB; is it the "
                                          "right file?")
                        files[key] = (value.filename or "upload", content)
                    else:
                        form[key] = value
            response = await in_lane(lane, _run, fn, request, form, files, roles, login,
                                     lane == "poll")
            if isinstance(response, PdfJob):  # laid out off the event loop, in its pool
                response = await request.app.state.pdf_pool.respond(response)
            return response
        endpoint.__name__ = fn.__name__
        return endpoint
    return deco


def _quick(request: Request, quick: Callable, roles) -> Response | None:
    """A GET answered on the event loop (see page's `quick`), or None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    data = request.app.state.signer.unsign(raw)
    account = request.app.state.portal.sessions.account(data)
    if account is None or (roles and account.role not in roles):
        return None
    request.state.visitor = Visitor(account, data)
    return quick(request, account)


def _session(portal: Portal, db: Session, data: dict | None, known: bool):
    """The request's account: from the portal's memory of sessions when `known` may be
    used (polls: they read nothing of the account but who it is), else from the store,
    which this process then remembers (web/sessions.py)."""
    if known:
        account = portal.sessions.account(data)
        if account is not None:
            return account
    account, seen, stale = session_state(db, data)
    if account is None:
        return None
    if stale:  # the idle clock restarts; written at most once a minute
        try:
            portal.write(lambda w: touch_session(w, data), attempts=3)
            seen = dt.datetime.now(dt.timezone.utc)
        except Refused:  # a busy store: the page is served, the next request tries
            pass
    portal.sessions.seen(data, account, fingerprint(account), seen.timestamp())
    return account


def _run(fn, request: Request, form, files, roles, login, known: bool = False) -> Response:
    portal: Portal = request.app.state.portal
    portal.wait_for_batch()  # a batch being taken goes first (Portal.batch_first)
    signer = request.app.state.signer
    with portal.read() as db:
        raw = request.cookies.get(COOKIE)
        data = signer.unsign(raw) if raw else None
        account = _session(portal, db, data, known)
        visitor = Visitor(account, data)
        request.state.visitor = visitor
        ctx = Ctx(request, portal, db, visitor, form, files)
        if login and visitor.account is None:
            if request.method == "GET":
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            raise Refused(401, "log in first", "your session may have expired")
        if roles and visitor.account.role not in roles:
            raise Refused(403, "this page is for {roles} accounts",
                          params={"roles": ", ".join(roles)})
        if request.method == "POST":
            check_csrf(data, form.get("csrf"))
        response = fn(ctx)
    if isinstance(response, PdfJob):
        return response  # a download: it neither starts nor ends a session
    if ctx.new_session is not None:
        response.set_cookie(COOKIE, signer.sign(ctx.new_session), max_age=SESSION_AGE,
                            httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https")
    elif ctx.end_session:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


def today_text(d: dt.date) -> str:
    return d.strftime("%a %d %b %Y")
