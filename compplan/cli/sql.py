"""`compplan sql`: the SQL a plan compiles to, for review (issue 12)."""
from __future__ import annotations

import click

from ..errors import CompplanError
from .run import compile_or_exit, fail, period_of_plan


@click.command("sql")
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--period", required=True, help="the period the script is for, e.g. 2026-Q1")
@click.option("--dialect", type=click.Choice(["duckdb", "postgres"]), default="duckdb",
              show_default=True,
              help="postgres: the script --engine postgres runs inside PostgreSQL")
@click.option("--pretty", is_flag=True,
              help="each statement laid out one clause a line (by sqlglot)")
def sql_cmd(plan: str, period: str, dialect: str, pretty: bool) -> None:
    """Print the SQL script the duckdb (or postgres) engine runs for PLAN, each
    statement under a comment naming the rule (FILE:LINE:COL) it comes from. A plan
    the dialect cannot run yet is refused with the construct's position."""
    from ..engine.sql import script_text
    from ..engine.sql.dialect import DIALECTS

    compiled = compile_or_exit(plan)
    p = period_of_plan(compiled, period)
    try:
        click.echo(script_text(compiled, p, DIALECTS[dialect], pretty=pretty), nl=False)
    except CompplanError as e:
        if dialect == "postgres":  # what DuckDB runs: a hint to run it there
            from ..engine.sql.postgres import dialect_hints
            fail(dialect_hints(e.problems))
        fail(e.problems)


COMMANDS = [sql_cmd]
