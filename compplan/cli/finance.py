"""Finance's commands beyond paying (issue 18): accruals, contract costs, forecasts.

    compplan accrue PLAN --data DIR --period P --as-of DATE --finance FILE [--db URL]
    compplan accruals [--plan ID] / accruals verify N / accruals true-up RUN [--journal F]
    compplan capitalize --plan ID --finance FILE [--through MONTH] [--db URL]
    compplan schedules [--plan ID] / schedules verify N
    compplan forecast PLAN --data DIR --period P --as-of DATE [--pipeline FILE]
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..errors import CompplanError, Problem, format_text
from .lazy import lazy
from .run import compile_or_exit, fail, period_of_plan

journal = lazy("compplan.finance.journal")  # finance: imported when a command uses it
accrue_mod = lazy("compplan.finance.accrue")
mapping_mod = lazy("compplan.finance.mapping")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write YYYY-MM-DD",
                                 param_hint=option)


def _mapping(path: str, compiled):
    mapping, problems = mapping_mod.load_mapping(path, compiled)
    if problems:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        click.echo(format_text(problems, {path: text}), err=True, nl=False)
        sys.exit(1)
    return mapping


def actor_name(actor):
    from .store import actor_name as who
    return who(actor)


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False))
@click.option("--period", required=True, help="the period being accrued, e.g. 2026-Q1")
@click.option("--as-of", "as_of", required=True, help="the date earned to, e.g. 2026-02-28")
@click.option("--finance", "finance_file", required=True,
              type=click.Path(dir_okay=False, exists=True),
              help="the finance file: account codes, cost-centre column "
                   "(e.g. plans/finance/ae.yaml)")
@click.option("--db", "db_url", default=None,
              help="the store: take off what it booked before, and keep this accrual "
                   "(given explicitly: keeping an accrual books it)")
@click.option("--out", "out_dir", default="out", show_default=True,
              help="files go to OUT/<plan>/<period>/")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--as", "actor", default=None, help="with --db: who books it")
def accrue(plan, data_dir, period, as_of, finance_file, db_url, out_dir, fmt, actor):
    """Accrue the pay earned in a period up to a date: a register per payee and
    component with control totals, and journal lines (debit expense, credit accrued
    liability).

    Earned to the date is the plan's pay on the rows dated up to it (tiers against the
    period's quota, gates and caps as they stand). With --db, what the store booked
    before for the period (the last accrual, or the approved run) is taken off, and the
    accrual is kept there, reproducible (compplan accruals verify N).
    """
    compiled = compile_or_exit(plan)
    p = period_of_plan(compiled, period)
    day = _date(as_of, "--as-of")
    if day < p.start:
        raise click.BadParameter(f"{day} is before {p.label} starts ({p.start})",
                                 param_hint="--as-of")
    mapping = _mapping(finance_file, compiled)
    store, before, before_from = None, {}, "nothing booked before"
    if db_url:
        from ..finance import ledger
        from ..store import open_store
        store = open_store(db_url)
        before, before_from = ledger.booked_before(store, compiled.plan.plan, p.label, day)
    try:
        acc, result = accrue_mod.from_folder(compiled, data_dir, p, day, mapping, before,
                                             before_from)
    except CompplanError as e:
        fail(e.problems)
    entry = f"accrual {compiled.plan.plan} {p.label} {day}"
    if store is not None:
        from ..finance import ledger
        from ..store.lifecycle import dataset_files
        try:
            row = ledger.keep(store, compiled, Path(plan).read_bytes(),
                              dataset_files(compiled, Path(data_dir)), acc, mapping,
                              Path(finance_file).read_text(encoding="utf-8"), actor_name(actor))
        except ledger.AccrualRefused as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        entry = f"accrual {row.id}"
    written, lines = accrue_mod.write_files(acc, mapping,
                                            Path(out_dir) / compiled.plan.plan / p.label,
                                            fmt, entry)
    debit, credit = journal.totals(lines)
    for w in result.warnings:
        if w.severity == "warning":
            click.echo(f"{w.where}: warning: {w.text}", err=True)
    click.echo(acc.control())
    for comp, amount in acc.by("component").items():
        click.echo(f"  {comp:<16} {acc.currency} {amount:>14,.2f}")
    click.echo(f"journal: {len(lines)} lines, debits {debit:,.2f} = credits {credit:,.2f}")
    click.echo("wrote " + ", ".join(str(w) for w in written))
    if store is not None:
        click.echo(f"kept as {entry}; work it out again with: compplan accruals verify "
                   f"{entry.split()[1]}")


@click.group(invoke_without_command=True)
@click.option("--plan", "plan_id", default=None)
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
@click.pass_context
def accruals(ctx, plan_id, db_url):
    """Accruals kept in the store: list them, verify one, the true-up of a run."""
    if ctx.invoked_subcommand is not None:
        return
    from ..store.finance import AccrualRow
    rows = _kept(AccrualRow, db_url, plan_id)
    if not rows:
        click.echo("no accruals")
        return
    for r in rows:
        click.echo(f"{r.id:>5}  {r.plan_id:<16} {r.period:<9} as of {r.as_of}  {r.currency} "
                   f"{r.amount:>14,.2f}  (earned {r.earned:,.2f} less {r.before_from})")


@accruals.command("verify")
@click.argument("accrual_id", type=int)
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
def accruals_verify(accrual_id, db_url):
    """Work a kept accrual out again from the store alone and compare."""
    from ..finance import ledger
    from ..store import open_store
    try:
        v = ledger.verify(open_store(db_url), accrual_id)
    except LookupError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    if not v.differences:
        click.echo(f"accrual {accrual_id} ({v.row.plan_id} {v.row.period} as of "
                   f"{v.row.as_of}): the same, {v.row.lines} lines, {v.row.currency} "
                   f"{v.row.amount:,.2f}; fingerprint {v.row.fingerprint}")
        return
    for d in v.differences:
        click.echo(d)
    sys.exit(1)


@accruals.command("true-up")
@click.argument("run_id", type=int)
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
@click.option("--journal", "journal_file", default=None,
              help="write the true-up's journal lines to this file (.csv or .xlsx)")
@click.option("--finance", "finance_file", default=None,
              type=click.Path(dir_okay=False, exists=True),
              help="with --journal: the finance file (default: the accrual's own)")
def accruals_true_up(run_id, db_url, journal_file, finance_file):
    """The run's pay against the last accrual of its period, per payee and component."""
    from ..finance import ledger
    from ..store import open_store
    store = open_store(db_url, read_only=True)
    try:
        t = ledger.true_up(store, run_id)
    except LookupError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    click.echo(t.text())
    for payee, comp, final, accrued, diff in t.lines:
        if diff:
            click.echo(f"    {payee:<12} {comp:<16} final {final:>12,.2f}  accrued "
                       f"{accrued:>12,.2f}  true-up {diff:>12,.2f}")
    if journal_file and t.accrual is not None:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            if finance_file is None:  # the finance file the accrual was booked with
                finance_file = str(Path(tmp) / Path(t.accrual.finance_file).name)
                Path(finance_file).write_text(t.accrual.finance_text, encoding="utf-8")
            mapping = _mapping(finance_file, None)
        lines = ledger.true_up_journal(store, t, mapping)
        fmt = "xlsx" if journal_file.endswith(".xlsx") else "csv"
        click.echo(f"wrote {journal.write(lines, journal_file, fmt)} ({len(lines)} lines)")


