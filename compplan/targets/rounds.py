"""A target round (issue 19): targets set with the people who must meet them.

    open      an admin opens a round on a target set's proposals for a period: its KPIs,
              its people (each rep's manager and territory), a deadline, the top-down
              figure per KPI, named and dated assumptions, and last year's history
    answer    a rep answers each of their own lines with a figure and a reason
    review    the rep's manager accepts (the rep's figure, or the proposal where the rep
              did not answer) or counters with a figure and a reason, line by line
    reopen    the admin sets a manager's decision aside so the rep may answer again (by
              a day of its own), or moves the round's deadline; an answer after the
              day it was due is taken and its step says it came late
    approve   the admin approves the round: each line's figure becomes the approved
              version of its target in the set, which `targets export --approved` (and
              the portal's export) writes as the file the plan's run reads

A line's figure is the manager's where the manager decided, else the rep's, else the
proposal. Every step is a row of target_round_steps (who, when, why, the figure) and an
entry in the audit chain, in the same transaction. Who may do what is checked here
(`sees_line`): a rep their own lines only, a manager the lines of the reps whose manager
they are, admin every line; anything else is refused as if the line did not exist.
Refusals are `RoundError`s with the HTTP status a page answers with.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Word
from ..periods import parse_period
from ..store import audit
from ..store.models import now
from .display import display_of, english, shown
from .model import STEPS
from .round_tables import (RoundAssumption, RoundHistory, RoundLine, RoundStep,
                           TargetRound)
from .store import TargetVersion

MAX_REASON = 2000
KINDS = ("growth", "seasonality", "competitor", "ramp", "market", "route", "other")


class RoundError(Exception):
    """A refusal: `status` is the HTTP status a page answers with (404 for a line the
    asker may not see, as for one that does not exist)."""

    def __init__(self, status: int, message: str, hint: str = "",
                 params: dict | None = None):
        # with params, message and hint are texts of the portal's catalogs with their
        # values apart (web/security.Refused), said in the reader's words on a page
        self.text, self.hint_text, self.params = message, hint, params
        if params:
            message = message.format(**params)
            hint = hint.format(**params) if hint else ""
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint


@dataclass(frozen=True)
class Member:
    who: str
    manager: str
    territory: str = ""


@dataclass(frozen=True)
class Actor:
    """Who acts: a login, a role, and their payee id in the round's plan (if any)."""

    login: str
    role: str
    payee: str | None = None


# ------------------------------------------------------------------ reading what people type

def parse_team(text: str) -> dict[str, Member]:
    """`rita, mia, North` per line: the rep, their manager's payee id, the territory."""
    out: dict[str, Member] = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise RoundError(400, f"people, line {n}: '{line.strip()[:80]}' is not "
                             "'rep, manager[, territory]'", "e.g. rita, mia, North")
        if parts[0] in out:
            raise RoundError(400, f"people, line {n}: {parts[0]} is listed twice")
        out[parts[0]] = Member(parts[0], parts[1], parts[2] if len(parts) > 2 else "")
    if not out:
        raise RoundError(400, "name the people who take part: one 'rep, manager, "
                         "territory' a line")
    return out


def parse_figure(text: str | None, unit: str, what: str = Word("the figure")) -> Decimal:
    """A figure as typed (12,500 or 12500.00; 25% for a ratio), exact, in the KPI's
    step: whole numbers for counts, cents for money."""
    raw = (text or "").strip().replace(",", "").replace(" ", "")
    if not raw:
        raise RoundError(400, "write {what}", params={"what": Word(what)})
    try:
        value = Decimal(raw[:-1]) / 100 if raw.endswith("%") else Decimal(raw)
    except InvalidOperation:
        raise RoundError(400, "'{text}' is not a number", "e.g. 12500.00",
                         params={"text": raw[:40]})
    if not value.is_finite() or value < 0:
        raise RoundError(400, "{what} must be a number of 0 or more, not '{text}'",
                         params={"what": Word(what), "text": raw[:40]})
    step = STEPS[unit]
    if value != value.quantize(step):
        raise RoundError(400, "{what} {text} is not a whole number of {step} (a {unit} "
                         "target)", params={"what": Word(what), "text": raw[:40],
                                            "step": step, "unit": unit})
    return value.quantize(step)


