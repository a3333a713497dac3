"""Entry point: the click group and the commands it gathers."""
from __future__ import annotations

import click

from .. import __version__
from . import check as check_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compplan")
def cli() -> None:
    """compplan: sales compensation plans as checked, traceable rules."""


for command in check_cmd.COMMANDS:
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="compplan")
