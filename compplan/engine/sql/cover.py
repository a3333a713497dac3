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
from ..hierarchy import reporting_input
from ..ir import CompiledPlan


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
        if inp.currency:
            no(key("inputs", name, "currency"), "amounts in other currencies")
    if reporting_input(plan) is not None:
        no(key("inputs", reporting_input(plan)), "reporting lines with dates")
    return out

