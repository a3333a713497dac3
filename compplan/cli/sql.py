"""`compplan sql`: the SQL a plan compiles to, for review (issue 12)."""
from __future__ import annotations

import sys

import click

from ..errors import CompplanError
from .run import compile_or_exit, fail, period_of_plan


@click.command("sql")
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--period", required=True, help="the period the script is for, e.g. 2026-Q1")
@click.option("--dialect", type=click.Choice(["duckdb", "postgres", "spark"]), default="duckdb",
              show_default=True,
              help="postgres: the script --engine postgres runs inside PostgreSQL")
@click.option("--pretty", is_flag=True,
              help="each statement laid out one clause a line (by sqlglot)")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, exists=True),
              help="with --dialect postgres: the data folder the script is written out for "
                   "(the few statements whose columns the data decides are filled in by "
                   "running it on the server, in a schema dropped after), so it runs as "
                   "printed")
@click.option("--dsn", help="with --data: the database (default COMPPLAN_PG_DSN, else "
                            "postgresql://127.0.0.1:5432/test)")
def sql_cmd(plan: str, period: str, dialect: str, pretty: bool, data_dir: str | None,
            dsn: str | None) -> None:
    """Print the SQL script the duckdb (or postgres) engine runs for PLAN, each
    statement under a comment naming the rule (FILE:LINE:COL) it comes from. A plan
    the dialect cannot run yet is refused with the construct's position.

    For postgres, a statement whose columns only the data decides (amounts in other
    currencies, dated reporting lines) is printed under a note; with --data it is
    printed written out for that data, as the engine runs it."""
    from ..engine.sql import script_text
    from ..engine.sql.dialect import DIALECTS

    if (data_dir or dsn) and dialect != "postgres":
        click.echo("error: --data and --dsn go with --dialect postgres (the other "
                   "dialects' scripts do not depend on the data's columns)", err=True)
        sys.exit(2)
    compiled = compile_or_exit(plan)
    p = period_of_plan(compiled, period)
    try:
        if dialect == "postgres":  # notes, or written out for --data (pgreview.py)
            from ..engine.sql.pgreview import review_text
            click.echo(review_text(compiled, p, data_dir, dsn, pretty), nl=False)
        else:
            click.echo(script_text(compiled, p, DIALECTS[dialect], pretty=pretty), nl=False)
    except CompplanError as e:
        if dialect == "postgres":  # what DuckDB runs: a hint to run it there
            from ..engine.sql.postgres import dialect_hints
            fail(dialect_hints(e.problems))
        fail(e.problems)


COMMANDS = [sql_cmd]
