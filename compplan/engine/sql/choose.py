"""Which engine `compplan run` uses: the SQL engine wherever it runs the plan.

The SQL engine (DuckDB, embedded) is the one that scales (issue 12); the Python engine is
the reference it is tested against, and it runs what the SQL engine does not yet. A run
asked for no engine in particular (`--engine auto`, the default) goes to DuckDB unless
the plan has a construct the SQL engine refuses (cover.py), found before any data is
read, or the data turns out to need one (a value with more places than the arithmetic
rule keeps); then it goes to the Python engine, and the run says why.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import CompplanError, Problem
from ..ir import CompiledPlan
from ..periods import Period
from .cover import refusals
from .run import script_text

REFUSED = "sql-engine"  # the code of cover.refusal's problems


@dataclass(frozen=True)
class Choice:
    """The engine a run uses, and why when it is not the SQL engine."""

    engine: str  # "python" or "duckdb"
    why: str = ""
    auto: bool = False  # chosen, not asked for: a refusal at run time falls back


def because(problems: list[Problem]) -> str:
    """The first refusal in words, with its position: 'SQL engine does not run holds yet
    (plans/x.yaml:12:5 and 1 more)'."""
    first = problems[0]
    where = f"{first.file}:{first.line}:{first.col}" if first.line else first.file
    more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
    return f"{first.message.removeprefix('the ')} ({where}{more})"


def refused(error: CompplanError) -> bool:
    """An error that is the SQL engine declining, not a problem of the plan or data."""
    return bool(error.problems) and all(p.code == REFUSED for p in error.problems)


def choose_engine(compiled: CompiledPlan, period: Period, asked: str = "auto") -> Choice:
    """The engine asked for by name, or the SQL engine where it compiles the plan for
    this period, else the Python engine and why."""
    if asked != "auto":
        return Choice(asked)
    problems = refusals(compiled)
    if not problems:
        try:
            script_text(compiled, period)
        except CompplanError as e:
            if not refused(e):
                raise
            problems = e.problems
    if problems:
        return Choice("python", because(problems), auto=True)
    return Choice("duckdb", auto=True)
