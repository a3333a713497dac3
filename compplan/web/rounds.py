"""Target rounds in the portal (issue 19): the pages over compplan/targets/rounds.py.

    /targets/rounds                       the rounds the account takes part in
    /targets/rounds/new                   an admin opens a round (form)
    /targets/rounds/{id}                  a rep: their own lines, history and answer forms;
                                          a manager: the team's lines side by side, the
                                          decisions, totals against top-down; admin: all
    /targets/rounds/{id}/totals.json      the totals, polled as answers arrive (a manager:
                                          the round's, their team's, and the other teams'
                                          in one sum, never another team's line)
    /targets/rounds/{id}/lines/{line}     one line: its history and every version
    /targets/rounds/{id}/export.csv       the approved figures as the plan's targets file
    /targets/rounds/{id}/deadline         (POST) the admin moves the round's deadline
    /targets/rounds/{id}/lines/{line}/reopen  (POST) the admin reopens a decided line

Who may see or change a line is decided in targets/rounds.py (`sees_line`); a line the
account may not see is a 404 here, by page or by form, as one that does not exist.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import json
import tempfile
from decimal import Decimal
from pathlib import Path

from babel.numbers import get_decimal_symbol
from sqlalchemy import select
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..targets import rounds as logic
from ..targets import store as tstore
from ..render.locale import Fmt
from ..targets.display import english, shown
from ..targets.round_tables import RoundAssumption, RoundHistory, TargetRound
from . import round_reports
from .endpoint import Ctx, page
from .security import Refused
from .words import NotAnAmount, fmt_for, own_words, parse_money, when


def actor_of(ctx: Ctx, plan_id: str | None) -> logic.Actor:
    a = ctx.account
    return logic.Actor(a.login, a.role, a.payee if a.payee and a.plan_id == plan_id else None)


def _guard(fn):
    """RoundError -> Refused, so the page says why in the portal's own way."""
    try:
        return fn()
    except logic.RoundError as e:
        raise Refused(e.status, e.text, e.hint_text, params=e.params)


def round_and_actor(ctx: Ctx):
    rid = ctx.int_path("id")
    with_plan = ctx.db.get(TargetRound, rid)
    actor = actor_of(ctx, with_plan.plan_id if with_plan else None)
    return _guard(lambda: logic.get_round(ctx.db, rid, actor)), actor


def today(ctx: Ctx) -> dt.date:
    """The portal's day (a demo or test of a past period sets it)."""
    return ctx.portal.as_of or dt.date.today()


def writer(ctx: Ctx, r, actor: logic.Actor) -> Fmt:
    """The words and numbers' format of a round's page: a rep's page in the rep's locale
    (as their statement), a manager's in their own (words.own_words: their payee row's,
    else their browser's language), admin's in the plan's; English where the plan is
    not open in the portal."""
    lp = ctx.portal.plans.get(r.plan_id)
    if lp is None:
        return english()
    if actor.role == "rep" and actor.payee and actor.payee in lp.run.prep.payees:
        return fmt_for(lp, actor.payee)
    if actor.role == "manager":
        return own_words(ctx.portal, ctx.account, lp,
                         ctx.request.headers.get("accept-language"))
    return fmt_for(lp)


def showing(r, f: Fmt):
    """(show, pct) for a template: show(value, kpi) writes a figure as the KPI displays
    it, pct(value) a share (attainment, a gap) as a percentage, both in `f`'s locale."""
    kinds = logic.displays(r)

    def show(value, kpi: str) -> str:
        return shown(value, kinds.get(kpi, "number"), f)

    def pct(value) -> str:
        return shown(value, "percent", f)
    return show, pct


def typed(text: str | None, f: Fmt) -> str | None:
    """A figure as a person types it in their locale (11.500 or 0,25 in vi; 25%) back to
    the plain digits the round reads; text that is not a number goes on as it is, for
    the round to say why."""
    raw = (text or "").strip()
    if not raw:
        return raw
    pct = raw.endswith("%")
    body = raw[:-1].strip() if pct else raw
    marks = [c for c in body if c in ".,"]
    point = get_decimal_symbol(f.locale)
    if len(marks) == 1 and marks[0] == point and re.fullmatch(r"-?\d{1,3}[.,]\d{3}", body):
        # 11,500 is 11.5 where the comma is the decimal point (vi, pl), 11500 elsewhere
        plain = body.replace(point, "")
        raise Refused(400, "'{text}' cannot be read for sure in your language ({language}): "
                      "'{point}' is its decimal point", "write the figure without separators: "
                      "{plain}, or with the decimals: {decimals}",
                      params={"text": raw[:40], "language": f.locale.get_display_name(f.locale),
                              "point": point, "plain": plain,
                              "decimals": shown(Decimal(plain), "money", f)})
    try:
        value = parse_money(raw[:-1] if pct else raw, f)
    except NotAnAmount:
        return raw
    return f"{value}%" if pct else str(value)


