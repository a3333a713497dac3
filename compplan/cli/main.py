"""Entry point: the click group and the commands it gathers."""
from __future__ import annotations

import decimal

import click

from .. import __version__
from ..engine.money import CONTEXT
from ..errors import CompplanError, format_text
from . import check as check_cmds
from . import demo as demo_cmds
from . import diff as diff_cmds
from . import render as render_cmds
from . import run as run_cmds
from . import sql as sql_cmds
from . import store as store_cmds
from . import targets as targets_cmds
from . import web as web_cmds


class Commands(click.Group):
    """The commands, with one safety net: a problem that reaches the top (a data file
    that cannot be read, from any command that reads one) is shown as FILE[:ROW] with
    its hint and exits 1, never as a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CompplanError as e:
            click.echo(format_text(e.problems), err=True, nl=False)
            ctx.exit(1)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compplan")
def cli() -> None:
    """compplan: sales compensation plans as checked, traceable rules."""


for module in (check_cmds, run_cmds, store_cmds, demo_cmds, diff_cmds, targets_cmds,
               render_cmds, web_cmds, sql_cmds):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    # every amount the command works out or shows uses the engine's exact context
    decimal.setcontext(CONTEXT.copy())
    cli.main(args=argv, prog_name="compplan")
