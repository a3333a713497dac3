"""`compplan targets ...`: setting quotas and KPI targets, from history to approval.

    propose    work out proposed targets from history and rules, each with its formula
    import     a target sheet (CSV/xlsx) as proposals: bottom-up numbers, edits
    list       the targets of a set (newest versions, or every version)
    change     a new version of a target from a day inside its period
    approve    proposals -> approved, recorded with who approved them
    export     the target sheet, or (--approved) the file a plan's targets input reads
    review     the health of a set: attainment, share at 100% at last year's pace, outliers
    reconcile  bottom-up against top-down at every level of the hierarchy
    round      target rounds with the reps and managers (cli/rounds.py)
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..datafolder import HINT, OutsideFolder, inside
from ..periods import parse_period
from .store import (actor_name, actor_option, db_option, exit_on_problems, kpi_catalogue,
                    open_store, plan_and_catalogue, refuse)



def _number(text: str, what: str) -> Decimal:
    from ..targets.sheets import parse_decimal
    try:
        return parse_decimal(text)
    except (InvalidOperation, ValueError):
        raise click.BadParameter(f"'{text}' is not a number", param_hint=what)


def _per_kpi(values: tuple[str, ...], what: str, default_key: str | None = None
             ) -> dict[str, Decimal]:
    """('8%', 'coverage=0%') -> {'*': 0.08, 'coverage': 0}."""
    out = {}
    for v in values:
        if "=" in v:
            k, _, n = v.partition("=")
            out[k.strip()] = _number(n, what)
        elif default_key is not None:
            out[default_key] = _number(v, what)
        else:
            raise click.BadParameter(f"write KPI=VALUE, e.g. revenue=60000 (not '{v}')",
                                     param_hint=what)
    return out


def _period(text: str):
    try:
        return parse_period(text)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--period")




def _payees(path: str, key: str | None) -> dict[str, dict]:
    from ..engine.data import read_records
    header, rows = read_records(Path(path))
    key = key or (header[0] if header else "")
    if key not in header:
        raise click.BadParameter(f"{path} has no column '{key}'", param_hint="--key")
    return {dict(zip(header, cells))[key].strip(): {h: c.strip() for h, c in zip(header, cells)}
            for _, cells in rows}


set_option = click.option("--set", "set_name", required=True,
                          help="the target set, e.g. field-2026-04")


@click.group()
def targets():
    """Quotas and KPI targets: propose, review, approve, export to plans."""


@targets.command()
@set_option
@click.option("--kpis", "kpis_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="the KPI catalogue (e.g. plans/kpis/field.yaml)")
@click.option("--history", required=True, type=click.Path(exists=True, dir_okay=False),
              help="actuals: who, kpi, period, actual (CSV or xlsx)")
@click.option("--payees", "payees_path", required=True,
              type=click.Path(exists=True, dir_okay=False))
@click.option("--key", default=None, help="the payee id column (default: the first)")
@click.option("--period", required=True, help="the period to set targets for, e.g. 2026-04")
@click.option("--per", type=click.Choice(["day", "week", "half_month", "month"]), default=None,
              help="split the targets that add up into days (or weeks) by working days")
@click.option("--growth", multiple=True, help="8% for every KPI, or KPI=8% (repeatable)")
@click.option("--seasonality", default=None,
              help="'learn' from history, or weights by month: 1=7%,2=8%,...")
@click.option("--total", multiple=True, help="top-down: KPI=AMOUNT to split between payees")
@click.option("--floor", multiple=True, help="KPI=AMOUNT: no payee's target below it")
@click.option("--cap", multiple=True, help="KPI=AMOUNT: no payee's target above it")
@click.option("--ramp", default=None, help="new hires by month of service: 25,50,75,100")
@click.option("--calendar", "calendar_path", default=None,
              type=click.Path(exists=True, dir_okay=False), help="working days and holidays")
@click.option("--territory-column", default="territory", show_default=True)
@click.option("--hired-column", default="hired", show_default=True)
@click.option("--dry-run", is_flag=True, help="show the proposals, store nothing")
@db_option
@actor_option
def propose(set_name, kpis_path, history, payees_path, key, period, per, growth, seasonality,
            total, floor, cap, ramp, calendar_path, territory_column, hired_column, dry_run,
            db_url, actor):
    """Propose targets from history and rules; each records how it was worked out."""
    from ..targets.build import Rules, propose_set
    from ..targets.calendar import load_calendar
    from ..targets.propose import ProposeError
    from ..targets.sheets import read_history
    from ..targets import store as tstore

    cat = kpi_catalogue(kpis_path)
    actuals, _, problems = read_history(history)
    exit_on_problems(problems)
    cal = None
    if calendar_path:
        cal, problems = load_calendar(calendar_path)
        exit_on_problems(problems)
    season = None
    if seasonality == "learn":
        season = "learn"
    elif seasonality:
        season = {int(k): v for k, v in _per_kpi(tuple(seasonality.split(",")),
                                                 "--seasonality").items()}
    rules = Rules(_period(period), per, _per_kpi(growth, "--growth", "*"), season,
                  _per_kpi(total, "--total"), _per_kpi(floor, "--floor"),
                  _per_kpi(cap, "--cap"),
                  [_number(r.strip() + ("" if r.strip().endswith("%") else "%"), "--ramp")
                   for r in ramp.split(",")] if ramp else [],
                  cal, territory_column, hired_column)
    try:
        proposed = propose_set(cat, _payees(payees_path, key), actuals, rules)
    except ProposeError as e:
        refuse(e)
    if dry_run:
        for t in proposed:
            click.echo(f"{t.who:<10} {t.kpi:<14} {t.period:<10} {t.shown():>12}  {t.how}")
        return
    try:
        added = tstore.propose(open_store(db_url), set_name, proposed, actor_name(actor),
                               source=f"propose {Path(history).name}")
    except tstore.TargetsError as e:
        refuse(e)
    click.echo(f"set {set_name}: {len(added)} targets proposed ({len(proposed) - len(added)} "
               f"unchanged); review with: compplan targets review --set {set_name} ...")


@targets.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@set_option
@click.option("--kpis", "kpis_path", default=None, type=click.Path(exists=True, dir_okay=False),
              help="check KPI codes and units against the catalogue")
@click.option("--reason", default="", help="recorded with the proposals")
@db_option
@actor_option
def import_cmd(path, set_name, kpis_path, reason, db_url, actor):
    """Import a target sheet (CSV or xlsx) as proposals: bottom-up numbers, edits."""
    from ..targets import store as tstore
    from ..targets.sheets import read_targets
    cat = kpi_catalogue(kpis_path) if kpis_path else None
    rows, problems = read_targets(path, cat)
    exit_on_problems(problems)
    try:
        added = tstore.propose(open_store(db_url), set_name, rows, actor_name(actor),
                               source=f"import {Path(path).name}", reason=reason)
    except tstore.TargetsError as e:
        refuse(e)
    click.echo(f"set {set_name}: {len(added)} targets proposed from {path} "
               f"({len(rows) - len(added)} unchanged)")


@targets.command("list")
@click.option("--set", "set_name", default=None, help="a set (default: list the sets)")
@click.option("--who", default=None)
@click.option("--kpi", default=None)
@click.option("--status", type=click.Choice(["proposed", "approved"]), default=None)
@click.option("--versions", "all_versions", is_flag=True, help="every version, not the newest")
@db_option
def list_cmd(set_name, who, kpi, status, all_versions, db_url):
    """List target sets, or the targets of one with how each was worked out."""
    from ..targets import store as tstore
    store = open_store(db_url)
    if not set_name:
        rows = tstore.sets(store)
        if not rows:
            click.echo("no target sets")
        for name, proposed, approved in rows:
            click.echo(f"{name:<24} {proposed:>6} proposed {approved:>6} approved")
        return
    fn = tstore.versions if all_versions else tstore.current
    rows = fn(store, set_name, who=who, kpi=kpi, status=status)
    if not rows:
        click.echo(f"no targets in set {set_name}")
    for t in rows:
        click.echo(tstore.describe(t))


@targets.command()
@set_option
@click.option("--who", required=True)
@click.option("--kpi", required=True)
@click.option("--period", required=True)
@click.option("--value", required=True)
@click.option("--from", "from_", required=True, help="the first day of the new value")
@click.option("--reason", required=True, help="why it changes (recorded)")
@db_option
@actor_option
def change(set_name, who, kpi, period, value, from_, reason, db_url, actor):
    """A new version of a target, in force from a day inside its period (proposed)."""
    from ..targets import store as tstore
    from ..targets.model import Key
    try:
        day = dt.date.fromisoformat(from_)
    except ValueError:
        raise click.BadParameter(f"'{from_}' is not a date (YYYY-MM-DD)", param_hint="--from")
    try:
        t = tstore.change(open_store(db_url), set_name, Key(who, kpi, _period(period).label),
                          _number(value, "--value"), day, actor_name(actor), reason)
    except tstore.TargetsError as e:
        refuse(e)
    click.echo(f"target {t.id}: {who} {kpi} {t.period} v{t.version} = {t.shown()} from {day}, "
               f"proposed; approve with: compplan targets approve --set {set_name} --id {t.id}")


@targets.command()
@set_option
@click.option("--id", "ids", multiple=True, type=int, help="only these (repeatable)")
@click.option("--who", default=None)
@click.option("--kpi", default=None)
@db_option
@actor_option
def approve(set_name, ids, who, kpi, db_url, actor):
    """Approve proposed targets: only approved targets feed a run."""
    from ..targets import store as tstore
    try:
        rows = tstore.approve(open_store(db_url), set_name, actor_name(actor), list(ids) or None,
                              who, kpi)
    except tstore.TargetsError as e:
        refuse(e)
    click.echo(f"set {set_name}: {len(rows)} targets approved by {actor_name(actor)}")


@targets.command()
@set_option
@click.option("--out", "out_path", default=None, help="a .csv or .xlsx file")
@click.option("--approved", is_flag=True,
              help="the file(s) a plan reads: approved targets, a column per KPI")
@click.option("--plan", "plan_path", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--kpis", "kpis_path", default=None, type=click.Path(exists=True, dir_okay=False))
@click.option("--input", "input_name", default=None,
              help="with --out: the plan's input to write (default: every targets input)")
@click.option("--data", "data_dir", default=None, type=click.Path(file_okay=False),
              help="write each targets input's file into this data folder")
@click.option("--period", default=None, help="only targets within this period")
@click.option("--status", type=click.Choice(["proposed", "approved"]), default=None)
@db_option
def export(set_name, out_path, approved, plan_path, kpis_path, input_name, data_dir, period,
           status, db_url):
    """Write the target sheet, or with --approved the per-payee file(s) a plan reads."""
    from ..targets import store as tstore
    from ..targets.sheets import LONG, long_rows, plan_file, write_table
    store = open_store(db_url)
    if not approved:
        if not out_path:
            raise click.BadParameter("name the file to write", param_hint="--out")
        rows = tstore.versions(store, set_name, status=status)
        if period:
            p = _period(period)
            rows = [t for t in rows if parse_period(t.period).within(p)]
        write_table(out_path, LONG, long_rows(rows))
        click.echo(f"wrote {out_path}: {len(rows)} target versions of set {set_name}")
        return
    if not (plan_path and kpis_path):
        raise click.BadParameter("--approved needs --plan and --kpis (the plan's targets "
                                 "inputs and the KPI catalogue)", param_hint="--approved")
    compiled, cat = plan_and_catalogue(plan_path, kpis_path)
    plan = compiled.plan
    targets_cols = {k.target for k in cat.kpis.values()}
    inputs = [input_name] if input_name else [
        n for n, inp in plan.inputs.items()
        if inp.payee and not inp.key and targets_cols & set(inp.columns)]
    if input_name and input_name not in plan.inputs:
        raise click.BadParameter(f"the plan has no input '{input_name}'", param_hint="--input")
    if out_path and len(inputs) != 1:
        raise click.BadParameter("the plan has several targets inputs: name one with --input, "
                                 "or write them all with --data", param_hint="--out")
    if not out_path and not data_dir:
        raise click.BadParameter("give --out FILE or --data FOLDER", param_hint="--approved")
    versions = tstore.versions(store, set_name, status="approved")
    p = _period(period) if period else None
    for name in inputs:
        header, rows, notes = plan_file(versions, cat, plan, name, p)
        try:
            path = Path(out_path) if out_path else inside(data_dir, plan.inputs[name].file or
                                                          f"{name}.csv")
        except OutsideFolder as e:
            raise click.BadParameter(f"{e}; {HINT}", param_hint="--data")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(path, header, rows, data=True)
        click.echo(f"wrote {path}: {len(rows)} rows of approved targets for input {name}")
        for n in notes:
            click.echo(f"  changed mid-period, day-weighted: {n}")


@targets.command()
@set_option
@click.option("--kpis", "kpis_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--history", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--period", required=True)
@click.option("--high", default="130%", show_default=True,
              help="flag a target above this share of last year's actual")
@click.option("--low", default="80%", show_default=True,
              help="flag a target below this share of last year's actual")
@click.option("--charts", "charts_dir", default=None, type=click.Path(file_okay=False),
              help="write a chart per KPI into this folder")
@click.option("--chart-format", type=click.Choice(["png", "svg"]), default="png",
              show_default=True)
@db_option
def review(set_name, kpis_path, history, period, high, low, charts_dir, chart_format, db_url):
    """The health of a target set before approval."""
    from ..targets import review as review_mod
    from ..targets import store as tstore
    from ..targets.sheets import read_history
    cat = kpi_catalogue(kpis_path)
    actuals, past, problems = read_history(history)
    exit_on_problems(problems)
    rows = tstore.current(open_store(db_url), set_name)
    if not rows:
        refuse(f"no targets in set {set_name}")
    healths = review_mod.review(rows, cat, _period(period), actuals, past,
                                _number(high, "--high"), _number(low, "--low"))
    click.echo(review_mod.report(healths), nl=False)
    if charts_dir:
        for path in review_mod.charts(healths, charts_dir, chart_format):
            click.echo(f"wrote {path}")


@targets.command()
@click.option("--top-down", "top_set", required=True, help="the set split from the top")
@click.option("--bottom-up", "bottom_set", required=True, help="the set sent up by managers")
@click.option("--hierarchy", required=True, type=click.Path(exists=True, dir_okay=False),
              help="CSV of id, parent, level")
@click.option("--kpi", required=True)
@click.option("--period", required=True)
@db_option
def reconcile(top_set, bottom_set, hierarchy, kpi, period, db_url):
    """Bottom-up against top-down at every level, with the gap."""
    from ..targets import store as tstore
    from ..targets.reconcile import load_hierarchy, reconcile as rec, report
    nodes, problems = load_hierarchy(hierarchy)
    exit_on_problems(problems)
    p = _period(period)
    store = open_store(db_url)

    def figures(set_name):
        out: dict[str, Decimal] = {}
        unit = "money"
        for t in tstore.current(store, set_name, kpi=kpi):
            if parse_period(t.period).within(p):
                out[t.who] = out.get(t.who, Decimal(0)) + t.value
                unit = t.unit
        return out, unit
    top, unit = figures(top_set)
    bottom, _ = figures(bottom_set)
    click.echo(report(rec(nodes, top, bottom), unit), nl=False)


def _add_rounds() -> None:
    from .rounds import round_group
    targets.add_command(round_group)


_add_rounds()
COMMANDS = [targets]
