"""`compplan statements`, `compplan explain` and `compplan curve`: pay shown to people.

    compplan statements RUN --out DIR     every payee's statement (HTML, PDF, CSV, JSON)
                                          and an index page for admins
    compplan explain RUN --payee ID       one payee's pay as a tree (--line N: one line)
    compplan curve PLAN                   payout against attainment, PNG and SVG
"""
from __future__ import annotations

import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from ..engine import parse_period
from .run import compile_or_exit
from .store import db_option

FORMATS = ("html", "pdf", "csv", "json")  # as render.publish writes them (imported late:
# matplotlib and WeasyPrint take a while to load, and other commands need neither)


class Progress:
    """How many statements are written, while they are: a bar on a terminal; on a log
    or a pipe (a scheduled job, CI) a line at each tenth with the time so far and the
    time left at that pace, so a run of thousands does not sit silent for minutes.
    Nothing with --quiet."""

    def __init__(self, quiet: bool, stream):
        self.quiet, self.stream = quiet, stream
        self.tty = stream.isatty()
        self.bar, self.n, self.done, self.next_at, self.t0 = None, 0, 0, 0, 0.0

    def start(self, n: int) -> None:
        import time
        self.n, self.t0 = n, time.monotonic()
        if self.quiet or n < 1:
            return
        if self.tty and n > 1:
            self.bar = click.progressbar(length=n, label="statements", file=self.stream)
            self.bar.__enter__()
        elif not self.tty:
            click.echo(f"statements: writing {n}", file=self.stream)
            self.next_at = max(1, n // 10)

    def step(self, k: int) -> None:
        import time
        self.done += k
        if self.bar is not None:
            self.bar.update(k)
        elif not self.quiet and not self.tty and self.done >= self.next_at and \
                self.done < self.n:
            spent = time.monotonic() - self.t0
            left = spent / self.done * (self.n - self.done)
            click.echo(f"statements: {self.done} of {self.n} written ({spent:.0f} s, "
                       f"about {left:.0f} s left)", file=self.stream)
            while self.next_at <= self.done:
                self.next_at += max(1, self.n // 10)

    def end(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.argument("run_id", type=int)
@click.option("--out", "out_dir", required=True, help="folder for the statements")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="only these formats (repeat; default: all four)")
@click.option("--payee", "payees", multiple=True, help="only these payees (repeat)")
@click.option("--no-curve", is_flag=True, help="leave the payout curve off the pages")
@click.option("--quiet", "-q", is_flag=True, help="print nothing but errors (for scripts)")
@click.option("--appendix", is_flag=True,
              help="print the auditor's section (rules, plan hash, formulas) in the PDFs "
                   "too; the HTML always has it, folded away")
@click.option("--pdf-engine", type=click.Choice(("auto", "chromium", "weasyprint")),
              default="auto", show_default=True,
              help="what lays out the PDFs: auto is headless Chromium where it is "
                   "installed (several times faster), else WeasyPrint")
@db_option
def statements(run_id, out_dir, formats, payees, no_curve, quiet, appendix, pdf_engine,
               db_url):
    """Write each payee's statement of a stored run, and an index page for admins.

    Each payee gets a folder of their own (send it to them as it is); index.html lists
    everyone and is for comp admins and finance only. Statements are written on every
    core; on a terminal a progress bar shows how many are done (elsewhere, a line at
    each tenth).
    """
    from ..render import publish
    from ..store import open_store
    shown = Progress(quiet, sys.stderr)
    if not quiet:
        click.echo(f"reading run {run_id}...", err=True)
    try:
        report = publish.write_run(open_store(db_url), run_id, out_dir,
                                   tuple(formats) or FORMATS, not no_curve,
                                   list(payees) or None, started=shown.start,
                                   progress=shown.step, pdf_engine=pdf_engine,
                                   appendix=appendix)
    except LookupError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    finally:
        shown.end()
    if quiet:
        return
    for p in report.problems:
        click.echo(f"warning: {p}", err=True)
    click.echo(f"wrote statements for {len(report.entries)} payees in {report.out}/ "
               f"(admins' index: {report.index})")


@click.command()
@click.argument("run_id", type=int)
@click.option("--payee", required=True, help="the payee whose pay to explain")
@click.option("--line", "line", type=int, default=None, help="only this line, in full")
@db_option
def explain(run_id, payee, line, db_url):
    """Show one payee's pay as a tree: components, rules, lines, the data rows behind."""
    from rich.console import Console

    from ..render import explain as explain_mod
    from ..render import rows, stored
    from ..render.statement import build
    from ..store import open_store
    store = open_store(db_url)
    with store.session() as s, tempfile.TemporaryDirectory() as tmp:
        try:
            sr = stored.open_run(s, run_id)
        except LookupError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        pr = stored.payee_result(s, run_id, payee)
        if pr is None:
            click.echo(f"error: run {run_id} pays no payee '{payee}'", err=True)
            sys.exit(1)
        if line is not None and not any(ln.number == line for ln in pr.lines):
            click.echo(f"error: {payee} has no line {line} in run {run_id} (lines 1 to "
                       f"{len(pr.lines)})", err=True)
            sys.exit(1)
        tables, _ = rows.load(sr.compiled, rows.write_dataset(s, sr.run.dataset_id,
                                                              Path(tmp)))
        st = build(pr, sr.compiled, sr.header, "en", None,
                   rows.own_rows(sr.compiled, tables, payee))
        Console(highlight=False).print(explain_mod.tree(st, sr.compiled, tables, line))


def _settings(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}': write table.column=value",
                                     param_hint="--payee-profile")
        out[key.strip()] = value.strip()
    return out


@click.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True),
              help="take the profile from a payee in this data folder (with --payee)")
