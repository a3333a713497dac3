"""Admin and finance: the open periods, runs (approve and mark paid are finance's), a
plan uploaded and checked (each problem with its line, column and a caret), API tokens,
and the audit log."""
from __future__ import annotations

import json

from sqlalchemy import func, select
from starlette.responses import Response

from ..lang import check_source
from ..render.locale import Fmt, shared
from ..store import lifecycle
from ..store.models import AuditEntry, Run
from ..store.portal import ApiToken, Dispute, IngestedRow
from .auth import create_token, revoke_token
from .endpoint import Ctx, page
from .live import save_live_run
from .review import check_confirmed
from .words import chrome_fmt, payee_fmt, when
from .security import Refused


def _runs(ctx: Ctx, limit: int = 50) -> list[Run]:
    return list(ctx.db.execute(select(Run).where(Run.status != "replaced")
                               .order_by(Run.id.desc()).limit(limit)).scalars())


@page(roles=("admin", "finance"))
def overview(ctx: Ctx) -> Response:
    counts = dict(ctx.db.execute(select(IngestedRow.plan_id, func.count()).group_by(
        IngestedRow.plan_id)).all())
    open_disputes = ctx.db.execute(select(func.count()).select_from(Dispute).where(
        Dispute.status != "resolved")).scalar()
    return ctx.render("admin.html", plans=list(ctx.portal.plans.values()),
                      failed=ctx.portal.failed, counts=counts, runs=_runs(ctx, 20),
                      open_disputes=open_disputes, **_run_words(ctx))


@page(roles=("admin", "finance"))
def runs_page(ctx: Ctx) -> Response:
    return ctx.render("runs.html", runs=_runs(ctx, 500), **_run_words(ctx))


def _run_words(ctx: Ctx) -> dict:
    """How the runs table writes a run's total and when it was made (issue 15): each
    total in its plan's locale and the run's currency (as /finance writes each plan's
    amount; the table's words are the reader's), the moment in the reader's format."""
    reader = chrome_fmt(ctx.portal, ctx.account, None, None)

    def run_fmt(run: Run) -> Fmt:
        pf = payee_fmt(ctx.portal, run.plan_id)
        return shared(pf.code, run.currency or pf.currency, pf.places)
    return {"run_fmt": run_fmt, "when": lambda moment: when(reader, moment)}


@page(roles=("admin",))
def save_run(ctx: Ctx) -> Response:
    lp = ctx.portal.plan(ctx.path("plan"))
    saved = save_live_run(ctx.portal, lp, ctx.account.login)
    return ctx.redirect(f"/admin/runs#run-{saved.run.id}")


def _transition(ctx: Ctx, fn) -> Response:
    run_id = ctx.int_path("run")
    try:
        with ctx.portal.write_lock if ctx.portal.store.dialect == "sqlite" else _Null():
            fn(ctx.portal.store, run_id, ctx.account.login)
    except lifecycle.LifecycleError as e:
        raise Refused(409, str(e))
    return ctx.redirect(f"/admin/runs#run-{run_id}")


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@page(roles=("finance",))
def approve(ctx: Ctx) -> Response:
    check_confirmed(ctx, ctx.int_path("run"), "approve")  # issue 15: never one click
    return _transition(ctx, lifecycle.approve)


@page(roles=("finance",))
def pay(ctx: Ctx) -> Response:
    check_confirmed(ctx, ctx.int_path("run"), "pay")
    return _transition(ctx, lifecycle.mark_paid)


# ------------------------------------------------------------------ checking a plan

def _problems(text: str, name: str) -> tuple[list[dict], dict[str, int]]:
    """Each problem to show, and per severity how many more were found and not kept."""
    checked = check_source(text, name)
    lines = text.split("\n")
    out = []
    for p in checked.problems.sorted():
        src = caret = ""
        if p.line is not None and 0 < p.line <= len(lines):
            src = lines[p.line - 1].rstrip("\r")
            if p.col is not None:
                caret = "".join("\t" if c == "\t" else " " for c in src[: p.col - 1]) + "^"
        out.append({"where": p.where, "severity": p.severity, "message": p.text,
                    "source": src, "caret": caret, "hint": p.hint or "",
                    "told": p.code != "more-problems"})
    return out, checked.problems.more


@page(roles=("admin", "finance"))
def check_form(ctx: Ctx) -> Response:
    return ctx.render("check.html", name="", problems=None)


@page(roles=("admin", "finance"))
def check_plan(ctx: Ctx) -> Response:
    name, data = ctx.files.get("plan", ("", b""))
    if not data:
        raise Refused(400, "choose a plan file (.yaml) to check")
    name = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "plan.yaml"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Refused(400, f"{name} is not UTF-8 text (byte {e.start})", "save it as UTF-8")
    problems, more = _problems(text, name)
    told = [p for p in problems if p["told"]]
    errors = sum(p["severity"] == "error" for p in told)
    return ctx.render("check.html", name=name, problems=problems,
                      errors=errors + more.get("error", 0),
                      warnings=len(told) - errors + more.get("warning", 0))


# ------------------------------------------------------------------ tokens and audit

@page(roles=("admin",))
def tokens_page(ctx: Ctx) -> Response:
    rows = list(ctx.db.execute(select(ApiToken).order_by(ApiToken.id.desc())).scalars())
    return ctx.render("tokens.html", tokens=rows, created=None, plans=sorted(ctx.portal.plans))


@page(roles=("admin",))
def create_token_page(ctx: Ctx) -> Response:
    name = (ctx.form.get("name") or "").strip()[:200]
    plan = ctx.form.get("plan") or None
    if not name:
        raise Refused(400, "name the token (who or what will use it)")
    if plan and plan not in ctx.portal.plans:
        raise Refused(400, f"there is no open period for plan '{plan[:60]}'")
    row, plain = ctx.portal.write(lambda db: create_token(db, name, ctx.account.login, plan))
    rows = list(ctx.db.execute(select(ApiToken).order_by(ApiToken.id.desc())).scalars())
    return ctx.render("tokens.html", tokens=rows, created=(row, plain),
                      plans=sorted(ctx.portal.plans))


@page(roles=("admin",))
def revoke_token_page(ctx: Ctx) -> Response:
    tid = ctx.int_path("id")
    ctx.portal.write(lambda db: revoke_token(db, tid, ctx.account.login))
    return ctx.redirect("/admin/tokens")


@page(roles=("admin", "finance"))
def audit_page(ctx: Ctx) -> Response:
    before = ctx.query_int("before")
    q = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(100)
    if before is not None:
        q = q.where(AuditEntry.seq < before)
    rows = list(ctx.db.execute(q).scalars())
    entries = [(e, json.loads(e.payload)) for e in rows]
    return ctx.render("audit.html", entries=entries,
                      older=rows[-1].seq if len(rows) == 100 else None)