def parse_top_down(text: str, units: dict[str, str]) -> dict[str, Decimal]:
    """`revenue=40000` per line (or `;`: a comma may be a figure's thousands
    separator, 40,000): the company's figure per KPI."""
    out = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        kpi, eq, value = part.partition("=")
        kpi = kpi.strip()
        if not eq or kpi not in units:
            raise RoundError(400, f"top-down: '{part.strip()[:60]}' is not KPI=FIGURE for "
                             "a KPI of the round", "e.g. revenue=40000")
        out[kpi] = parse_figure(value, units[kpi], f"the top-down figure of {kpi}")
    return out


def parse_assumptions(text: str) -> list[dict]:
    """`name | kind | kpi or * | rep, territory or * | YYYY-MM-DD | what it says`."""
    out, seen = [], set()
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 6 or not parts[0]:
            raise RoundError(400, f"assumptions, line {n}: write name | kind | KPI or * | "
                             "rep, territory or * | date | what it says",
                             "e.g. growth-8 | growth | revenue | * | 2026-02-15 | the "
                             "market grows 8%")
        name, kind, kpi, applies, day, words = parts
        if kind not in KINDS:
            raise RoundError(400, f"assumptions, line {n}: '{kind[:40]}' is not a kind",
                             "one of: " + ", ".join(KINDS))
        try:
            dated = dt.date.fromisoformat(day)
        except ValueError:
            raise RoundError(400, f"assumptions, line {n}: '{day[:40]}' is not a date "
                             "(YYYY-MM-DD)")
        if name in seen:
            raise RoundError(400, f"assumptions, line {n}: '{name}' is named twice")
        seen.add(name)
        out.append({"name": name, "kind": kind, "kpi": kpi or "*",
                    "applies_to": applies or "*", "dated": dated, "text": words})
    return out


