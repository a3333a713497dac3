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
from ..ir import CompiledPlan
from .functions import python_only
from .hierarchy import refusals as dated_refusals


REFUSED = "sql-engine"  # the code of a refusal (choose.py falls back on it)


def refusal(pos: Pos | None, what: str, file: str) -> Problem:
    """The one wording of a refusal, at the construct's position."""
    return Problem.at(pos, f"the SQL engine does not run {what} yet",
                      "run it with --engine python", code=REFUSED, file=file)


def refusals(compiled: CompiledPlan) -> list[Problem]:
    """What the plan asks that the SQL engine does not run yet, each at its position
    (today only what a plan with dated reporting lines and team() asks of a report's
    part of the period: engine/sql/hierarchy.py, tier tables per payee, and calls of a
    function the registry gives no SQL form). What a statement cannot compile is
    refused when the script is made (exprs.Unsupported)."""
    file = compiled.checked.source.name
    return [refusal(pos, what, file) for pos, what in
            dated_refusals(compiled) + payee_bounds(compiled) + python_only_calls(compiled)]


def python_only_calls(compiled: CompiledPlan) -> list[tuple[Pos, str]]:
    """Every call of a function of values the registry marks Python-only
    (compplan/lang/functions.py, `python_only`), at the call, with the record's reason."""
    out, seen = [], set()
    for node in compiled.checked.exprs.values():
        for n in ast.walk(node) if node is not None else ():
            if isinstance(n, ast.Call) and id(n) not in seen and \
                    (why := python_only(n.name)) is not None:
                seen.add(id(n))
                out.append((n.pos, f"{n.name}() ({why})"))
    return sorted(out, key=lambda p: (p[0].line or 0, p[0].col or 0))


def payee_bounds(compiled: CompiledPlan) -> list[tuple[Pos, str]]:
    """Tier tables whose bounds or rates read the payee (issue 20: `to: targets.meetings`):
    the SQL engine writes a table's bounds as literals in its CASE and split texts, so a
    table per payee is refused at the first bound or rate that reads the payee."""
    checked, out = compiled.checked, []
    for name, table in compiled.tier_tables.items():
        if not table.per_payee:
            continue
        tiers = compiled.plan.rates[name].tiers
        for i in range(len(table.bands)):
            for key in ("from", "to", "rate"):
                node = checked.expr("rates", name, "tiers", i, key)
                if node is not None and any(
                        (res := checked.resolved.get(n)) is not None and
                        res.kind in ("payee", "payee_table") for n in ast.walk(node)):
                    text = str(getattr(tiers[i], "from_" if key == "from" else key)).strip()
                    out.append((node.pos, f"a tier's {key} that reads the payee "
                                          f"('{text}' in '{name}')"))
                    break
            else:
                continue
            break
    return out