@click.group(invoke_without_command=True)
@click.option("--plan", "plan_id", default=None)
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
@click.pass_context
def schedules(ctx, plan_id, db_url):
    """Contract-cost schedules kept in the store (compplan capitalize): list, verify."""
    if ctx.invoked_subcommand is not None:
        return
    from ..store.finance import CostScheduleRow
    rows = _kept(CostScheduleRow, db_url, plan_id)
    if not rows:
        click.echo("no schedules")
        return
    for r in rows:
        click.echo(f"{r.id:>5}  {r.plan_id:<16} through {r.through}  runs {r.runs}  "
                   f"capitalized {r.currency} {r.capitalized:,.2f}, closing "
                   f"{r.closing:,.2f}")


@schedules.command("verify")
@click.argument("schedule_id", type=int)
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
def schedules_verify(schedule_id, db_url):
    """Build a kept schedule again from its runs and finance file, and compare."""
    from ..finance import ledger
    from ..store import open_store
    try:
        row, diffs = ledger.verify_schedule(open_store(db_url, read_only=True), schedule_id)
    except LookupError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    except CompplanError as e:
        fail(e.problems)
    if not diffs:
        click.echo(f"schedule {schedule_id} ({row.plan_id} through {row.through}): the same; "
                   f"fingerprint {row.fingerprint}")
        return
    for d in diffs:
        click.echo(d)
    sys.exit(1)


@click.command()
@click.option("--plan", "plan_id", required=True, help="the plan id, e.g. ae-2026")
@click.option("--finance", "finance_file", required=True,
              type=click.Path(dir_okay=False, exists=True),
              help="the finance file with a capitalize: section")
@click.option("--through", default=None,
              help="the last month of the roll-forward, e.g. 2026-10 (default: the end "
                   "of the last approved or paid run's period)")
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None)
@click.option("--out", "out_dir", default="out", show_default=True,
              help="files go to OUT/<plan>/contract-costs-<month>/")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--as", "actor", default=None, help="who keeps the schedule")
