"""Rate tables built when a plan compiles: tier tables and curves, their bounds, rates
and points worked out from literals and params (issue 20: `to: tier_meetings`).

The checker checks the order of the bounds and points it can know (literals, params
that are literals); an expression of params is known only here, so its order is
checked here, with the place in the plan, before anything is paid.
"""
from __future__ import annotations

from decimal import Decimal

from ..errors import CompplanError, Problem
from ..lang.types import MONEY, RATIO
from .compile import fmt_value
from .curves import Curve
from .tiers import Band, TierTable


def _not_rising(checked, path, text: str) -> CompplanError:
    return CompplanError([Problem.at(checked.source.pos(path), text,
                                     "bounds and points must rise: look at the params "
                                     "they are worked out from", code="tier-bounds",
                                     file=checked.source.name)])


def _shown(checked, path, v) -> str:
    """A value as the plan's reader writes it (100%, 20, 5,000.00)."""
    return fmt_value(v, checked.types.get(checked.expr(*path)))


def _value(comp, checked, path, env):
    node = checked.expr(*path)
    return None if node is None else comp.fast(node)(env, None)


def build_tiers(checked, comp, name: str, env) -> TierTable:
    rt = checked.plan.rates[name]
    bands = []
    prev_hi = None
    for i, tier in enumerate(rt.tiers):
        base = ("rates", name, "tiers", i)
        lo = _value(comp, checked, base + ("from",), env)
        hi = _value(comp, checked, base + ("to",), env)
        low = lo if lo is not None else prev_hi
        if hi is not None and low is not None and hi <= low:
            raise _not_rising(checked, base + ("to",), f"tier {i + 1} of '{name}' ends at "
                              f"{_shown(checked, base + ('to',), hi)}, not above its start "
                              f"{_shown(checked, base + ('to',), low)}")
        if lo is not None and prev_hi is not None and lo != prev_hi:
            raise _not_rising(checked, base + ("from",), f"tier {i + 1} of '{name}' starts "
                              f"at {_shown(checked, base + ('from',), lo)}, not where the "
                              f"tier before it ends ({_shown(checked, base + ('from',), prev_hi)})")
        rate = _value(comp, checked, base + ("rate",), env)
        upper = None if tier.at_boundary is None else tier.at_boundary == "upper"
        bands.append(Band(i + 1, low, hi, rate, upper))
        prev_hi = hi
    value_t = checked.symbols.rates.get(name)
    per_unit = value_t is not None and value_t.kind == MONEY
    return TierTable(name, tuple(bands), rt.mode or "marginal", rt.at_boundary != "lower",
                     per_unit, rt.units == "whole")


def build_curve(checked, comp, name: str, env) -> Curve:
    rt = checked.plan.rates[name]
    points: list[tuple[Decimal, Decimal]] = []
    for i in range(len(rt.points)):
        base = ("rates", name, "points", i)
        x = _value(comp, checked, base + (0,), env)
        y = _value(comp, checked, base + (1,), env)
        if points and x <= points[-1][0]:
            raise _not_rising(checked, base + (0,), f"points of '{name}' are not in order: "
                              f"point {i + 1} is at {_shown(checked, base + (0,), x)}, not "
                              f"above point {i}'s {_shown(checked, base + (0,), points[-1][0])}")
        points.append((Decimal(x), Decimal(y)))
    return Curve(name, tuple(points), rt.below, rt.above)


def require_counted_units(checked, comp) -> None:
    """`units: whole` on a ratio basis (qualified / targets.meetings) counts whole units
    of the count above it: the basis must be a count of credits over values that do not
    depend on them, so the engine can follow the count (ir.LinearForm)."""
    for name, table in comp.tier_tables.items():
        if not table.whole_units:
            continue
        basis_t = checked.types.get(checked.expr("rates", name, "basis"))
        form = comp.linear.get(name)
        if basis_t is not None and basis_t.kind == RATIO and (form is None or not form.unit):
            raise CompplanError([Problem.at(
                checked.source.key_pos(("rates", name, "units")),
                f"'units: whole' on '{name}' needs a basis that counts credits, "
                "count(S) or count(S) over a target",
                "write the basis as a count of a credit set divided by the target, e.g. "
                "count(qualified_meetings) / targets.meetings", code="rate-table",
                file=checked.source.name)])