def history_of(ctx: Ctx, round_id: int, who: str, kpi: str) -> list[dict]:
    """Last year's months for a line: actual, the target then and the attainment."""
    rows = ctx.db.execute(select(RoundHistory).where(
        RoundHistory.round_id == round_id, RoundHistory.who == who,
        RoundHistory.kpi == kpi).order_by(RoundHistory.period)).scalars()
    out = []
    for h in rows:
        att = h.actual / h.target if h.target else None
        out.append({"period": h.period, "actual": h.actual, "target": h.target,
                    "attainment": att})
    return out


def assumptions_of(ctx: Ctx, round_id: int) -> list[RoundAssumption]:
    return list(ctx.db.execute(select(RoundAssumption).where(
        RoundAssumption.round_id == round_id).order_by(RoundAssumption.dated,
                                                       RoundAssumption.name)).scalars())


@page()
def index(ctx: Ctx) -> Response:
    rows = []
    for r in logic.rounds_for(ctx.db, actor_of(ctx, ctx.account.plan_id)):
        rows.append(r)
    return ctx.render("rounds/index.html", rounds=rows, admin=ctx.account.role == "admin")


# the form's examples: codes and ids of the field sample as they are typed, not words
# (the rest of the form is said through the catalogs)
EXAMPLES = {"kpis": "revenue, new_outlets", "people": "rita, mia, North",
            "top_down": "revenue=40000"}


@page(roles=("admin",))
def new_form(ctx: Ctx) -> Response:
    return ctx.render("rounds/new.html", sets=tstore.sets(ctx.portal.store),
                      plans=sorted(ctx.portal.plans), today=ctx.portal.as_of or dt.date.today(),
                      examples=EXAMPLES)


def _upload_text(ctx: Ctx, name: str) -> str | None:
    if name not in ctx.files:
        return None
    filename, content = ctx.files[name]
    if not content.strip():
        return None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(400, f"{filename} is not UTF-8 text", "save it as CSV (UTF-8)")


def _read_upload(ctx: Ctx, name: str, suffix: str, reader):
    """An uploaded file read by the targets module's own reader (which takes a path):
    written to a temporary file, read, and removed; problems name the upload."""
    text = _upload_text(ctx, name)
    if text is None:
        return None
    filename = Path(ctx.files[name][0]).name
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / (Path(filename).stem + suffix)
        path.write_text(text, encoding="utf-8")
        out = reader(path)
    problems = out[-1]
    if problems:
        first = problems[0]
        raise Refused(400, f"{filename}: " + str(getattr(first, "message", first)),
                      f"{len(problems)} problem(s) in the file")
    return out


@page(roles=("admin",))
def create(ctx: Ctx) -> Response:
    from ..targets.kpis import load_catalogue
    from ..targets.rounds import kpi_info
    from ..targets.sheets import read_history
    f = ctx.form
    kpis = [k.strip() for k in f.get("kpis", "").replace("\n", ",").split(",") if k.strip()]
    try:
        deadline = dt.date.fromisoformat(f.get("deadline", "").strip())
    except ValueError:
        raise Refused(400, "the deadline is a date (YYYY-MM-DD)")
    plan_id = f.get("plan", "").strip()
    if not plan_id:
        raise Refused(400, "choose the plan whose people take part")
    team = _guard(lambda: logic.parse_team(f.get("people", "")))
    assumptions = _guard(lambda: logic.parse_assumptions(f.get("assumptions", "")))
    hist = _read_upload(ctx, "history", ".csv", read_history)
    cat = _read_upload(ctx, "catalogue", ".yaml", load_catalogue)
    info = {}
    lp = ctx.portal.plans.get(plan_id)
    if cat is not None:
        info = kpi_info(cat[0], lp.compiled if lp is not None else None)
    units_guess = {k: (cat[0].kpis[k].unit if cat and k in cat[0].kpis else "money")
                   for k in kpis}

    def write(db):
        top = _guard(lambda: logic.parse_top_down(f.get("top_down", ""), units_guess))
        return _guard(lambda: logic.open_round(
            db, actor_of(ctx, plan_id), f.get("name", ""), f.get("set", "").strip(), plan_id,
            f.get("period", "").strip(), kpis, team, deadline, top, assumptions,
            hist[0] if hist else None, hist[1] if hist else None, info,
            lp.compiled.plan if lp is not None else None)).id
    rid = ctx.portal.write(write)
    return ctx.redirect(f"/targets/rounds/{rid}")


