"""Rate tables built when a plan compiles: tier tables and curves, their bounds, rates
and points worked out from literals and params (issue 20: `to: tier_meetings`).

The checker checks the order of the bounds and points it can know (literals, params
that are literals); an expression of params is known only here, so its order is
checked here, with the place in the plan, before anything is paid.

A tier's bound or rate may also read the payee (issue 20: `to: targets.meetings`,
`rate: payee.meeting_rate`): such a table is built for each payee when the payee's
figures are worked out (payee_table), and its order checked then, naming the payee.
The compiled plan keeps its shape (bands without figures, TierTable.per_payee); what
reads bounds outside a run (curves, stakes, forecast) asks table_for() with the
payee's result, which keeps the table the payee was paid by.
"""
from __future__ import annotations

from decimal import Decimal

from ..errors import CompplanError, Problem
from ..lang import ast
from ..lang.types import MONEY, RATIO
from .formula import fmt_value
from .curves import Curve
from .tiers import Band, TierTable


def _not_rising(checked, path, text: str, who: str | None = None) -> CompplanError:
    if who is not None:
        text += f" for payee {who}"
    return CompplanError([Problem.at(checked.source.pos(path), text,
                                     "bounds and points must rise: look at the params "
                                     "they are worked out from", code="tier-bounds",
                                     file=checked.source.name)])


def _shown(checked, path, v) -> str:
    """A value as the plan's reader writes it (100%, 20, 5,000.00)."""
    return fmt_value(v, checked.types.get(checked.expr(*path)))


def _value(comp, checked, path, env, node=None):
    node = node if node is not None else checked.expr(*path)
    v = None if node is None else comp.fast_once(node)(env, None)
    # an integer column (targets.meetings) is read as an int: bounds are Decimals
    return Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v


def reads_payee(checked, name: str) -> bool:
    """Whether a tier table's bounds or rates read the payee (payee.<column>, a column
    of a one-row-per-payee input): then it is built per payee."""
    rt = checked.plan.rates[name]
    for i in range(len(rt.tiers or ())):
        for key in ("from", "to", "rate"):
            node = checked.expr("rates", name, "tiers", i, key)
            for n in ast.walk(node) if node is not None else ():
                res = checked.resolved.get(n) if isinstance(n, ast.Ref) else None
                if res is not None and res.kind in ("payee", "payee_table"):
                    return True
    return False


def missing_bound(checked, comp, name: str, env) -> tuple:
    """Where a payee's table cannot be built (no target row, an empty cell): the first
    bound or rate that is missing, and the words of the warning."""
    rt = checked.plan.rates[name]
    for i, tier in enumerate(rt.tiers or ()):
        for key in ("from", "to", "rate"):
            node = checked.expr("rates", name, "tiers", i, key)
            if node is not None and _value(comp, checked, None, env, node) is None:
                return node.pos, (f"tier {i + 1}'s {key} of '{name}' ({tier_text(rt, i, key)})"
                                  " is missing for this payee: the table pays nothing")
    return None, ""


def tier_text(rt, i: int, key: str) -> str:
    tier = rt.tiers[i]
    return str(getattr(tier, "from_" if key == "from" else key)).strip()