def capitalize(plan_id, finance_file, through, db_url, out_dir, fmt, actor):
    """Capitalize commissions that are incremental costs of obtaining a contract (IFRS
    15 / ASC 340-40) from the plan's approved and paid runs, and amortize them.

    Writes the schedule (per contract and month), the monthly journal lines and the
    roll-forward (opening, additions, clawbacks, amortization, impairment, closing),
    which ties out to the runs; keeps the schedule in the store.
    """
    from sqlalchemy import select
    from ..finance import capitalize as cap
    from ..finance import ledger
    from ..store import open_store
    from ..store.models import PlanVersion, Run
    if through is not None:
        try:
            from ..engine import parse_period
            if parse_period(through).kind != "month":
                raise ValueError
        except ValueError:
            raise click.BadParameter(f"'{through}' is not a month; write YYYY-MM",
                                     param_hint="--through")
    store = open_store(db_url)
    with store.session() as s:
        newest = s.execute(select(Run).where(Run.plan_id == plan_id).order_by(
            Run.id.desc())).scalars().first()
        compiled = None
        if newest is not None:
            from ..engine import compile_plan
            from ..lang import check_source
            v = s.get(PlanVersion, newest.plan_version_id)
            compiled = compile_plan(check_source(v.text, v.file_name))
        mapping = _mapping(finance_file, compiled)
        if mapping.capitalize is None:
            click.echo(f"error: {finance_file} has no capitalize: section (which components "
                       "are costs of obtaining a contract, and the term)", err=True)
            sys.exit(1)
        try:
            sched = cap.build(s, plan_id, mapping, through)
        except LookupError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except CompplanError as e:
            fail(e.problems)
    sid, new = ledger.keep_schedule(store, sched, mapping,
                                    Path(finance_file).read_text(encoding="utf-8"),
                                    actor_name(actor))
    written = cap.write_files(sched, mapping, Path(out_dir) / plan_id, fmt)
    click.echo(cap.roll_forward_text(sched), nl=False)
    click.echo(f"{'kept as' if new else 'the same as'} schedule {sid}; wrote "
               + ", ".join(str(w) for w in written))
    if sched.tie()[-1][1] != 0:
        click.echo("error: the schedule does not tie out to the paid runs", err=True)
        sys.exit(1)


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False))
@click.option("--period", required=True)
@click.option("--as-of", "as_of", required=True, help="the last day counted, e.g. 2026-04-14")
@click.option("--pipeline", "pipeline_file", default=None,
              type=click.Path(dir_okay=False, exists=True),
              help="open deals: the input's columns, probability and expected_close")
@click.option("--input", "input_name", default=None,
              help="with --pipeline: the input its rows are (default: the first dated input "
                   "with a payee)")
@click.option("--commit", default="90%", show_default=True,
              help="with --pipeline: the probability from which a deal is in the low case")
@click.option("--calendar", "calendar_file", default=None,
              type=click.Path(dir_okay=False, exists=True),
              help="working days (default: calendar.yaml in the data folder, if there is "
                   "one; else calendar days)")
@click.option("--out", "out_dir", default="out", show_default=True,
              help="forecast-<date>.csv goes to OUT/<plan>/<period>/")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
def forecast(plan, data_dir, period, as_of, pipeline_file, input_name, commit,
             calendar_file, out_dir, fmt):
    """Forecast each payee's attainment and pay at the period's end: at the pace so far
    (by working days where the plan has a calendar), and with the open pipeline (low,
    expected, high); the tiers, gates and caps each outcome crosses; per payee, team
    and plan."""
    from ..engine.data import load_folder, parse_cell
    from ..finance import forecast as fc_mod
    compiled = compile_or_exit(plan)
    p = period_of_plan(compiled, period)
    day = _date(as_of, "--as-of")
    if day < p.start:
        raise click.BadParameter(f"{day} is before {p.label} starts ({p.start})",
                                 param_hint="--as-of")
    try:
        commit_share = parse_cell("ratio", commit)
    except ValueError:
        raise click.BadParameter(f"'{commit}' is not a probability; e.g. 90%",
                                 param_hint="--commit")
    problems: list[Problem] = []
    tables = load_folder(compiled.plan, data_dir, problems)
    if problems:
        fail(problems)
    try:
        fc = fc_mod.project(compiled, tables, p, day, data_dir, pipeline_file, input_name,
                            commit_share, calendar_file)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--input")
    except CompplanError as e:
        fail(e.problems)
    path = fc_mod.write_file(fc, Path(out_dir) / compiled.plan.plan / p.label, fmt)
    click.echo(fc_mod.text(fc), nl=False)
    click.echo(f"wrote {path}")


COMMANDS = [accrue, accruals, capitalize, forecast, schedules]


def _kept(model, db_url, plan_id) -> list:
    """The rows of a kept finance table (accruals, schedules), oldest first, of one
    plan or all."""
    from sqlalchemy import select
    from ..store import open_store
    store = open_store(db_url, read_only=True)
    with store.session() as s:
        q = select(model).order_by(model.id)
        if plan_id:
            q = q.where(model.plan_id == plan_id)
        return list(s.execute(q).scalars())
