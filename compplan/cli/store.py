"""Finance's commands: stored runs and their lifecycle, and the audit log.

    compplan run PLAN ... --save                 work out and store the period's draft
    compplan runs / show RUN                     list runs / summarise one
    compplan approve RUN / pay RUN               draft -> approved -> paid
    compplan reopen RUN --reason "..."           approved -> draft, recorded
    compplan audit log / audit verify            the hash-chained event log
    compplan audit head                          the signed head, for people to keep
"""
from __future__ import annotations

import getpass
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

import click

from ..engine.money import fmt_money
from .lazy import lazy

audit_mod = lazy("compplan.store.audit")
lifecycle = lazy("compplan.store.lifecycle")
models = lazy("compplan.store.models")


def open_store(*args, **kw):
    """compplan.store.open_store, the store imported when a command opens one."""
    return lazy("compplan.store").open_store(*args, **kw)

db_option = click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None,
                         help="store URL (default: sqlite:///compplan.db; or COMPPLAN_DB)")
actor_option = click.option("--as", "actor", default=None,
                            help="who does this (default: the login name)")


def actor_name(actor: str | None) -> str:
    return actor or os.environ.get("COMPPLAN_USER") or getpass.getuser()


def refuse(e: Exception) -> None:
    click.echo(f"error: {e}", err=True)
    sys.exit(1)


def exit_on_problems(problems) -> None:
    """Every problem printed as FILE:LINE:COL text, then exit 1; nothing when none."""
    if problems:
        from ..errors import format_text
        click.echo(format_text(problems), err=True, nl=False)
        sys.exit(1)


def kpi_catalogue(path: str):
    """The KPI catalogue at `path` (targets and rounds commands), or its problems and exit."""
    from ..targets.kpis import load_catalogue
    cat, problems = load_catalogue(path)
    exit_on_problems(problems)
    return cat


def plan_and_catalogue(plan_path: str, kpis_path: str):
    """The compiled plan and the KPI catalogue checked against it (a round's or an
    export's targets must be the plan's), or every problem and exit."""
    from ..engine import load_plan
    from ..errors import CompplanError
    from ..targets.kpis import check_against_plan
    try:
        compiled = load_plan(plan_path)
    except CompplanError as e:
        exit_on_problems(e.problems)
    cat = kpi_catalogue(kpis_path)
    exit_on_problems(check_against_plan(cat, compiled))
    return compiled, cat


def _demo_hint(db_url: str | None) -> str:
    """Where the demo's runs are, for someone who ran `compplan demo` and looks in the
    default store: the demo keeps a store of its own (out/demo.db)."""
    demo = Path("out") / "demo.db"
    if db_url is not None or not demo.exists():
        return ""
    return (f" in ./compplan.db; the runs of `compplan demo` are in {demo}: "
            f"export COMPPLAN_DB=sqlite:///{demo} (or pass --db sqlite:///{demo})")


@click.command("runs")
@click.option("--plan", "plan_id", default=None)
@db_option
def runs_cmd(plan_id, db_url):
    """List stored runs."""
    store = open_store(db_url, read_only=True)
    rows = lifecycle.runs(store, plan_id)
    if not rows:
        click.echo("no runs" + _demo_hint(db_url))
        return
    click.echo(f"{'run':>5}  {'plan':<16} {'period':<9} {'status':<9} {'engine':<7} "
               f"{'payees':>6} {'total':>16}  created")
    for r in rows:
        click.echo(f"{r.id:>5}  {r.plan_id:<16} {r.period:<9} {r.status:<9} {r.engine:<7} "
                   f"{r.payees:>6} {r.currency} {fmt_money(r.total):>12}  "
                   f"{r.created_at:%Y-%m-%d %H:%M} {r.created_by}")


@click.command()
@click.argument("run_id", type=int)
@db_option
def show(run_id, db_url):
    """Summarise one run: who made it from what, its status, and each payee's total."""
    store = open_store(db_url, read_only=True)
    with store.session() as s:
        run = s.get(models.Run, run_id)
        if run is None:
            refuse(f"there is no run {run_id}"
                    + (_demo_hint(db_url) or "; see compplan runs"))
        click.echo(f"run {run.id}: {run.plan_id} {run.period}, {run.status}")
        click.echo(f"  plan version  {run.plan_version_id}")
        click.echo(f"  data          {run.dataset_id}")
        click.echo(f"  results       {run.fingerprint}")
        click.echo(f"  created       {run.created_at:%Y-%m-%d %H:%M} by {run.created_by} "
                   f"(compplan {run.engine_version}, engine {run.engine})")
        if run.approved_at:
            click.echo(f"  approved      {run.approved_at:%Y-%m-%d %H:%M} by {run.approved_by}")
        if run.paid_at:
            click.echo(f"  paid          {run.paid_at:%Y-%m-%d %H:%M} by {run.paid_by}")
        click.echo(f"  {run.payees} payees, {run.lines} lines, total {run.currency} "
                   f"{fmt_money(run.total)}")
        rows = models.PayeeResultRow
        for pr in s.query(rows).filter_by(run_id=run.id).order_by(rows.payee):
            comps = ", ".join(f"{k} {fmt_money(Decimal(v))}"
                              for k, v in json.loads(pr.components).items())
            click.echo(f"    {pr.payee:<12} {pr.currency} {fmt_money(pr.total):>14}  {comps}")


