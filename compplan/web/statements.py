"""Past statements: a payee's lines in a stored run, each line with its own address
(/runs/R/payees/P#line-N, and /runs/R/payees/P/lines/N to question it), and the
statement as compplan/render makes it, for download as HTML or PDF.

A statement is read from the store one payee at a time (render.stored), after the same
visibility check as the live page: a rep reaches their own statements only, a manager
those of their reports, whatever run or line number is typed into the address bar.
The statement model, its words and its formats are compplan/render's; this module only
adds the portal's frame: anchors and the dispute links.
"""
from __future__ import annotations

from sqlalchemy import select
from starlette.responses import HTMLResponse, Response

from ..render import html as render_html
from ..render import stored
from ..render.locale import Fmt, resolve
from ..render.statement import Statement, build
from ..store.models import PayeeResultRow, Run
from ..store.portal import Dispute
from . import disputes as disputes_mod
from .auth import may_see, own_payee
from .endpoint import Ctx, page
from .pdfpool import PdfJob
from .security import Refused
from .words import locale_of

# the statement page as a file: self-contained (its CSS inline), so its own policy
DOWNLOAD_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

def _visible(ctx: Ctx, run_id: int, pid: str) -> Run:
    run = ctx.db.get(Run, run_id)
    pr = ctx.db.get(PayeeResultRow, (run_id, pid)) if run is not None else None
    lp = ctx.portal.plans.get(run.plan_id) if run is not None else None
    managers = lp.managers if lp is not None else {}
    if run is None or pr is None or run.status == "replaced" or \
            not may_see(ctx.account, run.plan_id, pid, managers):
        raise Refused(404, "there is no statement for '{payee}' in run {run} that you can "
                      "see", params={"payee": pid[:60], "run": run_id})
    return run


def _open(ctx: Ctx, run: Run) -> stored.StoredRun:
    """The run with its plan compiled from the kept text, once per run and status."""
    key = ("run", run.id, run.status)
    got = ctx.portal.kept.get(key)
    if got is None:
        got = stored.open_run(ctx.db, run.id)
        ctx.portal.kept.put(key, got)
    return got


def _statement(ctx: Ctx, run: Run, pid: str) -> tuple[Statement, Fmt, int]:
    sr = _open(ctx, run)
    pr = stored.payee_result(ctx.db, run.id, pid)
    lp = ctx.portal.plans.get(run.plan_id)
    row = lp.run.prep.payees.get(pid, {}) if lp is not None else {}
    # the payee's locale as their live page has it (words.locale_of: the payees row,
    # else the payees file kept with the period, else the plan's): the field sample's
    # rita read her figures in Vietnamese and her stored statement in English
    code = locale_of(lp, pid) if lp is not None and pid in lp.run.results else \
        resolve(row.get("locale"), resolve(sr.compiled.plan.locale)[0])[0]
    # the payee's row tells which components are theirs (a rep's statement does not list
    # a manager's at 0.00: Statement.shown_components); the open period's row, as for
    # the locale: it hides only components that paid 0 on no line
    own = {"payees": [row]} if row else None
    st = build(pr, sr.compiled, sr.header, code, stored.year_to_date(ctx.db, run, pid), own)
    places = _places(sr)
    return st, render_html.fmt_for(st, places), places


def _places(sr: stored.StoredRun) -> int | None:
    step = sr.compiled.plan.rounding.to
    if step is None:
        return None
    return max(0, -step.normalize().as_tuple().exponent)


@page()
def statement(ctx: Ctx) -> Response:
    run_id, pid = ctx.int_path("run"), ctx.path("payee")
    run = _visible(ctx, run_id, pid)
    st, f, _ = _statement(ctx, run, pid)
    disputed = {d.line_number: d for d in ctx.db.execute(select(Dispute).where(
        Dispute.run_id == run_id, Dispute.payee == pid).order_by(Dispute.id)).scalars()}
    return ctx.render("statement.html", run=run, st=st, f=f, pid=pid, disputed=disputed,
                      say=lambda n: render_html.say(n, f),
                      tier=lambda t, ln: render_html.tier_text(t, ln, f),
                      describe=disputes_mod.describe,
                      own=ctx.account.role == "rep" and own_payee(ctx.account, run.plan_id) == pid)


@page()
def statement_file(ctx: Ctx) -> Response:
    """The statement as compplan/render lays it out: HTML, or PDF (WeasyPrint)."""
    run_id, pid, fmt = ctx.int_path("run"), ctx.path("payee"), ctx.path("format")
    if fmt not in ("html", "pdf"):
        raise Refused(404, "statements come as .html or .pdf")
    run = _visible(ctx, run_id, pid)
    st, _, places = _statement(ctx, run, pid)
    text = render_html.statement_html(st, places)
    name = f"{run.plan_id}-{run.period}-{pid}"
    if fmt == "html":
        return HTMLResponse(text, headers={"content-security-policy": DOWNLOAD_CSP})
    return PdfJob(text, f"{_safe(name)}.pdf")  # made in the portal's PdfPool


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120]


@page()
def line_page(ctx: Ctx) -> Response:
    run_id, pid, number = ctx.int_path("run"), ctx.path("payee"), ctx.int_path("line")
    run = _visible(ctx, run_id, pid)
    st, f, _ = _statement(ctx, run, pid)
    line = next((ln for ln in st.lines if ln.number == number), None)
    if line is None:
        raise Refused(404, "there is no line {line} on this statement",
                      params={"line": number})
    existing = list(ctx.db.execute(select(Dispute).where(
        Dispute.run_id == run_id, Dispute.payee == pid, Dispute.line_number == number)
        .order_by(Dispute.id)).scalars())
    return ctx.render("line.html", run=run, pid=pid, ln=line, f=f, disputes=existing,
                      say=lambda n: render_html.say(n, f),
                      describe=disputes_mod.describe,
                      own=ctx.account.role == "rep" and own_payee(ctx.account, run.plan_id) == pid)


@page(roles=("rep",))
def dispute_line(ctx: Ctx) -> Response:
    run_id, pid, number = ctx.int_path("run"), ctx.path("payee"), ctx.int_path("line")
    _visible(ctx, run_id, pid)
    d = ctx.portal.write(lambda db: disputes_mod.open_dispute(
        db, ctx.account, run_id, pid, number, ctx.form.get("comment", "")))
    return ctx.redirect(f"/disputes/{d.id}")