def _reason(text: str | None, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RoundError(400, "say why: {what}", params={"what": Word(what)})
    if len(text) > MAX_REASON:
        raise RoundError(400, "the reason is too long ({count} characters; at most {most})",
                         params={"count": len(text), "most": MAX_REASON})
    return text


# ------------------------------------------------------------------ who sees what

def displays(r: TargetRound) -> dict[str, str]:
    """Each KPI's display kind in the round (targets/display.py)."""
    return {k: display_of(v.get("unit", "number"), v.get("display"))
            for k, v in json.loads(r.kpi_info).items()}


def kpi_info(cat, compiled=None) -> dict[str, dict]:
    """What a round keeps of each KPI of a catalogue: its name, the plan's measure and
    target column, and its display kind (the catalogue's, else the plan measure's)."""
    from .kpis import display_for
    return {k.code: {"name": k.name, "target": k.target, "measure": k.measure,
                     "display": display_for(k, compiled)} for k in cat.kpis.values()}


def team_of(r: TargetRound) -> dict[str, Member]:
    return {w: Member(w, m["manager"], m.get("territory", ""))
            for w, m in json.loads(r.team).items()}


def sees_line(actor: Actor, r: TargetRound, who: str) -> bool:
    """A rep sees their own lines; a manager those of the reps they manage (and their
    own); admin and finance every line."""
    if actor.role in ("admin", "finance"):
        return True
    if not actor.payee:
        return False
    if who == actor.payee:
        return True
    member = team_of(r).get(who)
    return actor.role == "manager" and member is not None and member.manager == actor.payee


def get_round(db: Session, round_id: int, actor: Actor) -> TargetRound:
    r = db.get(TargetRound, round_id)
    if r is None or not (actor.role in ("admin", "finance") or
                         any(sees_line(actor, r, w) for w in team_of(r))):
        raise RoundError(404, "there is no target round {id} that you can see",
                         params={"id": round_id})
    return r


def visible_lines(db: Session, r: TargetRound, actor: Actor) -> list[RoundLine]:
    rows = db.execute(select(RoundLine).where(RoundLine.round_id == r.id)
                      .order_by(RoundLine.who, RoundLine.id)).scalars()
    return [ln for ln in rows if sees_line(actor, r, ln.who)]


def get_line(db: Session, r: TargetRound, line_id: int, actor: Actor) -> RoundLine:
    ln = db.get(RoundLine, line_id)
    if ln is None or ln.round_id != r.id or not sees_line(actor, r, ln.who):
        raise RoundError(404, "there is no line {line} in round {id} that you can see",
                         params={"line": line_id, "id": r.id})
    return ln


def rounds_for(db: Session, actor: Actor) -> list[TargetRound]:
    rows = db.execute(select(TargetRound).order_by(TargetRound.id.desc())).scalars()
    return [r for r in rows if actor.role in ("admin", "finance") or
            any(sees_line(actor, r, w) for w in team_of(r))]


# ------------------------------------------------------------------ a line's figure

def figure(ln: RoundLine) -> Decimal:
    """The line's figure now: the manager's decision, else the rep's answer, else the
    proposal."""
    if ln.manager_figure is not None:
        return ln.manager_figure
    if ln.rep_figure is not None:
        return ln.rep_figure
    return ln.proposed


def steps(db: Session, ln: RoundLine) -> list[RoundStep]:
    return list(db.execute(select(RoundStep).where(RoundStep.line_id == ln.id)
                           .order_by(RoundStep.version)).scalars())


def _step(db: Session, r: TargetRound, ln: RoundLine, action: str, value: Decimal,
          reason: str, by: str) -> None:
    ln.version += 1
    ln.state = action
    db.add(RoundStep(line_id=ln.id, version=ln.version, action=action, figure=value,
                     reason=reason, by=by, at=now()))
    audit.append(db, by, f"target_round.{action}", f"target round {r.id}", line=ln.id,
                 who=ln.who, kpi=ln.kpi, period=r.period, version=ln.version,
                 figure=str(value), proposed=str(ln.proposed), reason=reason)


def _open(r: TargetRound) -> None:
    if r.status != "open":
        raise RoundError(409, "round {id} is {status}: its figures no longer change",
                         params={"id": r.id, "status": Word(r.status)})


# ------------------------------------------------------------------ the steps

def open_round(db: Session, actor: Actor, name: str, set_name: str, plan_id: str,
               period: str, kpis: list[str], team: dict[str, Member], deadline: dt.date,
               top_down: dict[str, Decimal], assumptions: list[dict],
               history: dict | None = None, history_targets: dict | None = None,
               kpi_info: dict | None = None, plan=None) -> TargetRound:
    """A round on the newest proposals of `set_name` for `period`, one line per person
    and KPI. Refused if a person has no proposal for a KPI (propose first). With the
    compiled `plan`'s model, the round keeps the shape of its targets input, so its
    export is the plan's file wherever it is asked for (round_export.py)."""
    from .round_export import input_shape
    if actor.role != "admin":
        raise RoundError(403, "an admin opens a target round")
    try:
        label = parse_period(period).label
    except ValueError as e:
        raise RoundError(400, str(e))
    if not kpis:
        raise RoundError(400, "choose the KPIs the round sets")
    newest: dict[tuple[str, str], TargetVersion] = {}
    for t in db.execute(select(TargetVersion).where(
            TargetVersion.set_name == set_name, TargetVersion.period == label,
            TargetVersion.level == "payee").order_by(TargetVersion.version)).scalars():
        newest[(t.who, t.kpi)] = t
    missing = [f"{w} {k}" for w in team for k in kpis if (w, k) not in newest]
    if missing:
        raise RoundError(400, f"set {set_name} has no proposal for {label}: "
                         + ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""),
                         "propose them first: compplan targets propose --set "
                         f"{set_name} --period {label} ...")
    units = {k: newest[(w, k)].unit for w in team for k in kpis}
    info = {k: {"unit": units[k], **((kpi_info or {}).get(k, {}))} for k in kpis}
    for k, v in info.items():
        v["display"] = display_of(units[k], v.get("display"))
    extra = set(top_down) - set(kpis)
    if extra:
        raise RoundError(400, "top-down figures for KPIs outside the round: "
                         + ", ".join(sorted(extra)))
    r = TargetRound(name=name.strip() or f"{set_name} {label}", set_name=set_name,
                    plan_id=plan_id, period=label, kpis=json.dumps(kpis),
                    team=json.dumps({w: {"manager": m.manager, "territory": m.territory}
                                     for w, m in team.items()}, sort_keys=True),
                    top_down=json.dumps({k: str(v) for k, v in top_down.items()}),
                    kpi_info=json.dumps(info, sort_keys=True), deadline=deadline,
                    targets_input=None if plan is None or input_shape(plan, info) is None
                    else json.dumps(input_shape(plan, info)),
                    status="open", created_by=actor.login)
    db.add(r)
    db.flush()
    for a in assumptions:
        db.add(RoundAssumption(round_id=r.id, **a))
    for (who, kpi), rows in sorted((history or {}).items()):
        if who in team and kpi in kpis:
            for p, actual in sorted(rows.items()):
                tgt = (history_targets or {}).get((who, kpi), {}).get(p)
                db.add(RoundHistory(round_id=r.id, who=who, kpi=kpi, period=p,
                                    actual=actual, target=tgt))
    for who in sorted(team):
        for kpi in kpis:
            t = newest[(who, kpi)]
            cites = [a["name"] for a in assumptions
                     if a["kpi"] in ("*", kpi) and
                     a["applies_to"] in ("*", who, team[who].territory)]
            ln = RoundLine(round_id=r.id, who=who, kpi=kpi, unit=t.unit, proposed=t.value,
                           proposed_how=t.how, target_id=t.id, rep_reason="",
                           manager_reason="", state="proposed", version=0,
                           cites=json.dumps(cites))
            db.add(ln)
            db.flush()
            _step(db, r, ln, "proposed", t.value, f"set {set_name} v{t.version}: {t.how}",
                  actor.login)
    audit.append(db, actor.login, "target_round.opened", f"target round {r.id}",
                 set=set_name, plan=plan_id, period=label, kpis=kpis, people=sorted(team),
                 deadline=deadline.isoformat(), top_down={k: str(v) for k, v in
                                                          top_down.items()},
                 assumptions=[a["name"] for a in assumptions])
    return r