def _lines_view(ctx: Ctx, r, lines) -> list[dict]:
    out = []
    for ln in lines:
        out.append({"line": ln, "figure": logic.figure(ln), "unit": ln.unit,
                    "cites": json.loads(ln.cites)})
    return out


@page()
def round_page(ctx: Ctx) -> Response:
    r, actor = round_and_actor(ctx)
    lines = logic.visible_lines(ctx.db, r, actor)
    team = logic.team_of(r)
    mine = [ln for ln in lines if ln.who == actor.payee]
    others = [ln for ln in lines if ln.who != actor.payee]
    histories = {ln.id: history_of(ctx, r.id, ln.who, ln.kpi) for ln in mine}
    info = json.loads(r.kpi_info)
    f = writer(ctx, r, actor)
    show, pct = showing(r, f)
    return ctx.render(
        "rounds/round.html", r=r, actor=actor, team=team, mine=_lines_view(ctx, r, mine),
        team_lines=_lines_view(ctx, r, others), histories=histories, info=info,
        team_totals=logic.totals(ctx.db, r, others) if actor.role == "manager" else {},
        all_totals=logic.totals(ctx.db, r) if actor.role in ("admin", "manager") else {},
        assumptions=assumptions_of(ctx, r.id), show=show, pct=pct, kpis=json.loads(r.kpis),
        late=r.status == "open" and today(ctx) > r.deadline,
        formula=f.formula, decides=actor.role in ("admin", "manager"), f=f)


@page()
def totals_json(ctx: Ctx) -> Response:
    r, actor = round_and_actor(ctx)
    if actor.role not in ("admin", "manager"):
        raise Refused(403, "totals are for the team's manager and admin")
    show, pct = showing(r, writer(ctx, r, actor))
    team = (logic.totals(ctx.db, r, [ln for ln in logic.visible_lines(ctx.db, r, actor)
                                     if ln.who != actor.payee])
            if actor.role == "manager" else {})
    out = {}
    for kpi, t in logic.totals(ctx.db, r).items():
        out[kpi] = {k: (show(v, kpi) if k in ("proposed", "figure", "top_down", "gap")
                        else v) for k, v in t.items() if k != "gap_share"}
        out[kpi]["gap_share"] = pct(t["gap_share"])
        if kpi in team and t["adds_up"]:
            # a manager's own team, and every other team in one sum (no one else's line)
            out[kpi]["team"] = show(team[kpi]["figure"], kpi)
            out[kpi]["others"] = show(t["figure"] - team[kpi]["figure"], kpi)
    return JSONResponse({"round": r.id, "status": r.status, "totals": out})


@page()
def line_page(ctx: Ctx) -> Response:
    r, actor = round_and_actor(ctx)
    ln = _guard(lambda: logic.get_line(ctx.db, r, ctx.int_path("line"), actor))
    f = writer(ctx, r, actor)
    show, pct = showing(r, f)
    return ctx.render("rounds/line.html", r=r, ln=ln, actor=actor,
                      history=history_of(ctx, r.id, ln.who, ln.kpi),
                      steps=logic.steps(ctx.db, ln), figure=logic.figure(ln), show=show,
                      pct=pct, formula=f.formula, f=f, when=lambda moment: when(f, moment),
                      cites=json.loads(ln.cites),
                      assumptions=[a for a in assumptions_of(ctx, r.id)
                                   if a.name in json.loads(ln.cites)])


