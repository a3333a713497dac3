"""Scenarios of several periods, run as finance runs them: saved, approved and paid.

A scenario with `periods:` is run period by period in a throwaway store (SQLite in a
temporary folder, gone afterwards), so what carries from one period to the next (a
draw's balance and its recovery, holds released, a paid line clawed back, the year so
far less what was paid) is worked out by the same code as a real run and can be
expected in the plan file.

Each period's data is the scenario's `data` plus the rows of that period and every one
before it; a row with the same key as an earlier one replaces it (a deal cancelled in
March is the same deal with a new status), as the data files change between runs.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..engine.data import load_inline
from ..engine.ir import CompiledPlan
from ..engine.scenarios import Outcome, compare, run_scenarios as engine_scenarios
from ..engine.scenarios import scenario_period
from ..errors import CompplanError, Problem
from . import lifecycle
from .db import open_store

ACTOR = "compplan test"


def run_scenarios(compiled: CompiledPlan, run=None, engine: str = "python",
                  dsn: str | None = None) -> list[Outcome]:
    """Every scenario of the plan; those of several periods in a throwaway store, each
    period saved by `engine` (python, duckdb, postgres or spark, as `run --save --engine` saves
    it). `run`
    works out a scenario of one period (see engine.scenarios.run_scenarios); given
    without an engine that saves, a scenario of several periods is not run but
    reported. `dsn`: the PostgreSQL engine's database."""
    if run is None or engine != "python":
        return engine_scenarios(compiled, several=lambda c, i, sc: run_in_store(
            c, i, sc, engine, dsn), run=run)
    return engine_scenarios(compiled, several=_not_with(compiled), run=run)


def _not_with(compiled: CompiledPlan):
    def report(_compiled, i: int, sc) -> Outcome:
        pos = compiled.checked.source.pos(("scenarios", i))
        return Outcome(sc.name, pos, False, problems=[Problem.at(
            pos, f"scenario '{sc.name}' spans periods: it runs in a store, on the python "
            "engine only for now", "run it with compplan test (no --engine)",
            code="needs-store")])
    return report


def _with_lines(compiled: CompiledPlan, tables: dict, period, saved,
                engine: str = "duckdb", dsn: str | None = None) -> object:
    """A run the SQL engine saved, with its engine lines to compare (the store has them;
    the saved result holds totals and the lines carried from earlier periods): the
    period worked out again on the SQL engine, the carried lines after its own."""
    if engine == "postgres":
        from ..engine.sql.postgres import run_tables
        fresh = run_tables(compiled, tables, period, dsn)
    elif engine == "spark":
        from ..engine.sql import spark
        fresh = spark.run_tables(compiled, tables, period)
    else:
        from ..engine.sql import run_sql
        fresh = run_sql(compiled, tables, period)
    for pr in saved.payees:
        mine = fresh.payee(pr.payee)
        carried = list(pr.lines)
        pr.lines = (list(mine.lines) if mine is not None else []) + carried
        for n, ln in enumerate(pr.lines, start=1):
            ln.number = n
    return saved


def _row_id(inp, row: dict):
    """What makes a row the same row in the next period's data: its key, or for a
    table of one row per payee (and period) its payee and period."""
    cols = [inp.key] if inp.key else [c for c in (inp.payee, inp.period) if c]
    if not cols:
        return None
    return tuple(str(row.get(inp.rename.get(c, c))) for c in cols)


def _merge(compiled: CompiledPlan, rows: dict, data: dict, path: tuple) -> None:
    """Add a period's rows to those so far (each with the plan path it came from)."""
    for table, new in (data or {}).items():
        inp = compiled.plan.inputs.get(table)
        have = rows.setdefault(table, [])
        for r, row in enumerate(new):
            rid = _row_id(inp, row) if inp is not None else None
            place = path + ("data", table, r)
            for k, (old, _) in enumerate(have):
                if rid is not None and _row_id(inp, old) == rid:
                    have[k] = (row, place)
                    break
            else:
                have.append((row, place))


def run_in_store(compiled: CompiledPlan, i: int, sc, engine: str = "python",
                 dsn: str | None = None) -> Outcome:
    src = compiled.checked.source
    base = ("scenarios", i)
    pos = src.pos(base)
    where = f"{src.name}: scenario '{sc.name}'"
    steps = []
    for j, step in enumerate(sc.periods):
        text = step if isinstance(step, str) else step.period
        path = base + ("periods", j)
        period = scenario_period(compiled, text, path if isinstance(step, str)
                                 else path + ("period",))
        if isinstance(period, Problem):
            return Outcome(sc.name, pos, False, problems=[period])
        steps.append((period, path, {} if isinstance(step, str) else step.data,
                      {} if isinstance(step, str) else step.expect))
    if not steps:
        return Outcome(sc.name, pos, False, problems=[Problem.at(
            pos, f"scenario '{sc.name}' lists no periods", code="missing-field")])
    plan_text = src.text.encode("utf-8")
    rows: dict[str, list] = {}
    _merge(compiled, rows, sc.data, base)
    diffs: list[str] = []
    result = None
    with tempfile.TemporaryDirectory(prefix="compplan-scenario-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'scenario.db'}")
        try:
            for n, (period, path, data, expect) in enumerate(steps):
                _merge(compiled, rows, data, path)
                places = {t: [p for _, p in rs] for t, rs in rows.items()}
                data_now = {t: [r for r, _ in rs] for t, rs in rows.items()}
                problems: list[Problem] = []
                tables = load_inline(
                    compiled.plan, data_now, where, problems,
                    lambda t, r, col: src.pos(places[t][r] + (col,)) if r < len(places[t])
                    else pos)
                if problems:
                    return Outcome(sc.name, pos, False, problems=problems)
                files = {"scenario.json": json.dumps(data_now, default=str,
                                                     sort_keys=True).encode("utf-8")}
                try:
                    saved = lifecycle.save_run(store, compiled, tmp, period.label, ACTOR,
                                               plan_text=plan_text, tables=tables,
                                               files=files, engine=engine, dsn=dsn)
                    lifecycle.approve(store, saved.run.id, ACTOR)
                    lifecycle.mark_paid(store, saved.run.id, ACTOR)
                except CompplanError as e:
                    return Outcome(sc.name, pos, False, problems=e.problems)
                except lifecycle.LifecycleError as e:
                    return Outcome(sc.name, pos, False, problems=[Problem.at(
                        src.pos(path), str(e), code="lifecycle")])
                result = saved.result
                if engine != "python":  # its lines went from the engine to the store
                    result = _with_lines(compiled, tables, period, result, engine, dsn)
                wanted = dict(expect)
                if n == len(steps) - 1:
                    for payee, values in sc.expect.items():
                        wanted[payee] = {**(values or {}), **(wanted.get(payee) or {})}
                diffs += [f"{period.label}: {d}" for d in compare(result, wanted, compiled)]
        finally:
            store.close()
    return Outcome(sc.name, pos, not diffs, diffs, result=result)