@click.option("--payee", default=None, help="the payee whose profile to use")
@click.option("--period", default=None, help="with --data: the period (e.g. 2026-Q1)")
@click.option("--payee-profile", "profile_pairs", multiple=True, metavar="TABLE.COLUMN=VALUE",
              help="set a value of the profile (repeat): quotas.amount=100000, "
                   "payees.target_incentive=20000")
@click.option("--measure", default=None, help="the x axis (default: the attainment measure)")
@click.option("--up-to", default=None, help="how far the x axis runs (e.g. 250%)")
@click.option("--points", default=81, show_default=True, type=click.IntRange(3, 2001))
@click.option("--out", "out_dir", default="out", show_default=True)
def curve(plan, data_dir, payee, period, profile_pairs, measure, up_to, points, out_dir):
    """Draw pay against attainment for a payee profile (PNG and SVG).

    Every point is the engine's own result for made-up data: the profile's targets and
    KPIs as they are, its first transaction repeated or resized until the measure
    lands on the point. Without --data the profile is a payee of the plan's scenarios.
    Tier bounds, caps and gates are marked.
    """
    from ..render import chart, rows
    from ..render import curve as curve_mod
    from ..render.locale import Fmt
    compiled = compile_or_exit(plan)
    if data_dir:
        if not payee or not period:
            raise click.BadParameter("with --data, name --payee and --period too",
                                     param_hint="--data")
        tables, problems = rows.load(compiled, data_dir)
        if problems:
            click.echo("\n".join(f"{p.where}: {p.text}" for p in problems[:10]), err=True)
            sys.exit(1)
        profile = curve_mod.profile_from_rows(compiled, rows.own_rows(compiled, tables, payee),
                                              payee, parse_period(period))
    else:
        profiles = curve_mod.scenario_profiles(compiled)
        if payee:
            profiles = [p for p in profiles if p.payee == payee]
        profile = curve_mod.first_that_moves(compiled, profiles, measure)
        if profile is None:
            click.echo("error: the plan has no scenario payee to draw for; use --data, "
                       "--payee and --period", err=True)
            sys.exit(1)
    problems = curve_mod.override(profile, _settings(profile_pairs))
    top = None
    if up_to:
        try:
            top = Decimal(up_to[:-1]) / 100 if up_to.endswith("%") else Decimal(up_to)
        except InvalidOperation:
            raise click.BadParameter(f"'{up_to}' is not a number", param_hint="--up-to")
    c = curve_mod.compute(compiled, profile, measure, points, top)
    problems += c.problems
    if problems or not c.points:
        for p in problems or ["no points"]:
            click.echo(f"error: {p}", err=True)
        sys.exit(1)
    paths = chart.write(c, Path(out_dir), f"{compiled.plan.plan}-curve-{profile.payee}")
    click.echo(f"{compiled.plan.name}: pay against {c.measure} for {profile.payee} "
               f"({profile.period.label}), {len(c.points)} points")
    f = Fmt("en", c.currency)
    at = (lambda v: f.percent(v)) if c.measure_kind == "ratio" else (lambda v: f.number(v, 2))
    for m in c.markers:
        if m.kind == "tier":
            rate = (lambda r: f.number(r)) if m.per_unit else (lambda r: f.percent(r, 4))
            click.echo(f"  tier bound at {at(m.x)} ({m.label} = {f.number(m.bound, 4)}): "
                       f"{rate(m.rates[0])} below, {rate(m.rates[1])} above")
        elif m.kind == "cap":
            click.echo(f"  cap on {m.label} reached by {at(m.x)}: {f.amount(m.y)}")
        else:
            click.echo(f"  gate: {m.label} at {at(m.x)}")
    click.echo("wrote " + ", ".join(str(p) for p in paths))


COMMANDS = [statements, explain, curve]