def build_tiers(checked, comp, name: str, env, who: str | None = None) -> TierTable | None:
    """The table with its bounds and rates worked out in `env` (the params', or one
    payee's); None when one of them is missing for the payee."""
    rt = checked.plan.rates[name]
    bands = []
    prev_hi = None
    for i, tier in enumerate(rt.tiers):
        base = ("rates", name, "tiers", i)
        lo = _value(comp, checked, base + ("from",), env)
        hi = _value(comp, checked, base + ("to",), env)
        rate = _value(comp, checked, base + ("rate",), env)
        if who is not None and (rate is None or
                                (hi is None and tier.to is not None) or
                                (lo is None and tier.from_ is not None)):
            return None
        low = lo if lo is not None else prev_hi
        if hi is not None and low is not None and hi <= low:
            raise _not_rising(checked, base + ("to",), f"tier {i + 1} of '{name}' ends at "
                              f"{_shown(checked, base + ('to',), hi)}, not above its start "
                              f"{_shown(checked, base + ('to',), low)}", who)
        if lo is not None and prev_hi is not None and lo != prev_hi:
            raise _not_rising(checked, base + ("from",), f"tier {i + 1} of '{name}' starts "
                              f"at {_shown(checked, base + ('from',), lo)}, not where the "
                              f"tier before it ends ({_shown(checked, base + ('from',), prev_hi)})",
                              who)
        upper = None if tier.at_boundary is None else tier.at_boundary == "upper"
        bands.append(Band(i + 1, low, hi, rate, upper))
        prev_hi = hi
    return TierTable(name, tuple(bands), rt.mode or "marginal", rt.at_boundary != "lower",
                     _per_unit(checked, name), rt.units == "whole")


def _per_unit(checked, name: str) -> bool:
    value_t = checked.symbols.rates.get(name)
    return value_t is not None and value_t.kind == MONEY


def shape_tiers(checked, name: str) -> TierTable:
    """A per-payee table's shape: its bands, at_boundary, mode and units, without
    bounds or rates (0), for what asks only how the table pays, not where."""
    rt = checked.plan.rates[name]
    bands = tuple(Band(i + 1, None, None, Decimal(0),
                       None if t.at_boundary is None else t.at_boundary == "upper")
                  for i, t in enumerate(rt.tiers))
    return TierTable(name, bands, rt.mode or "marginal", rt.at_boundary != "lower",
                     _per_unit(checked, name), rt.units == "whole", per_payee=True)


def payee_table(checked, comp, name: str, env) -> TierTable | None:
    """One payee's table of a per-payee tier table, built once per payee's run (kept
    in env.cache under ("tiers", name)); None, with a warning at the missing bound,
    when the payee has no figure for one."""
    key = ("tiers", name)
    if key in env.cache:
        return env.cache[key]
    table = build_tiers(checked, comp, name, env, who=str(env.payee_id))
    if table is None:
        pos, words = missing_bound(checked, comp, name, env)
        if pos is not None:
            env.warnings.append((pos, words))
    env.cache[key] = table
    return table


def tables_of(env) -> dict[str, TierTable]:
    """The per-payee tier tables a payee's run built (for its result)."""
    return {k[1]: t for k, t in env.cache.items()
            if isinstance(k, tuple) and len(k) == 2 and k[0] == "tiers" and t is not None}


def table_for(compiled, name: str, payee_result=None) -> TierTable | None:
    """The tier table `name` as it applies to a payee: the plan's, or for a table whose
    bounds read the payee, the one the payee's run built (None without the payee's
    result, or when the payee had no figures for it)."""
    table = compiled.tier_tables.get(name)
    if table is None or not table.per_payee:
        return table
    tables = getattr(payee_result, "tables", None) or {}
    return tables.get(name)


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


def require_counted_units(checked, tier_tables: dict, running: dict) -> None:
    """`units: whole` on a ratio basis (qualified / targets.meetings) counts whole units
    of the count above it: the basis must be a count of credits over values that do not
    depend on them, so the engine can follow the count (ir.RunningBasis)."""
    for name, table in tier_tables.items():
        if not table.whole_units:
            continue
        basis_t = checked.types.get(checked.expr("rates", name, "basis"))
        form = running.get(name)
        if basis_t is not None and basis_t.kind == RATIO and (form is None or not form.unit):
            raise CompplanError([Problem.at(
                checked.source.key_pos(("rates", name, "units")),
                f"'units: whole' on '{name}' needs a basis that counts credits, "
                "count(S) or count(S) over a target",
                "write the basis as a count of a credit set divided by the target, e.g. "
                "count(qualified_meetings) / targets.meetings", code="rate-table",
                file=checked.source.name)])
