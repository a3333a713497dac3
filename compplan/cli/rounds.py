"""`compplan targets round ...`: a target round (issue 19) from the command line, for a
comp admin scripting it. The portal's pages and these commands share the round's rules
(targets/rounds.py) and its export (targets/round_export.py).

    open      open a round on a set's proposals: plan, period, KPIs, people, deadline,
              top-down figures, assumptions, last year's history
    list      the rounds, a line each
    status    one round: totals against top-down, lines by state, who has answered
              nothing yet, late answers
    approve   the round's figures become the set's approved targets
    reopen    set a manager's decision on a line aside so the rep answers again
    deadline  move the round's deadline
    export    the approved figures as the plan's targets file (or the long sheet)

Every step is done as the admin named by --as (default: the login name), recorded in
the audit chain as in the portal.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import click

from ..errors import CompplanError
from .lazy import lazy
from .store import (actor_name, actor_option, db_option, exit_on_problems, open_store,
                    plan_and_catalogue, refuse)

sql = lazy("sqlalchemy")  # imported by the commands that read the store





def _admin(actor):
    from ..targets.rounds import Actor
    return Actor(actor_name(actor), "admin")


def _round(db, round_id: int):
    """The round as an admin sees it, or its error and exit 1."""
    from ..targets import rounds
    try:
        return rounds.get_round(db, round_id, _admin(None))
    except rounds.RoundError as e:
        refuse(e.message)


def _day(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not a date (YYYY-MM-DD)", param_hint=what)


def _people(path: str) -> str:
    """A people file (rep, manager, territory; a header row is skipped) as the round's
    `rep, manager, territory` lines."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    if rows and len(rows[0]) > 1 and rows[0][1].strip().lower() == "manager":
        rows = rows[1:]
    return "\n".join(", ".join(c.strip() for c in r) for r in rows)


def _do(store, fn):
    """Run one step in a transaction; a refusal is the round's words, exit 1."""
    from ..targets.rounds import RoundError
    with store.session() as db:
        try:
            out = fn(db)
        except RoundError as e:
            db.rollback()
            refuse(e.message + (f" ({e.hint})" if e.hint else ""))
        db.commit()
        return out


@click.group("round")
def round_group():
    """Target rounds: targets set with the reps and managers who must meet them."""


