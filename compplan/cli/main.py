"""Entry point: the click group and the commands it gathers."""
from __future__ import annotations

import decimal
import sys

import click

from .. import __version__
from ..engine.money import CONTEXT
from ..errors import CompplanError, format_text
from . import check as check_cmds
from . import demo as demo_cmds
from . import diff as diff_cmds
from . import finance as finance_cmds
from . import render as render_cmds
from . import run as run_cmds
from . import sql as sql_cmds
from . import store as store_cmds
from . import targets as targets_cmds
from . import web as web_cmds


class Cli(click.Group):
    """The command group, with its safety nets: a data problem that reaches the top is
    shown as FILE[:ROW] with its hint; a store that cannot be used (held by another
    command, disk full, read-only) is told in a sentence, never a traceback with the SQL
    in it. Exit 1 either way."""

    def parse_args(self, ctx, args):
        ctx.meta["compplan.args"] = list(args)  # to name the store, should it fail
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CompplanError as e:
            # a problem that reaches the top (a data file that cannot be read, from any
            # command that reads one): FILE[:ROW] with its hint, exit 1, no traceback
            click.echo(format_text(e.problems), err=True, nl=False)
            ctx.exit(1)
        except Exception as e:
            told = _store_trouble(e, ctx)
            if told is None:
                raise
            click.echo(f"error: {told}", err=True)
            ctx.exit(1)


def _store_trouble(e: Exception, ctx) -> str | None:
    """A store's trouble in a sentence (StoreError's own, or store.db.explain's for a
    database or file error), None for anything else. The store (and SQLAlchemy) is
    imported only here, and only when it was used or the error is the system's: a
    `compplan run` without --save never loads it (0.3 CPU-s, docs/design/columnar.md)."""
    if "compplan.store.db" not in sys.modules and not isinstance(e, OSError):
        return None  # no store was opened: nothing of it can have failed
    from sqlalchemy.exc import SQLAlchemyError
    from ..store.db import StoreError, explain
    if isinstance(e, StoreError):
        return str(e)
    if isinstance(e, (SQLAlchemyError, OSError)):
        return explain(e, _store_url(ctx))
    return None


def _store_url(ctx) -> str:
    """The store the command was given (--db, else COMPPLAN_DB, else the default), to
    name it in the sentence."""
    import os
    from ..store.db import resolve_url
    args = ctx.meta.get("compplan.args", [])
    for i, a in enumerate(args):
        if a == "--db" and i + 1 < len(args):
            return resolve_url(args[i + 1])
        if a.startswith("--db="):
            return resolve_url(a[len("--db="):])
    return resolve_url(os.environ.get("COMPPLAN_DB"))


@click.group(cls=Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compplan")
def cli() -> None:
    """compplan: sales compensation plans as checked, traceable rules."""


for module in (check_cmds, run_cmds, store_cmds, demo_cmds, diff_cmds, targets_cmds,
               render_cmds, web_cmds, sql_cmds, finance_cmds):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    # every amount the command works out or shows uses the engine's exact context
    decimal.setcontext(CONTEXT.copy())
    cli.main(args=argv, prog_name="compplan")