def _line_write(ctx: Ctx, fn) -> Response:
    rid, lid = ctx.int_path("id"), ctx.int_path("line")

    def write(db):
        r = db.get(TargetRound, rid)
        actor = actor_of(ctx, r.plan_id if r else None)
        return _guard(lambda: fn(db, actor, rid, lid))
    ctx.portal.write(write)
    return ctx.redirect(f"/targets/rounds/{rid}#line-{lid}")


@page()
def answer(ctx: Ctx) -> Response:
    def write(db, actor, rid, lid):
        r = db.get(TargetRound, rid)
        f = writer(ctx, r, actor) if r is not None else english()
        return logic.answer(db, actor, rid, lid, typed(ctx.form.get("figure"), f),
                            ctx.form.get("reason"), today(ctx))
    return _line_write(ctx, write)


@page(roles=("manager", "admin"))
def review(ctx: Ctx) -> Response:
    def write(db, actor, rid, lid):
        r = db.get(TargetRound, rid)
        f = writer(ctx, r, actor) if r is not None else english()
        return logic.review(db, actor, rid, lid, ctx.form.get("action", ""),
                            typed(ctx.form.get("figure"), f), ctx.form.get("reason"))
    return _line_write(ctx, write)


def _date(text: str | None, what: str, required: bool = False) -> dt.date | None:
    text = (text or "").strip()
    if not text and not required:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"{what} is a date (YYYY-MM-DD)")


@page(roles=("admin",))
def reopen(ctx: Ctx) -> Response:
    until = _date(ctx.form.get("until"), "the new due date")
    return _line_write(ctx, lambda db, actor, rid, lid: logic.reopen(
        db, actor, rid, lid, ctx.form.get("reason"), until))


@page(roles=("admin",))
def deadline(ctx: Ctx) -> Response:
    rid = ctx.int_path("id")
    day = _date(ctx.form.get("deadline"), "the deadline", required=True)
    ctx.portal.write(lambda db: _guard(lambda: logic.move_deadline(
        db, actor_of(ctx, None), rid, day, ctx.form.get("reason"))))
    return ctx.redirect(f"/targets/rounds/{rid}")


@page(roles=("admin",))
def approve(ctx: Ctx) -> Response:
    rid = ctx.int_path("id")
    ctx.portal.write(lambda db: _guard(lambda: logic.approve(
        db, actor_of(ctx, None), rid, ctx.form.get("reason"))))
    return ctx.redirect(f"/targets/rounds/{rid}")


@page(roles=("admin",))
def export_csv(ctx: Ctx) -> Response:
    """The approved figures as the plan's targets file (targets/round_export.py): the
    shape of the plan's targets input kept by the round, else that of the plan open in
    the portal, else the long sheet `targets import` reads."""
    import csv
    from ..targets.round_export import ExportError, export_table
    r, _ = round_and_actor(ctx)
    lp = ctx.portal.plans.get(r.plan_id)
    try:
        name, header, rows = export_table(ctx.portal.store, r,
                                          lp.compiled.plan if lp is not None else None)
    except ExportError as e:
        raise Refused(e.status, e.message, e.hint)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return Response(buf.getvalue(), media_type="text/csv", headers={
        "content-disposition": f'attachment; filename="{name}"'})


ROUTES = [
    Route("/targets/rounds", index),
    Route("/targets/rounds/new", new_form),
    Route("/targets/rounds", create, methods=["POST"]),
    Route("/targets/rounds/{id}", round_page),
    Route("/targets/rounds/{id}/totals.json", totals_json),
    Route("/targets/rounds/{id}/approve", approve, methods=["POST"]),
    Route("/targets/rounds/{id}/deadline", deadline, methods=["POST"]),
    Route("/targets/rounds/{id}/export.csv", export_csv),
    Route("/targets/rounds/{id}/report", round_reports.report_page),
    Route("/targets/rounds/{id}/report.csv", round_reports.report_csv),
    Route("/targets/rounds/{id}/report-products.csv", round_reports.products_csv),
    Route("/targets/rounds/{id}/lines/{line}", line_page),
    Route("/targets/rounds/{id}/lines/{line}/answer", answer, methods=["POST"]),
    Route("/targets/rounds/{id}/lines/{line}/review", review, methods=["POST"]),
    Route("/targets/rounds/{id}/lines/{line}/reopen", reopen, methods=["POST"]),
]
