"""The portal's commands (issue 8).

    compplan serve [--db URL] [--host 127.0.0.1] [--port 8000]   the portal (uvicorn)
    compplan serve --demo                    a demo store from plans/, accounts printed
    compplan open PLAN --data DIR --period P  make a period the open one, shown live
    compplan ingest FILE [--plan ID] [--input NAME]   transactions into the open period
    compplan tokens create NAME [--plan ID] / revoke ID / list   API tokens for ingest
    compplan accounts add LOGIN --role ROLE [--plan P --payee ID] portal accounts
    compplan accounts tie LOGIN --plan P [--payee ID]   the plan a rep's payee id is of
"""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import click

from ..errors import CompplanError, format_text
from .lazy import lazy
from .store import actor_name, actor_option, db_option, open_store

sql = lazy("sqlalchemy")  # imported by the commands that read the store


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="build a demo store from plans/ and print logins")
@click.option("--plans", "plans_dir", default="plans", show_default=True,
              type=click.Path(file_okay=False), help="with --demo: the sample plans")
@click.option("--as-of", "as_of", default=None, help="count pages to this day (YYYY-MM-DD)")
@click.option("--behind-proxy", is_flag=True,
              help="trust X-Forwarded-Proto/For from a proxy on this machine (TLS there: "
                   "cookies are then sent Secure)")
def serve(db_url, host, port, demo, plans_dir, as_of, behind_proxy):
    """Serve the portal: live attainment, statements, disputes, admin."""
    import uvicorn

    from ..web.app import create_app
    day = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise click.BadParameter(f"'{as_of}' is not a date like 2026-03-31",
                                     param_hint="--as-of")
    if demo:
        from ..web.demo import build_demo
        if not Path(plans_dir, "data", "samples.yaml").exists():
            raise click.UsageError(f"no {plans_dir}/data/samples.yaml: run from the "
                                   "repository's top folder, or pass --plans")
        if db_url is None:
            folder = tempfile.mkdtemp(prefix="compplan-demo-")
            db_url = f"sqlite:///{folder}/demo.db"
        store = open_store(db_url)
        click.echo("building the demo store from the sample plans ...")
        built = build_demo(store, plans_dir)
        for line in built.skipped:
            click.echo(f"  skipped {line}", err=True)
        click.echo(f"open periods: {', '.join(built.opened)}")
        if built.accrued:
            click.echo("accruals kept (the Finance page: /finance): " +
                       "; ".join(built.accrued))
        click.echo(f"store: {db_url}")
        click.echo(f"\nOpen http://{host}:{port}/ and log in as:")
        for login, role, (plan, payee), password in built.accounts:
            who = f" (payee {payee} of {plan})" if payee else ""
            click.echo(f"  {role:<8} {login:<8} password {password}{who}")
        click.echo(f"\nIngest a deal (watch ana's bar move):\n  curl -X POST "
                   f"'http://{host}:{port}/api/plans/team-2026/ingest' -H 'Authorization: "
                   f"Bearer {built.token}' -H 'Content-Type: text/csv' --data-binary "
                   "$'deal_id,rep_id,close_date,amount,customer\\nNEW-1,ana,2026-03-31,"
                   "20000,Acme'\n")
    else:
        store = open_store(db_url)
    app = create_app(store, as_of=day)
    click.echo(f"compplan portal on http://{host}:{port}/ ({len(app.state.portal.plans)} open "
               "periods)")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=behind_proxy,
                forwarded_allow_ips="127.0.0.1" if behind_proxy else None)


@click.command("open")
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False,
                                                                  exists=True))
@click.option("--period", required=True)
@db_option
@actor_option
def open_cmd(plan, data_dir, period, db_url, actor):
    """Make PLAN's PERIOD the open one the portal shows live, from the data in DIR."""
    from ..engine import load_plan
    from ..web.live import open_period
    try:
        compiled = load_plan(plan)
        row = open_period(open_store(db_url), compiled, Path(plan).read_bytes(),
                          Path(data_dir), period, actor_name(actor))
    except CompplanError as e:
        click.echo(format_text(e.problems), nl=False, err=True)
        sys.exit(1)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--period")
    click.echo(f"{row.plan_id} {row.period} is open; the portal shows it live")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--plan", "plan_id", default=None, help="the plan (default: the only open one)")
