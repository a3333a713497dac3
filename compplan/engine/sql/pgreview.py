"""`compplan sql --dialect postgres`: the script --engine postgres runs, for review
(issue 13).

Most of the PostgreSQL script is fixed by the plan. A few statements (fx.py's rows of
amounts in other currencies, payees paid in theirs; hierarchy.py's dated reporting
lines) use DuckDB's forms over rows whose columns only the data decides (`t.* EXCLUDE
(..) REPLACE (..)`, `UNION ALL BY NAME`, a table made again), which the engine writes
out as each statement runs, asking the database for the columns (pgexpand.py). So:

    without --data   the script as compiled, each such statement under a note that says
                     what is filled in from the data at run time: runnable as printed
                     except where a note stands (the header says how many)
    with --data DIR  the data read and checked as a run reads it, the script run in a
                     schema of its own on the server (dropped after: nothing is kept)
                     and printed as it ran, every form written out: runnable as printed
                     in a fresh schema holding the tables the run prepares from the data
                     (named in the header), as the engine's own run is; the period's one
                     script, as without --data (payees settled at their own frequency
                     are run group by group by the engine, each group's script the same
                     but for its period)
"""
from __future__ import annotations

from pathlib import Path

from ...errors import CompplanError
from ..data import load_folder
from ..ir import CompiledPlan
from ..periods import Period
from . import pgexpand
from .dialect import POSTGRES
from .run import review_script, script_text

NOTE = ("filled in from the data at run time: --engine postgres writes this "
        "statement's DuckDB forms ({forms}) out column by column when it runs, from the "
        "columns the database has (compplan/engine/sql/pgexpand.py); not runnable as "
        "printed. `compplan sql --dialect postgres --data DIR` prints it written out")
FORMS = (("EXCLUDE (", "EXCLUDE"), ("REPLACE (", "* REPLACE"),
         ("UNION ALL BY NAME", "UNION ALL BY NAME"),
         ("CREATE OR REPLACE TEMP TABLE", "CREATE OR REPLACE"))


def review_text(compiled: CompiledPlan, period: Period, folder: str | Path | None = None,
                dsn: str | None = None, pretty: bool = False) -> str:
    """The PostgreSQL script for review (see the module's docstring). With `folder`,
    the database is `dsn` (postgres.dsn_of's default); bad data is raised as
    CompplanError at FILE:ROW, as a run raises it."""
    if folder is None:
        return _as_compiled(compiled, period, pretty)
    return _written_out(compiled, period, Path(folder), dsn, pretty)


def _comment(text: str) -> str:
    """Text as comment lines after the statement's own `-- ` (script_text adds it)."""
    import textwrap
    return "\n-- ".join(textwrap.wrap(text, 86))


def _as_compiled(compiled: CompiledPlan, period: Period, pretty: bool) -> str:
    statements, noted = [], 0
    for what, sql in review_script(compiled, period, POSTGRES).statements:
        sql = POSTGRES.finish(sql)
        if pgexpand.needed(sql):
            noted += 1
            forms = ", ".join(name for text, name in FORMS if text in sql)
            what = f"{what}\n-- {_comment(NOTE.format(forms=forms))}"
        statements.append((what, sql))
    intro = "" if not noted else (
        f"-- {_comment(f'{noted} statement(s) below have columns the data decides, filled in when the statement runs (each under a note); --data DIR prints the script written out for that data, runnable as printed')}\n")
    return script_text(compiled, period, POSTGRES, pretty, statements, intro)


def _written_out(compiled: CompiledPlan, period: Period, folder: Path, dsn: str | None,
                 pretty: bool) -> str:
    from . import postgres
    problems: list = []
    tables = load_folder(compiled.plan, folder, problems)
    if problems:
        raise CompplanError(problems)
    record: dict = {}
    postgres.run_tables(compiled, tables, period, dsn, lines=False, by_frequency=False,
                        record=record)
    statements, last = [], None
    for what, sql in record.get("statements", []):
        statements.append((f"{what} (continued)" if what == last else what, sql))
        last = what
    names = ", ".join(record.get("tables", []))
    intro = f"-- {_comment(f'written out for the data in {folder}, as --engine postgres ran it on {postgres.safe_dsn(postgres.dsn_of(dsn))}; runs as printed in a fresh schema that holds the tables the run prepares from the data: {names}')}\n"
    return script_text(compiled, period, POSTGRES, pretty, statements, intro)
