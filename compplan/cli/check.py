"""`compplan check` and `compplan schema`: the comp admin's first tools."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import format_json, format_text
from ..lang import check_file
from ..lang.model import json_schema


@click.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              help="text for people, json for editors and CI")
def check(plans: tuple[str, ...], fmt: str) -> None:
    """Check plan files; report every problem with its line and column.

    Exits 1 when there are errors, 0 when the plans are clean (warnings allowed).
    """
    problems, sources, untold = [], {}, {"error": 0, "warning": 0}
    for path in plans:
        checked = check_file(path)
        sources[path] = checked.source.text
        problems.extend(checked.problems.sorted())
        for severity, n in checked.problems.more.items():  # found, but not kept
            untold[severity] += n
    errors = [p for p in problems if p.severity == "error"]
    if fmt == "json":
        click.echo(format_json(problems), nl=False)
    else:
        if problems:
            click.echo(format_text(problems, sources), nl=False)
        told = [p for p in problems if p.code != "more-problems"]
        n_err = sum(p.severity == "error" for p in told) + untold["error"]
        n_warn = len(told) - sum(p.severity == "error" for p in told) + untold["warning"]
        summary = (f"{len(plans)} plan{'s' if len(plans) != 1 else ''} checked: "
                   f"{n_err} error{'s' if n_err != 1 else ''}")
        if n_warn:
            summary += f", {n_warn} warning{'s' if n_warn != 1 else ''}"
        click.echo(summary)  # after the problems, on the same stream, so they stay in order
    sys.exit(1 if errors else 0)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False), help="write to a file instead")
def schema(out: str | None) -> None:
    """Print the JSON Schema of plan files (for the YAML language server)."""
    text = json.dumps(json_schema(), indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


COMMANDS = [check, schema]
