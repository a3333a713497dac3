"""What every response carries, and how refusals are told.

Pay is confidential and reps open the portal on phones, often on shared networks: every
page says what it may load (a Content-Security-Policy that allows this site's own files
only: no inline script, no CDN), is never framed, never cached, and never sniffed. A
request the portal cannot serve gets a 4xx naming what was wrong (as a page, or as JSON
under /api/), never a stack trace: errors are data (`Refused`), raised where they are
found and rendered once, here.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import Word  # noqa: F401 - the refusals' words, raised from the pages

log = logging.getLogger("compplan.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")

HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
MAX_BODY = 20 * 1024 * 1024  # an ingest batch of ~100,000 rows; more: send several


@dataclass
class Refused(Exception):
    """A request refused, with a message for the person (or program) that sent it.

    With `params`, the message and hint are texts of the catalogs with placeholders
    (`"dispute {id} is {status}"`, params={"id": 7, "status": Word("open")}): `message`
    and `hint` are then the English, filled in (for programs, logs and tests), and an
    error page says the text in the reader's words (said_in), a `Word` among the
    values in their words too. Without params the message is itself the text."""

    status: int
    message: str
    hint: str = ""
    details: list | None = None  # e.g. rejected rows, each with row and reason
    headers: dict | None = None  # e.g. Retry-After on a 503
    params: dict | None = None

    def __post_init__(self) -> None:
        self.text, self.hint_text = self.message, self.hint
        if self.params:
            self.message = self.message.format(**self.params)
            self.hint = self.hint.format(**self.params) if self.hint else ""

    def __str__(self) -> str:
        return self.message


def said_in(f, text: str, params: dict | None, english: str) -> tuple[str, bool]:
    """(the sentence, whether it stays English): a refusal's `text` said through `f`'s
    catalog with its values (each Word among them said too); English, as `english`
    has it, where the catalog lacks the text."""
    if not text:
        return "", False
    if f._(text) == text:
        return english, f.locale.language != "en"
    values = {k: f._(v) if isinstance(v, Word) else v for k, v in (params or {}).items()}
    return f._(text, **values), False


class SecurityHeaders:
    """Adds the headers above to every response; pages of pay are not cached, and over
    HTTPS browsers are told to stay on HTTPS."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")
        https = scope.get("scheme") == "https"

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", [])
                           if h[0].lower() not in (b"cache-control",) or static]
                own = {h[0].lower() for h in headers}
                # a response with a policy of its own (a self-contained statement
                # file) keeps it; every other gets the portal's
                headers.extend(h for h in HEADERS if h[0] not in own)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or \
        request.url.path.endswith(".json") or \
        "application/json" in request.headers.get("accept", "")


def _reply(request: Request, status: int, message: str, hint: str = "",
           details: list | None = None, exc: Refused | None = None) -> Response:
    if wants_json(request):
        body = {"error": message}
        if hint:
            body["hint"] = hint
        if details is not None:
            body["rejected"] = details
        return JSONResponse(body, status_code=status)
    templates = request.app.state.templates
    from .auth import page_context  # the page's account, if any, for the menu
    from .words import chrome_fmt
    ctx = page_context(request)
    # an error page is in the reader's words (issue 15): its heading from the status,
    # the sentence that says what was refused below it (in English where the
    # catalogs do not have it, marked as such)
    chrome = chrome_fmt(request.app.state.portal, ctx["account"], None,
                        request.headers.get("accept-language"))
    params = exc.params if exc is not None else None
    said, english = said_in(chrome, exc.text if exc is not None else message, params,
                            message)
    hint_said, hint_english = said_in(chrome, exc.hint_text if exc is not None else hint,
                                      params, hint)
    ctx.update(status=status, message=said, english=english, hint=hint_said,
               hint_english=hint_english, details=details or [], chrome=chrome,
               heading=HEADINGS.get(status, REFUSED))
    return templates.TemplateResponse(request, "error.html", ctx, status_code=status)


async def refused(request: Request, exc: Refused) -> Response:
    resp = _reply(request, exc.status, exc.message, exc.hint, exc.details, exc)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


WORDS = {400: "the request could not be read", 401: "log in first",
         403: "you may not do this", 404: "there is no such page",
         405: "this address does not take that method",
         413: "the request is too large (at most 20 MB)",
         429: "too many requests; wait a little"}


# an error page's heading by its status, in the catalogs (words.PORTAL_WORDS)
HEADINGS = {400: "The request could not be read", 401: "Log in first",
            403: "You may not do this", 404: "There is no such page",
            405: "This address does not take that method",
            409: "This cannot be done now", 413: "The request is too large",
            422: "The request could not be used", 429: "Too many requests; wait a little",
            415: "This kind of content is not taken",
            500: "Something went wrong on our side", 503: "The portal is busy; try again"}
REFUSED = "The request was refused"


def _identify(request: Request) -> None:
    """Who is asking, for an address no page answers (Starlette's 404 comes before any
    page looks at the session): the menu and the error's words are the reader's, as on
    every other page. Read only; a session's idle clock is not moved by a 404."""
    if getattr(request.state, "visitor", None) is not None:
        return
    from .auth import COOKIE, Visitor, session_account
    raw = request.cookies.get(COOKIE)
    data = request.app.state.signer.unsign(raw) if raw else None
    account = None
    if data:
        with request.app.state.portal.read() as db:
            account, _ = session_account(db, data)
    request.state.visitor = Visitor(account, data)


async def http_error(request: Request, exc: HTTPException) -> Response:
    if not wants_json(request):
        from starlette.concurrency import run_in_threadpool
        await run_in_threadpool(_identify, request)
    message = exc.detail if exc.detail and exc.detail not in (
        "Not Found", "Method Not Allowed") else WORDS.get(exc.status_code, "refused")
    resp = _reply(request, exc.status_code, message)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


async def server_error(request: Request, exc: Exception) -> Response:
    """The last resort: a bug. Logged in full; the person sees a plain sentence."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    resp = _reply(request, 500, "something went wrong on our side; it has been logged")
    # this handler runs outside the middleware that adds the headers: add them here
    for name, value in HEADERS:
        resp.headers[name.decode()] = value.decode()
    resp.headers["cache-control"] = "no-store"
    return resp