def answer(db: Session, actor: Actor, round_id: int, line_id: int, value: str | None,
           reason: str | None, today: dt.date | None = None) -> RoundLine:
    """The rep's own figure for one of their lines, with the reason. A rep may answer
    again until the manager accepts. An answer after the deadline is still taken (the
    manager decides whether it counts) and the step says it came late."""
    r = get_round(db, round_id, actor)
    ln = get_line(db, r, line_id, actor)
    if actor.role != "rep" or ln.who != actor.payee:
        raise RoundError(403, "only the rep whose target it is answers it")
    _open(r)
    if ln.state == "accepted":
        raise RoundError(409, "your manager has accepted this line",
                         "ask the comp admin to reopen it")
    ln.rep_figure = parse_figure(value, ln.unit, Word("your figure"))
    ln.rep_reason = _reason(reason, Word("what makes your figure right"))
    ln.manager_figure, ln.manager_reason = None, ""
    due = due_date(r, ln)
    late = today is not None and today > due
    _step(db, r, ln, "answered", ln.rep_figure,
          (f"late, after the deadline {due}: " if late else "") + ln.rep_reason,
          actor.login)
    return ln


def due_date(r: TargetRound, ln: RoundLine) -> dt.date:
    """The day a line's answer is due: the one the admin gave when reopening it, else
    the round's deadline."""
    return ln.deadline or r.deadline


