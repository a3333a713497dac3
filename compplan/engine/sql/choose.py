"""Which engine `compplan run` uses: the SQL engine wherever it runs the plan.

The SQL engine (DuckDB, embedded) is the one that scales (issue 12); the Python engine is
the reference it is tested against, quicker on small data, and it runs what the SQL
engine does not yet. A run asked for no engine in particular (`--engine auto`, the
default) goes to DuckDB when its data files add up to SQL_FROM bytes or more, unless
the plan has a construct the SQL engine refuses (cover.py), found before any data is
read, or the data turns out to need one (a value with more places than the arithmetic
rule keeps); otherwise it goes to the Python engine, and the run says why.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ...errors import CompplanError, Problem
from ..data import find_file
from ..ir import CompiledPlan
from ..periods import Period
from .cover import REFUSED, refusals
from .run import script_text

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


# The data size from which `auto` takes the SQL engine. Below it the Python engine is
# quicker: DuckDB binds a plan's statements in seconds (the manager sample, 5 payees:
# 17 s on DuckDB, under 1 s in Python), while at 1M deals (53 MB) DuckDB is 3x faster
# (README, Speed). COMPPLAN_SQL_FROM (bytes) sets it; 0 takes DuckDB for any data.
SQL_FROM = 5_000_000


def data_size(compiled: CompiledPlan, folder: str | Path) -> int:
    """Bytes of the data files the plan reads in the folder."""
    total = 0
    for name, inp in compiled.plan.inputs.items():
        try:
            path = find_file(Path(folder), name, inp)
        except ValueError:  # outside the folder: the run names it
            continue
        total += path.stat().st_size if path is not None else 0
    return total


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} KB"


def choose_engine(compiled: CompiledPlan, period: Period, asked: str = "auto",
                  folder: str | Path | None = None) -> Choice:
    """The engine asked for by name; else the SQL engine where it compiles the plan for
    this period and the data is large enough to gain from it, or the Python engine and
    why."""
    if asked != "auto":
        return Choice(asked)
    least = int(os.environ.get("COMPPLAN_SQL_FROM", SQL_FROM))
    if folder is not None and least > 0:
        size = data_size(compiled, folder)
        if size < least:
            return Choice("python", f"small data, {_size(size)}: DuckDB from "
                                    f"{_size(least)}, or with --engine duckdb", auto=True)
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