@click.option("--input", "input_name", default=None, help="the table (default: the only one)")
@db_option
@actor_option
def ingest(file, plan_id, input_name, db_url, actor):
    """Take the transactions in FILE (CSV or JSON) into a plan's open period: every row
    checked as a run checks it; all or nothing; a row sent again changes nothing."""
    from ..store.portal import LivePeriod
    from ..web.live import Portal, load_live, parse_body
    from ..web.security import Refused
    store = open_store(db_url)
    portal = Portal(store)
    with store.session() as db:
        rows = list(db.execute(sql.select(LivePeriod)).scalars())
    if plan_id is None:
        if len(rows) != 1:
            _fail("say which plan with --plan: open periods are " +
                  (", ".join(r.plan_id for r in rows) or "none"))
        plan_id = rows[0].plan_id
    row = next((r for r in rows if r.plan_id == plan_id), None)
    if row is None:
        _fail(f"there is no open period for plan '{plan_id}'; open one with compplan open")
    try:
        portal.plans[plan_id] = load_live(store, row)
        if file.lower().endswith((".xlsx", ".xls", ".xlsm")):
            _fail(f"{file}: ingest takes CSV or JSON rows, not a workbook (hint: export the "
                  "sheet as 'CSV UTF-8')")
        body = Path(file).read_bytes()
        kind = "application/json" if file.lower().endswith(".json") else "text/csv"
        records, rownums = parse_body(body, kind)
        reply = portal.ingest(plan_id, input_name, records, "cli:" + actor_name(actor),
                              rows=rownums)
    except Refused as e:
        for d in e.details or []:
            click.echo(f"{file}:{d.get('row')}: {d.get('reason')}", err=True)
        _fail(f"{file}: " + e.message + (f" (hint: {e.hint})" if e.hint else ""))
    except CompplanError as e:
        click.echo(format_text(e.problems), nl=False, err=True)
        sys.exit(1)
    for r in reply.rejected:
        col = f" column {r['column']}:" if r.get("column") else ""
        click.echo(f"{file}:{r['row']}:{col} {r['reason']}" +
                   (f" (hint: {r['hint']})" if r.get("hint") else ""), err=True)
    for w in reply.warnings:
        click.echo(f"warning: {w}", err=True)
    if reply.rejected:
        _fail(f"nothing taken: {len(reply.rejected)} problem(s) in {file}")
    click.echo(f"{plan_id} {row.period}: {reply.accepted} taken, {reply.already} already "
               f"there, {reply.affected} payees updated ({reply.seconds:.2f} s)")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
def tokens():
    """API tokens for the ingest API (stored hashed; shown once)."""


@tokens.command("create")
@click.argument("name")
@click.option("--plan", "plan_id", default=None, help="only this plan (default: any)")
@db_option
@actor_option
def tokens_create(name, plan_id, db_url, actor):
    """Make an ingest token and print it (it is not kept, only its hash)."""
    from ..web.auth import create_token
    store = open_store(db_url)
    with store.session() as db:
        row, plain = create_token(db, name, actor_name(actor), plan_id)
        db.commit()
    click.echo(f"token {row.id} ({name}, ingest into {plan_id or 'any plan'}):")
    click.echo(plain)


@tokens.command("revoke")
@click.argument("token_id", type=int)
@db_option
@actor_option
def tokens_revoke(token_id, db_url, actor):
    """Revoke a token: requests with it are refused from now on."""
    from ..web.auth import revoke_token
    from ..web.security import Refused
    store = open_store(db_url)
    with store.session() as db:
        try:
            revoke_token(db, token_id, actor_name(actor))
        except Refused as e:
            _fail(e.message)
        db.commit()
    click.echo(f"token {token_id} revoked")


@tokens.command("list")
@db_option
def tokens_list(db_url):
    """Every token: name, plan, made, last used, revoked."""
    from ..store.portal import ApiToken
    store = open_store(db_url)
    with store.session() as db:
        for t in db.execute(sql.select(ApiToken).order_by(ApiToken.id)).scalars():
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            click.echo(f"{t.id:>4}  {t.name:<24} {t.plan_id or 'any':<16} {state:<18} "
                       f"last used {used}")


@click.group()
def accounts():
    """Portal accounts: rep, manager, admin, finance."""


@accounts.command("add")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice(["rep", "manager", "admin",
                                                          "finance"]))
@click.option("--plan", "plan", default=None,
              help="the plan a rep or manager is a payee of (payee ids are per plan)")
@click.option("--payee", default=None, help="the payee id of a rep or manager in --plan")
@click.option("--name", default="", help="the name shown")
@click.password_option(help="8 characters or more (prompted if not given)")
@db_option
@actor_option
def accounts_add(login, role, plan, payee, name, password, db_url, actor):
    """Add a portal account."""
    from ..web.auth import create_account
    from ..web.security import Refused
    store = open_store(db_url)
    with store.session() as db:
        try:
            create_account(db, login, role, password, payee, name, actor_name(actor), plan=plan)
        except Refused as e:
            _fail(e.message)
        db.commit()
    of = f", payee {payee} of {plan}" if payee and role in ("rep", "manager") else ""
    click.echo(f"account {login} ({role}{of}) added")


@accounts.command("tie")
@click.argument("login")
@click.option("--plan", "plan", required=True, help="the plan the account is a payee of")
@click.option("--payee", default=None, help="its payee id there (default: the one it has)")
@db_option
@actor_option
def accounts_tie(login, plan, payee, db_url, actor):
    """Tie a rep or manager account to the plan its payee id is of (accounts made before
    accounts had a plan see no figures until tied)."""
    from ..store import audit
    from ..store.portal import Account
    store = open_store(db_url)
    with store.session() as db:
        account = db.execute(sql.select(Account).where(Account.login == login)
                             ).scalar_one_or_none()
        if account is None or account.role not in ("rep", "manager"):
            _fail(f"there is no rep or manager account '{login}'")
        if not (payee or account.payee):
            _fail(f"say which payee of {plan} '{login}' is: --payee ID")
        account.plan_id, account.payee = plan, payee or account.payee
        audit.append(db, actor_name(actor), "account.tied", f"account {login}", plan=plan,
                     payee=account.payee)
        db.commit()
        click.echo(f"account {login} is payee {account.payee} of {plan}")


COMMANDS = [serve, open_cmd, ingest, tokens, accounts]