def reopen(db: Session, actor: Actor, round_id: int, line_id: int, reason: str | None,
           until: dt.date | None = None) -> RoundLine:
    """The admin reopens a line: the manager's decision is set aside (the line's figure
    is the rep's answer again, else the proposal), the rep may answer again, by `until`
    where given (their answers before it are not late). A step and an audit entry say
    who reopened it, when and why. An approved round is not reopened: its figures are
    the set's approved targets (change them with `targets change`, or open a round)."""
    if actor.role != "admin":
        raise RoundError(403, "the comp admin reopens a line")
    r = get_round(db, round_id, actor)
    ln = get_line(db, r, line_id, actor)
    if r.status != "open":
        raise RoundError(409, f"round {r.id} is {r.status}: its figures are approved targets",
                         "change a target with compplan targets change, or open a round")
    why = _reason(reason, "why the line is reopened")
    ln.manager_figure, ln.manager_reason = None, ""
    if until is not None:
        ln.deadline = until
    _step(db, r, ln, "reopened", figure(ln),
          why + (f" (answers due by {until})" if until is not None else ""), actor.login)
    return ln


def move_deadline(db: Session, actor: Actor, round_id: int, deadline: dt.date,
                  reason: str | None) -> TargetRound:
    """The admin moves the round's deadline (answers after the old one are then on
    time); the audit entry keeps the old and the new day, who and why."""
    if actor.role != "admin":
        raise RoundError(403, "the comp admin moves a round's deadline")
    r = get_round(db, round_id, actor)
    _open(r)
    why = _reason(reason, "why the deadline moves")
    old, r.deadline = r.deadline, deadline
    audit.append(db, actor.login, "target_round.deadline", f"target round {r.id}",
                 old=old.isoformat(), new=deadline.isoformat(), reason=why)
    return r


def review(db: Session, actor: Actor, round_id: int, line_id: int, action: str,
           value: str | None = None, reason: str | None = None) -> RoundLine:
    """The manager's decision on a line: accept (the rep's figure, or the proposal where
    the rep has not answered) or counter with a figure and a reason."""
    r = get_round(db, round_id, actor)
    ln = get_line(db, r, line_id, actor)
    if actor.role not in ("manager", "admin") or (actor.role == "manager"
                                                   and ln.who == actor.payee):
        raise RoundError(403, "the rep's manager (or an admin) decides a line")
    _open(r)
    if action == "accept":
        chosen = ln.rep_figure if ln.rep_figure is not None else ln.proposed
        why = (reason or "").strip()[:MAX_REASON] or (
            "the rep's figure" if ln.rep_figure is not None else "the proposal")
        ln.manager_figure, ln.manager_reason = chosen, why
        _step(db, r, ln, "accepted", chosen, why, actor.login)
    elif action == "counter":
        ln.manager_figure = parse_figure(value, ln.unit, Word("the counter figure"))
        ln.manager_reason = _reason(reason, Word("why you counter"))
        _step(db, r, ln, "countered", ln.manager_figure, ln.manager_reason, actor.login)
    else:
        raise RoundError(400, "'{action}' is not a decision", "accept or counter",
                         params={"action": str(action)[:20]})
    return ln