def _transition(fn, run_id, db_url, actor, **kw):
    store = open_store(db_url)
    try:
        run = fn(store, run_id, actor_name(actor), **kw)
    except lifecycle.LifecycleError as e:
        refuse(e)
    click.echo(f"run {run.id}: {run.plan_id} {run.period} is now {run.status}")


@click.command()
@click.argument("run_id", type=int)
@db_option
@actor_option
def approve(run_id, db_url, actor):
    """Approve a draft run (finance); the true-up of the period's last accrual is shown."""
    _transition(lifecycle.approve, run_id, db_url, actor)
    from ..finance.ledger import true_up
    t = true_up(open_store(db_url, read_only=True), run_id)
    if t.accrual is not None:  # issue 18: the accrual against the final run
        click.echo(t.text())


@click.command()
@click.argument("run_id", type=int)
@db_option
@actor_option
def pay(run_id, db_url, actor):
    """Mark an approved run paid: its payments are recorded and it is never rewritten."""
    _transition(lifecycle.mark_paid, run_id, db_url, actor)


@click.command()
@click.argument("run_id", type=int)
@click.option("--reason", required=True, help="why it is reopened (recorded)")
@db_option
@actor_option
def reopen(run_id, reason, db_url, actor):
    """Reopen an approved run so the period can be run again."""
    _transition(lifecycle.reopen, run_id, db_url, actor, reason=reason)


@click.command()
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--out", "out_path", default=None,
              help="file to write (default: payouts-<plan>-<period>-run<N>.<format>)")
@db_option
def export(run_id, fmt, out_path, db_url):
    """Write the payout register for payroll and print its control totals."""
    from ..store import export as export_mod
    store = open_store(db_url)
    try:
        reg = export_mod.register(store, run_id)
    except LookupError as e:
        refuse(e)
    if reg.run.status not in ("approved", "paid"):
        click.echo(f"warning: run {run_id} is a {reg.run.status}, not approved", err=True)
    path = out_path or f"payouts-{reg.run.plan_id}-{reg.run.period}-run{run_id}.{fmt}"
    export_mod.write(reg, path, fmt)
    click.echo(f"wrote {path}")
    click.echo(reg.control())


@click.group()
def audit():
    """The audit log: every plan version, run, approval, reopening and payment."""


@audit.command("log")
@click.option("--last", type=int, default=None, help="only the last N entries")
@db_option
def audit_log(last, db_url):
    """Show the log."""
    store = open_store(db_url, read_only=True)
    with store.session() as s:
        for e in audit_mod.log(s, last):
            click.echo(f"{e.seq:>6}  {e.at:%Y-%m-%d %H:%M:%S}  {e.actor:<12} {e.event:<16} "
                       f"{e.subject}  {e.payload}")


key_option = click.option("--key", "key_file", envvar="COMPPLAN_AUDIT_KEY", default=None,
                          help="the audit key file, kept outside the store (default: "
                               "~/.config/compplan/audit.key; or COMPPLAN_AUDIT_KEY); made "
                               "on first use, readable by its owner only")


def _key(key_file: str | None, create: bool) -> bytes:
    path = audit_mod.key_path(key_file)
    try:
        return audit_mod.load_key(path, create=create)
    except (OSError, ValueError) as e:
        refuse(f"cannot use the audit key {path}: {e}")


@audit.command("head")
@db_option
@key_option
def audit_head(db_url, key_file):
    """Print the log's newest entry, signed, for people to keep (outside the store).

    Later, `compplan audit verify --since HEAD` checks that the log still holds that
    entry with that hash: nobody deleted the newest entries or rewrote the chain."""
    key = _key(key_file, create=True)
    store = open_store(db_url, read_only=True)
    with store.session() as s:
        seq, hash_ = audit_mod.head(s)
    click.echo(f"audit head: entry {seq}, hash {hash_}")
    click.echo("keep this line (e.g. in the pay-run ticket); check later with "
               "compplan audit verify --since HEAD:")
    click.echo(audit_mod.sign_head(key, seq, hash_))


@audit.command("verify")
@click.option("--since", "since", default=None, metavar="HEAD",
              help="a head printed earlier by compplan audit head: the log must still "
                   "hold it (nothing cut from the end, nothing rewritten)")
@db_option
@key_option
def audit_verify(since, db_url, key_file):
    """Check the chain: name every entry edited, deleted or inserted after the fact, and
    every run whose status or payments are not as the chain records them."""
    key = _key(key_file, create=False) if since else None
    store = open_store(db_url, read_only=True)
    with store.session() as s:
        broken = audit_mod.verify(s)
        n = audit_mod.head(s)[0]
        runs = audit_mod.run_problems(s)
        kept = audit_mod.check_head(s, since, key) if since else []
    if not broken and not runs and not kept:
        held = f"; it holds the kept head (entry {since.split(':')[0]})" if since else ""
        click.echo(f"audit log intact: {n} entries{held}")
        return
    for b in broken + kept:
        click.echo(f"entry {b.seq}: {b.reason}" if b.seq else b.reason)
    for b in runs:
        click.echo(b.reason)
    sys.exit(1)


COMMANDS = [runs_cmd, show, approve, pay, reopen, export, audit]