@round_group.command("open")
@click.option("--set", "set_name", required=True, help="the target set holding the proposals")
@click.option("--plan", "plan_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="the plan whose targets the round sets (e.g. plans/field.yaml)")
@click.option("--kpis", "kpis_path", required=True,
              type=click.Path(exists=True, dir_okay=False), help="the KPI catalogue")
@click.option("--only", default=None, help="these KPIs of the catalogue (comma-separated)")
@click.option("--period", required=True)
@click.option("--people", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV: rep, manager, territory")
@click.option("--deadline", required=True, help="answers due by (YYYY-MM-DD)")
@click.option("--top-down", "top_down", multiple=True, help="KPI=FIGURE (repeatable)")
@click.option("--assumptions", "assumptions_path", default=None,
              type=click.Path(exists=True, dir_okay=False),
              help="a line each: name | kind | KPI or * | rep, territory or * | date | text")
@click.option("--history", default=None, type=click.Path(exists=True, dir_okay=False),
              help="last year's actuals: who, kpi, period, actual[, target]")
@click.option("--name", default="", help="the round's name (default: set and period)")
@db_option
@actor_option
def open_cmd(set_name, plan_path, kpis_path, only, period, people, deadline, top_down,
             assumptions_path, history, name, db_url, actor):
    """Open a round on the newest proposals of a set."""
    from ..targets import rounds
    from ..targets.sheets import read_history
    compiled, cat = plan_and_catalogue(plan_path, kpis_path)
    kpis = [k.strip() for k in only.split(",") if k.strip()] if only else list(cat.kpis)
    unknown = [k for k in kpis if k not in cat.kpis]
    if unknown:
        raise click.BadParameter(f"not in the catalogue: {', '.join(unknown)}",
                                 param_hint="--only")
    hist = (None, None)
    if history:
        actuals, targets, problems = read_history(history)
        exit_on_problems(problems)
        hist = (actuals, targets)
    texts = Path(assumptions_path).read_text(encoding="utf-8") if assumptions_path else ""
    try:
        team = rounds.parse_team(_people(people))
        notes = rounds.parse_assumptions(texts)
        top = rounds.parse_top_down(";".join(top_down), {k: cat.kpis[k].unit for k in kpis})
    except rounds.RoundError as e:
        refuse(e.message + (f" ({e.hint})" if e.hint else ""))
    info = {k: v for k, v in rounds.kpi_info(cat, compiled).items() if k in kpis}
    store = open_store(db_url)
    r = _do(store, lambda db: rounds.open_round(
        db, _admin(actor), name, set_name, compiled.plan.plan, period, kpis, team,
        _day(deadline, "--deadline"), top, notes, hist[0], hist[1], info, compiled.plan))
    click.echo(f"opened round {r.id}: {r.name}, {len(team)} people x {len(kpis)} KPIs, "
               f"answers due by {r.deadline}")


@round_group.command("list")
@db_option
def list_cmd(db_url):
    """The rounds, newest first: id, name, plan, period, deadline, state, answers."""
    from ..targets.round_tables import RoundLine, TargetRound
    store = open_store(db_url)
    with store.session() as db:
        found = list(db.execute(sql.select(TargetRound).order_by(TargetRound.id.desc())).scalars())
        if not found:
            click.echo("no target rounds")
            return
        click.echo("id\tname\tplan\tperiod\tdeadline\tstate\tanswered\tdecided")
        for r in found:
            lines = list(db.execute(sql.select(RoundLine).where(RoundLine.round_id == r.id))
                         .scalars())
            answered = sum(1 for ln in lines if ln.rep_figure is not None)
            decided = sum(1 for ln in lines if ln.manager_figure is not None)
            click.echo(f"{r.id}\t{r.name}\t{r.plan_id}\t{r.period}\t{r.deadline}\t{r.status}"
                       f"\t{answered}/{len(lines)}\t{decided}/{len(lines)}")


@round_group.command("status")
@click.argument("round_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="the same as JSON, for scripts")
@db_option
def status_cmd(round_id, as_json, db_url):
    """One round: totals against top-down per KPI, lines by state, who has answered none
    of their lines, and answers that came late."""
    from ..targets import rounds
    from ..targets.display import english, shown
    store = open_store(db_url)
    with store.session() as db:
        r = _round(db, round_id)
        lines = rounds.visible_lines(db, r, _admin(None))
        kinds, f = rounds.displays(r), english()
        states: dict[str, int] = {}
        for ln in lines:
            states[ln.state] = states.get(ln.state, 0) + 1
        # the reps who have answered none of their lines yet
        waiting = sorted({ln.who for ln in lines} -
                         {ln.who for ln in lines if ln.rep_figure is not None})
        late = [f"{ln.who} {ln.kpi}" for ln in lines
                if any(s.action == "answered" and s.reason.startswith("late,")
                       for s in rounds.steps(db, ln))]
        totals = rounds.totals(db, r, lines)
        out = {"round": r.id, "name": r.name, "plan": r.plan_id, "period": r.period,
               "deadline": r.deadline.isoformat(), "status": r.status, "states": states,
               "not_answered": waiting, "late": late, "totals": {
                   k: {"unit": t["unit"], "adds_up": t["adds_up"],
                       "proposed": str(t["proposed"]), "figure": str(t["figure"]),
                       "top_down": None if t["top_down"] is None else str(t["top_down"]),
                       "gap": None if t["gap"] is None else str(t["gap"]),
                       "answered": t["answered"], "lines": t["lines"]}
                   for k, t in totals.items()}}
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"round {r.id}: {r.name} ({r.plan_id} {r.period}), {r.status}, answers due by "
               f"{r.deadline}")
    click.echo("lines: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    click.echo("not answered yet: " + (", ".join(waiting) or "nobody"))
    if late:
        click.echo("answered late: " + ", ".join(late))
    for k, t in totals.items():
        if not t["adds_up"]:
            click.echo(f"{k}: set per rep ({kinds.get(k)}), {t['answered']}/{t['lines']} "
                       "answered")
            continue
        kind = kinds.get(k, "number")
        w = {part: "none" if t[part] is None else shown(t[part], kind, f)
             for part in ("proposed", "figure", "top_down", "gap")}
        click.echo(f"{k}: proposed {w['proposed']}, now {w['figure']}, top-down "
                   f"{w['top_down']}, gap {w['gap']}; {t['answered']}/{t['lines']} "
                   "answered")


@round_group.command("approve")
@click.argument("round_id", type=int)
@click.option("--reason", default="", help="the note kept with the approval")
@db_option
@actor_option
def approve_cmd(round_id, reason, db_url, actor):
    """The round's figures become the approved targets of its set."""
    from ..targets import rounds
    store = open_store(db_url)
    done = _do(store, lambda db: rounds.approve(db, _admin(actor), round_id, reason))
    click.echo(f"approved round {round_id}: {len(done)} targets")


@round_group.command("reopen")
@click.argument("round_id", type=int)
@click.option("--who", required=True, help="the rep whose line it is")
@click.option("--kpi", required=True)
@click.option("--reason", required=True, help="why the line is reopened")
@click.option("--until", default=None, help="the rep's answer is due by (YYYY-MM-DD)")
@db_option
@actor_option
def reopen_cmd(round_id, who, kpi, reason, until, db_url, actor):
    """Set a manager's decision on a rep's line aside, so the rep answers again."""
    from ..targets import rounds
    from ..targets.round_tables import RoundLine
    store = open_store(db_url)
    day = _day(until, "--until") if until else None

    def step(db):
        lid = db.execute(sql.select(RoundLine.id).where(
            RoundLine.round_id == round_id, RoundLine.who == who,
            RoundLine.kpi == kpi)).scalar_one_or_none()
        if lid is None:
            raise rounds.RoundError(404, f"round {round_id} has no line for {who} {kpi}")
        return rounds.reopen(db, _admin(actor), round_id, lid, reason, day)
    ln = _do(store, step)
    click.echo(f"reopened round {round_id} line {ln.id} ({who} {kpi}), version {ln.version}"
               + (f", answers due by {day}" if day else ""))


@round_group.command("deadline")
@click.argument("round_id", type=int)
@click.argument("day")
@click.option("--reason", required=True)
@db_option
@actor_option
def deadline_cmd(round_id, day, reason, db_url, actor):
    """Move the round's deadline."""
    from ..targets import rounds
    store = open_store(db_url)
    r = _do(store, lambda db: rounds.move_deadline(db, _admin(actor), round_id,
                                                   _day(day, "DAY"), reason))
    click.echo(f"round {round_id}: answers due by {r.deadline}")


@round_group.command("export")
@click.argument("round_id", type=int)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--plan", "plan_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="the plan, for a round opened without it (the file's columns)")
@db_option
def export_cmd(round_id, out_path, plan_path, db_url):
    """The approved figures as the plan's targets file (or the long sheet)."""
    from ..targets.round_export import ExportError, export_table
    from ..targets.sheets import write_table
    plan = None
    if plan_path:
        from ..engine import load_plan
        try:
            plan = load_plan(plan_path).plan
        except CompplanError as e:
            exit_on_problems(e.problems)
    store = open_store(db_url)
    with store.session() as db:
        r = _round(db, round_id)
        db.expunge(r)
    try:
        name, header, rows = export_table(store, r, plan)
    except ExportError as e:
        refuse(e.message)
    from ..targets.sheets import LONG
    write_table(out_path, header, rows, data=header != LONG)
    click.echo(f"wrote {out_path}: " + (
        f"{len(rows)} target versions (the long sheet; give --plan for the plan's file)"
        if header == LONG else f"{len(rows)} rows of round {round_id}'s approved targets "
        f"(the plan's {name})"))