def approve(db: Session, actor: Actor, round_id: int, reason: str | None = None
            ) -> list[TargetVersion]:
    """The round's figures become the approved versions of their targets in the set:
    a line whose figure is the proposal approves that version; any other adds a version
    with the figure and how it was agreed, and approves it."""
    if actor.role != "admin":
        raise RoundError(403, "an admin approves a target round")
    r = get_round(db, round_id, actor)
    _open(r)
    why = (reason or "").strip()[:MAX_REASON] or "round approved"
    stamp = now()
    approved: list[TargetVersion] = []
    for ln in db.execute(select(RoundLine).where(RoundLine.round_id == r.id)
                         .order_by(RoundLine.id)).scalars():
        value = figure(ln)
        base = db.get(TargetVersion, ln.target_id)
        newest = db.execute(select(TargetVersion).where(
            TargetVersion.set_name == r.set_name, TargetVersion.level == "payee",
            TargetVersion.who == ln.who, TargetVersion.kpi == ln.kpi,
            TargetVersion.period == r.period, TargetVersion.product == base.product,
            TargetVersion.territory == base.territory)
            .order_by(TargetVersion.version.desc()).limit(1)).scalar_one()
        if newest.value == value and newest.id == base.id:
            t = newest
        else:
            how = agreed_how(ln, r)
            t = TargetVersion(set_name=r.set_name, level="payee", who=ln.who, kpi=ln.kpi,
                              period=r.period, product=base.product,
                              territory=base.territory, version=newest.version + 1,
                              value=value, unit=ln.unit, effective_from=base.effective_from,
                              effective_to=base.effective_to, status="proposed",
                              method="round", how=how, note=f"target round {r.id}",
                              created_by=actor.login)
            db.add(t)
            db.flush()
        t.status, t.approved_by, t.approved_at = "approved", actor.login, stamp
        approved.append(t)
        _step(db, r, ln, "approved", value, why, actor.login)
    r.status, r.approved_by, r.approved_at = "approved", actor.login, stamp
    audit.append(db, actor.login, "target_round.approved", f"target round {r.id}",
                 set=r.set_name, period=r.period, reason=why, ids=[t.id for t in approved],
                 totals={k: str(v["figure"]) for k, v in totals(db, r).items()})
    return approved


def agreed_how(ln: RoundLine, r: TargetRound) -> str:
    """How a line's figure was agreed, in one line, for the approved target's `how`
    (its figures written as the KPI displays them)."""
    kind = displays(r).get(ln.kpi, display_of(ln.unit))

    def w(v):
        return shown(v, kind, english())
    parts = [f"round {r.id}: proposed {w(ln.proposed)}"]
    if ln.rep_figure is not None:
        parts.append(f"{ln.who} answered {w(ln.rep_figure)} ({ln.rep_reason})")
    if ln.state == "countered" or (ln.manager_figure is not None
                                   and ln.manager_figure != ln.rep_figure):
        parts.append(f"manager countered {w(ln.manager_figure)} ({ln.manager_reason})")
    elif ln.manager_figure is not None:
        parts.append("manager accepted")
    return "; ".join(parts)


# ------------------------------------------------------------------ totals against top-down

def totals(db: Session, r: TargetRound, lines: list[RoundLine] | None = None) -> dict:
    """Per KPI: the proposals' sum, the figures' sum now, the top-down figure and the
    gap (figures less top-down), as `targets reconcile` puts bottom-up against
    top-down. With `lines`, over those lines only (a manager's team)."""
    if lines is None:
        lines = list(db.execute(select(RoundLine).where(RoundLine.round_id == r.id)
                                ).scalars())
    top = {k: Decimal(v) for k, v in json.loads(r.top_down).items()}
    out: dict[str, dict] = {}
    for kpi in json.loads(r.kpis):
        mine = [ln for ln in lines if ln.kpi == kpi]
        if not mine:
            continue
        unit = mine[0].unit
        proposed = sum((ln.proposed for ln in mine), Decimal(0))
        now_ = sum((figure(ln) for ln in mine), Decimal(0))
        answered = sum(1 for ln in mine if ln.rep_figure is not None)
        td = top.get(kpi)
        out[kpi] = {"unit": unit, "proposed": proposed, "figure": now_, "top_down": td,
                    "gap": None if td is None else now_ - td,
                    "gap_share": None if not td else (now_ - td) / td,
                    "lines": len(mine), "answered": answered,
                    "adds_up": unit in ("money", "count")}
    return out
