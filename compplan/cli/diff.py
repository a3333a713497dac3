"""`compplan diff` and `compplan verify`: what changed, what it costs, can it be reproduced.

    compplan diff OLD NEW                          two plans by meaning (files or REV:path)
    compplan diff OLD NEW --data DIR --period P    and what the change does to pay
    compplan diff RUN_A RUN_B                      two stored runs, line by line
    compplan diff --git PATH OLD-FILE ... (7 args) as git's external diff driver
    compplan verify RUN                            recompute a stored run and compare

Exit codes follow diff(1): 0 no difference, 1 differences, 2 trouble (a plan that does
not check, a run that does not exist). As a git driver it always exits 0: git stops
the whole `git diff` when its driver fails.
"""
from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from ..errors import CompplanError, format_json, format_text
from ..lang import check_source
from .lazy import lazy
from .store import db_option

# the diff modules bring the store (SQLAlchemy): imported when a command uses them
render = lazy("compplan.diff.render")
impact = lazy("compplan.diff.impact")
plans = lazy("compplan.diff.plans")
sources = lazy("compplan.diff.sources")

FORMATS = ["text", "json", "markdown", "csv"]


def _emit(text: str) -> None:
    click.echo(text, nl=False)


def _trouble(problems, sources=None, fmt="text") -> None:
    if fmt == "json":
        _emit(format_json(problems))
    else:
        click.echo(format_text(problems, sources), err=True, nl=False)
    sys.exit(2)


@click.command()
@click.argument("args", nargs=-1, metavar="OLD NEW | RUN_A RUN_B")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              help="text; json; markdown (for a pull request); csv (the impact table)")
@click.option("--data", "data_dir", type=click.Path(file_okay=False),
              help="impact: run both plans on this data folder")
@click.option("--period", help="impact: the period to run, e.g. 2026-Q1")
@click.option("--top", type=int, default=5, show_default=True,
              help="impact: how many of the largest movers to name")
@click.option("--git", "git_driver", is_flag=True,
              help="act as git's diff driver: PATH OLD-FILE OLD-HEX OLD-MODE NEW-FILE "
                   "NEW-HEX NEW-MODE (see the README)")
@db_option
def diff(args, fmt, data_dir, period, top, git_driver, db_url):
    """Compare two plans by meaning (OLD NEW: files or REV:path), their pay on the same
    data (--data, --period), or two stored runs (RUN_A RUN_B: run ids).

    Reformatting, reordering keys and comments are no change. Exit 0 when there is no
    difference, 1 when there are differences, 2 on errors.
    """
    if git_driver:
        _git_driver(args)
        return
    if len(args) != 2:
        raise click.UsageError("give two plans (OLD NEW) or two run ids (RUN_A RUN_B)")
    old, new = args
    if old.isdigit() and new.isdigit():
        _runs(int(old), int(new), fmt, db_url)
    elif old.isdigit() != new.isdigit() and not (Path(old).exists() and Path(new).exists()):
        raise click.UsageError("compare two plans or two runs, not one of each")
    else:
        _plans(old, new, fmt, data_dir, period, top)


def _plans(old, new, fmt, data_dir, period, top) -> None:
    if (data_dir is None) != (period is None):
        raise click.UsageError("an impact diff needs both --data and --period")
    if fmt == "csv" and data_dir is None:
        raise click.UsageError("csv is the impact table's format: add --data and --period")
    a, b = sources.read_plan(old), sources.read_plan(new)
    d = plans.diff_plans(a, b)
    if not d.ok:
        if fmt == "json":
            _emit(json.dumps(d.to_dict(), indent=2) + "\n")
            sys.exit(2)
        _trouble(d.problems, d.sources)
    if data_dir is None:
        _emit({"text": render.plan_text, "markdown": render.plan_markdown}.get(
            fmt, lambda x: json.dumps(x.to_dict(), indent=2) + "\n")(d))
        sys.exit(1 if d.changes else 0)
    try:
        i = impact.impact(a, b, data_dir, period, top)
    except CompplanError as e:
        _trouble(e.problems, d.sources, fmt)
    if fmt == "csv":
        _emit(render.impact_csv(i))
    elif fmt == "json":
        _emit(json.dumps({"plan": d.to_dict(), "impact": i.to_dict()}, indent=2) + "\n")
    elif fmt == "markdown":
        _emit(render.plan_markdown(d) + "\n" + render.impact_markdown(i))
    else:
        _emit(render.plan_text(d) + "\n" + render.impact_text(i))
    moved = any(p.difference for p in i.payees)
    sys.exit(1 if d.changes or moved else 0)


