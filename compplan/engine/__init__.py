"""The calculation engine: a checked plan compiled to steps, run over one period's data.

    ir       the compiled plan (steps with typed expressions and closures)
    compile  AST -> closures (fast, and explaining for line formulas)
    data     CSV / xlsx / inline rows -> typed tables, problems with file:row:column
    run      inputs -> credits -> measures -> earnings -> totals
    tiers    rate tables: bands, marginal splits, whole-amount lookup
    results  payee results and line items; CSV and JSON writers
    carried  passes over a run and its history: draws, the year to date
    standalone  a period without a store: as a first stored period, gaps said
"""
from __future__ import annotations

from pathlib import Path

from ..errors import CompplanError
from ..lang import check_file
from .data import load_folder
from .ir import CompiledPlan, compile_plan
from .periods import Period, parse_period
from .results import RunResult
from .run import run_plan

__all__ = ["CompiledPlan", "Period", "RunResult", "compile_plan", "load_plan", "parse_period",
           "run_plan", "run_files"]


def load_plan(path: str | Path) -> CompiledPlan:
    """Check and compile a plan file; CompplanError lists every problem if it has errors."""
    checked = check_file(path)
    if not checked.ok:
        raise CompplanError(checked.problems.errors)
    return compile_plan(checked)


def run_files(plan_path: str | Path, data_dir: str | Path, period: str) -> RunResult:
    compiled = load_plan(plan_path)
    p = parse_period(period)
    problems = []
    tables = load_folder(compiled.plan, data_dir, problems)
    if problems:
        raise CompplanError(problems)
    from .standalone import run_standalone
    return run_standalone(compiled, tables, p)
