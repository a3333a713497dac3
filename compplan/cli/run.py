"""`compplan run`, `compplan validate` and `compplan test`: the engine from the shell."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import CompplanError, Problem, format_json, format_text
from ..engine import load_plan, parse_period, run_plan
from ..engine.data import load_folder
from ..engine.results import ResultWriter, summary_table
from ..engine.scenarios import run_scenarios
from ..engine.validate import validate_data


def fail(problems: list[Problem], fmt: str = "text", sources: dict | None = None) -> None:
    if fmt == "json":
        click.echo(format_json(problems), nl=False)
    else:
        click.echo(format_text(problems, sources), err=True, nl=False)
    sys.exit(1)


def _compile(plan: str, fmt: str = "text"):
    try:
        return load_plan(plan)
    except CompplanError as e:
        text = Path(plan).read_text(encoding="utf-8") if Path(plan).is_file() else ""
        fail(e.problems, fmt, {plan: text})


def _period(compiled, period: str):
    try:
        p = parse_period(period)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--period")
    if p.kind != compiled.plan.period:
        raise click.BadParameter(f"'{period}' is a {p.kind}, but the plan pays by "
                                 f"{compiled.plan.period}", param_hint="--period")
    return p


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False),
              help="folder of CSV (or .xlsx) files, one per input")
@click.option("--period", required=True, help="e.g. 2026-Q1, 2026-03, 2026-W05, 2026")
@click.option("--out", "out_dir", default="out", show_default=True,
              help="results go to OUT/<plan>/<period>/")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--jsonl/--no-jsonl", default=False,
              help="also write every line as JSON (lines.jsonl)")
@click.option("--save", is_flag=True,
              help="store the run as the period's draft (see compplan runs, approve)")
@click.option("--db", "db_url", envvar="COMPPLAN_DB", default=None,
              help="with --save: the store (default sqlite:///compplan.db; or COMPPLAN_DB)")
@click.option("--as", "actor", default=None, help="with --save: who runs it")
def run(plan: str, data_dir: str, period: str, out_dir: str, fmt: str, jsonl: bool,
        save: bool, db_url: str | None, actor: str | None) -> None:
    """Work out every payee's pay for a period and write the results.

    With --save the run is also stored as the draft for the plan and period, replacing an
    earlier draft, all or nothing; an approved or paid period is refused.
    """
    compiled = _compile(plan, fmt)
    p = _period(compiled, period)
    target = Path(out_dir) / compiled.plan.plan / p.label
    saved = None
    if save:
        from ..store import lifecycle, open_store
        from .store import _actor
        # lines stream into the store and the result files as each payee is done
        writer = ResultWriter(target, jsonl=jsonl)
        try:
            saved = lifecycle.save_run(open_store(db_url), compiled, data_dir, p.label,
                                       _actor(actor), keep_lines=False, sink=writer)
        except CompplanError as e:
            writer.abort()
            fail(e.problems, fmt)
        except lifecycle.LifecycleError as e:
            writer.abort()
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except BaseException:
            writer.abort()
            raise
        result = saved.result
        for pr in result.payees:
            if pr.lines:  # lines carried from earlier periods, added after the engine's
                writer(pr)
        written = writer.close(result)
    else:
        problems: list[Problem] = []
        tables = load_folder(compiled.plan, data_dir, problems)
        if problems:
            fail(problems, fmt)
        writer = ResultWriter(target, jsonl=jsonl)
        try:
            result = run_plan(compiled, tables, p, sink=writer, keep_data=False)
        except CompplanError as e:
            writer.abort()
            fail(e.problems, fmt)
        except BaseException:
            writer.abort()
            raise
        written = writer.close(result)
    if fmt == "json":
        click.echo(json.dumps({"out": str(target), "payees": len(result.payees),
                               "lines": result.line_count(), "total": str(result.total),
                               "warnings": len(result.warnings)}))
        return
    click.echo(f"{compiled.plan.name} ({compiled.plan.plan} v{compiled.plan.version}), "
               f"{p.label}, {compiled.plan.currency}")
    click.echo(summary_table(result), nl=False)
    for w in result.warnings:
        click.echo(f"{w.where}: warning: {w.text}", err=True)
    click.echo(f"{len(result.payees)} payees, {result.line_count()} lines; wrote "
               + ", ".join(str(w) for w in written))
    if saved is not None:
        what = f"replacing draft run {saved.replaced}" if saved.replaced else "a new draft"
        click.echo(f"saved as run {saved.run.id} ({what}); approve with: compplan approve "
                   f"{saved.run.id}")


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False))
@click.option("--period", required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def validate(plan: str, data_dir: str, period: str, fmt: str) -> None:
    """Check a period's data before a payout: every problem, plus what needs a human look.

    Computes no pay. Exits 1 on errors; warnings alone exit 0.
    """
    compiled = _compile(plan, fmt)
    p = _period(compiled, period)
    problems = validate_data(compiled, data_dir, p)
    errors = [x for x in problems if x.severity == "error"]
    if fmt == "json":
        click.echo(format_json(problems), nl=False)
    else:
        click.echo(format_text(problems), nl=False)
        n_warn = len(problems) - len(errors)
        click.echo(f"{len(errors)} error{'s' if len(errors) != 1 else ''}, "
                   f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    sys.exit(1 if errors else 0)


@click.command("test")
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
def test_cmd(plans: tuple[str, ...]) -> None:
    """Run the scenarios a plan carries and show each difference."""
    failed = total = 0
    for plan in plans:
        compiled = _compile(plan)
        outcomes = run_scenarios(compiled)
        if not outcomes:
            click.echo(f"{plan}: no scenarios")
        for o in outcomes:
            total += 1
            if o.passed:
                click.echo(f"PASS {o.pos}: {o.name}")
                continue
            failed += 1
            click.echo(f"FAIL {o.pos}: {o.name}")
            for d in o.differences:
                click.echo(f"    {d}")
            for pr in o.problems:
                click.echo(f"    {pr.where}: {pr.severity}: {pr.text}")
                if pr.hint:
                    click.echo(f"        hint: {pr.hint}")
            if o.differences and o.result is not None:
                for payee in sorted({d.split()[1] for d in o.differences
                                     if d.startswith("payee ")}):
                    pr = o.result.payee(payee)
                    for ln in (pr.lines if pr else []):
                        click.echo(f"      {payee} #{ln.number} {ln.component}: {ln.formula}")
    click.echo(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


COMMANDS = [run, validate, test_cmd]
