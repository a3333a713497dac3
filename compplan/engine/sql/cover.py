"""What the SQL engine runs today, and where a plan goes beyond it.

`refusals(compiled)` lists, with their positions, the constructs of a plan that the SQL
engine cannot run yet; `run --engine duckdb` refuses such a plan with them, and
choose.py (run's default, `--engine auto`) falls back to the Python engine for it,
saying why. The list shrinks as
the engine grows; the differential tests hold everything it accepts to the Python
engine.
"""
from __future__ import annotations

from ...errors import Pos, Problem
from ...lang import ast
from ...lang.windows import WINDOW_FUNCTIONS
from ..ir import CompiledPlan
from .hierarchy import refusals as dated_refusals


REFUSED = "sql-engine"  # the code of a refusal (choose.py falls back on it)


def refusal(pos: Pos | None, what: str, file: str) -> Problem:
    """The one wording of a refusal, at the construct's position."""
    return Problem.at(pos, f"the SQL engine does not run {what} yet",
                      "run it with --engine python", code=REFUSED, file=file)


def refusals(compiled: CompiledPlan) -> list[Problem]:
    plan, c = compiled.plan, compiled.checked
    out: list[Problem] = []

    def no(pos: Pos | None, what: str) -> None:
        out.append(refusal(pos, what, c.source.name))

    def key(*path) -> Pos | None:
        return c.source.key_pos(path)

    for name, inp in plan.inputs.items():
        if inp.frequency:
            no(key("inputs", name, "frequency"), "payees settled at their own frequency")
    for name, e in plan.earnings.items():
        if e.hold is not None:
            no(key("earnings", name, "hold"), "holds")
    if compiled.draw is not None:
        no(key("payout"), "draws")
    if plan.payout is not None and plan.payout.basis != "period":
        no(key("payout"), "year-to-date payouts")
    for name in plan.clawbacks:
        no(key("clawbacks", name), "clawbacks")
    for name, rt in plan.rates.items():
        if name in compiled.curves:
            continue  # curves: engine/sql/curves.py
        if rt.tiers is None:
            continue  # lookup tables: engine/sql/lookups.py
        if compiled.tier_tables[name].per_unit:
            no(key("rates", name), "rate tables paying an amount per unit")
    for pos, what in dated_refusals(compiled):  # a report's part of the period (hierarchy.py)
        no(pos, what)
    for name, e in plan.earnings.items():
        if e.pool is not None:
            no(key("earnings", name, "pool"), "pools")
    for name in plan.subtotals:
        no(key("subtotals", name), "subtotals")
    for node in c.exprs.values():
        for n in ast.walk(node):
            if isinstance(n, ast.Call) and n.name in WINDOW_FUNCTIONS:
                # windows in time (ytd(), trailing() ...): earlier periods' rows
                no(n.pos, f"{n.name}()")
    return out