def _from_store(db_url, work):
    """work(session) on the store; a run that is not there exits 2 with the reason."""
    store = _store(db_url)
    try:
        with store.session() as s:
            return work(s)
    except LookupError as e:
        click.echo(f"error: {e.args[0]}", err=True)
        sys.exit(2)
    finally:
        store.close()


def _store(db_url):
    from ..store import open_store
    return open_store(db_url, read_only=True)  # diff and verify only read


def _runs(id_a: int, id_b: int, fmt: str, db_url) -> None:
    from ..diff.runs import diff_runs
    if fmt == "csv":
        raise click.UsageError("csv is the impact table's format; use text, json or markdown")
    d = _from_store(db_url, lambda s: diff_runs(s, id_a, id_b))
    if fmt == "json":
        _emit(json.dumps(d.to_dict(), indent=2) + "\n")
    else:
        _emit(render.runs_markdown(d) if fmt == "markdown" else render.runs_text(d))
    sys.exit(0 if d.same else 1)


# ---------------------------------------------------------------- git

def _git_driver(args) -> None:
    """git's external diff: `path old-file old-hex old-mode new-file new-hex new-mode`
    (two more after a rename: the new path and git's rename message; one alone for an
    unmerged path). Never fails: a plan that does not check is shown with its problems
    and a text diff, so `git diff` goes on to the next file."""
    if len(args) == 1:
        click.echo(f"* Unmerged path {args[0]}")
        return
    if len(args) not in (7, 9):
        click.echo(f"compplan diff --git: expected 7 arguments from git, got {len(args)}",
                   err=True)
        return
    path, old_file, _, _, new_file, _, _ = args[:7]
    new_path = args[7] if len(args) == 9 else path
    a_name, b_name = f"a/{path}", f"b/{new_path}"
    click.echo(f"diff --compplan {a_name} {b_name}")
    texts = [_read(old_file), _read(new_file)]
    if texts[0] is None or texts[1] is None:
        click.echo("new plan file" if texts[0] is None else "deleted plan file")
        _text_diff(texts[0] or "", texts[1] or "", a_name, b_name)
        return
    a, b = check_source(texts[0], a_name), check_source(texts[1], b_name)
    d = plans.diff_plans(a, b)
    if not d.ok:
        click.echo("the plans cannot be compared by meaning:")
        click.echo(format_text(d.problems, d.sources), nl=False)
        _text_diff(texts[0], texts[1], a_name, b_name)
        return
    _emit(render.plan_text(d))


def _read(name: str) -> str | None:
    if name == "/dev/null":
        return None
    return Path(name).read_bytes().decode("utf-8-sig", errors="replace")


def _text_diff(old: str, new: str, a_name: str, b_name: str) -> None:
    _emit("".join(difflib.unified_diff(old.splitlines(keepends=True),
                                       new.splitlines(keepends=True), a_name, b_name)))


# ---------------------------------------------------------------- verify

@click.command()
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@db_option
@click.option("--dsn", default=None,
              help="a run made by --engine postgres is made again in this database "
                   "(default COMPPLAN_PG_DSN, else postgresql://127.0.0.1:5432/test)")
@click.option("--master", default=None,
              help="a run made by --engine spark is made again on this Spark master "
                   "(default COMPPLAN_SPARK_MASTER, else local[2])")
def verify(run_id, fmt, db_url, dsn, master):
    """Recompute a stored run from its stored plan version and data and confirm every
    line and total is identical, or list what differs (exit 1).

    A run of another engine than Python is made again on that engine (--dsn, --master
    say where) and by the Python engine, the reference."""
    from ..diff.verify import verify as verify_run
    v = _from_store(db_url, lambda s: verify_run(s, run_id, dsn=dsn, master=master))
    if fmt == "json":
        _emit(json.dumps(v.to_dict(), indent=2) + "\n")
    elif v.problems:
        click.echo(f"{v.label}: cannot be recomputed", err=True)
        click.echo(format_text(v.problems), err=True, nl=False)
    else:
        _emit(render.verify_text(v))
    sys.exit(2 if v.problems else 0 if v.identical else 1)


COMMANDS = [diff, verify]
