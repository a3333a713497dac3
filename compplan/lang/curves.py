"""Checks for the rate-table features of issue 20: curves through points
(`mode: interpolate`), per-unit tiers paid in whole units (`units: whole`), and
`at_boundary` on a tier.

A curve is a rate table that gives a value at a point: `rate(kpi_curve, coverage)`.
Its points are [x, y] pairs with x rising; between two points the value is on the
straight line through them; below the first point it is 0 (`below: zero`), the first
point's value (`clamp`) or the first line carried on (`extend`); above the last point,
the last value (`clamp`) or the last line carried on (`extend`).
"""
from __future__ import annotations

from . import ast
from .checked import Checked
from .types import article as _a
from .known import is_plain_number, is_zero, known
from .types import INTEGER, MONEY, RATIO, Type, UnitError, unify

_EXTRA_KEYS = ("tiers", "keys", "rows", "default", "at_boundary", "units")


def check_curve(c: Checked, name: str, rt) -> None:
    """A curve: mode interpolate, two or more [x, y] points with x rising, the ends
    said, x in one unit (the basis's, when it has one), y a percentage or an amount."""
    base = ("rates", name)
    pos = c.source.key_pos(base)
    if rt.mode != "interpolate":
        c.error(c.source.key_pos(base + ("points",)), f"rate table '{name}' has points "
                "but is not a curve", "add 'mode: interpolate' (straight lines between the "
                "points)", code="rate-table")
        return
    for key in _EXTRA_KEYS:
        if getattr(rt, key) is not None:
            c.error(c.source.key_pos(base + (key,)), f"'{key}' is not part of a curve: "
                    f"'{name}' is 'mode: interpolate'", "a curve has points, 'below' and "
                    "'above' (and may have a basis); remove it", code="rate-table")
    for key, words in (("below", "what the curve gives below its first point: "
                                 "'below: zero', 'below: clamp' (the first point's value) "
                                 "or 'below: extend' (the first line carried on)"),
                       ("above", "what the curve gives above its last point: "
                                 "'above: clamp' (the last point's value) or "
                                 "'above: extend' (the last line carried on)")):
        if getattr(rt, key) is None:
            c.error(pos, f"curve '{name}' must say {key}", f"add {words}",
                    code="missing-field")
    points = rt.points or []
    if len(points) < 2:
        c.error(c.source.key_pos(base + ("points",)) if rt.points is not None else pos,
                f"curve '{name}' needs at least two points", "write points as [x, y] "
                "pairs, e.g. [[80%, 50%], [100%, 100%], [120%, 150%]]", code="rate-table")
    x_t: Type | None = None
    prev = None
    for i, point in enumerate(points):
        if len(point) != 2:
            c.error(c.source.pos(base + ("points", i)), f"point {i + 1} of '{name}' has "
                    f"{len(point)} values; a point is [x, y]", code="rate-table")
            prev = None
            continue
        xnode = c.expr(*base, "points", i, 0)
        t = c.type_of(xnode)
        if t is not None and not is_zero(c, xnode):
            try:
                x_t = t if x_t is None else unify(x_t, t, "points")
            except UnitError:
                c.error(xnode.pos, f"point {i + 1} of '{name}' is at {_a(t)}, but the points "
                        f"before it are at {_a(x_t)}", "write every x in one unit "
                        "(percentages for attainment)", code="unit-mismatch")
        here = known(c, xnode)
        if here is not None and prev is not None and not here > prev:
            c.error(xnode.pos, f"points of '{name}' are not in order: point {i + 1} is at "
                    f"{here.text}, not above point {i}'s {prev.text}",
                    "list points from the lowest x to the highest, each x once",
                    code="tier-bounds")
        prev = here
        ynode = c.expr(*base, "points", i, 1)
        yt = c.type_of(ynode)
        if yt is not None and not is_zero(c, ynode) and yt.kind not in (RATIO, MONEY) \
                and not yt.const:
            c.error(ynode.pos, f"a curve's value must be a percentage or an amount, not "
                    f"{_a(yt)}", code="unit-mismatch")
    if len({k for k in _y_kinds(c, name)}) > 1:
        c.error(c.source.key_pos(base + ("points",)), f"the points of '{name}' mix "
                "percentages and amounts", "give every point's value in one unit",
                code="unit-mismatch")
    basis = c.expr(*base, "basis")
    basis_t = c.type_of(basis)
    if basis_t is not None and x_t is not None:
        try:
            unify(basis_t, x_t, "curve")
        except UnitError:
            c.error(basis.pos, f"the basis of '{name}' is {_a(basis_t)}, but its points are "
                    f"at {_a(x_t)}", "write the points' x in the basis's unit",
                    code="unit-mismatch")
    c.symbols.rates[name] = curve_value_type(c, name)


def _y_kinds(c: Checked, name: str) -> list[str]:
    out = []
    for i, point in enumerate(c.plan.rates[name].points or ()):
        if len(point) != 2:
            continue
        node = c.expr("rates", name, "points", i, 1)
        t = c.type_of(node)
        if t is None or is_zero(c, node):
            continue
        out.append(RATIO if t.kind == RATIO else MONEY)
    return out


def curve_x_type(c: Checked, name: str) -> Type | None:
    """The unit of a curve's x (quietly: check_curve reports what disagrees)."""
    x_t = None
    for i, point in enumerate(c.plan.rates[name].points or ()):
        node = c.expr("rates", name, "points", i, 0) if len(point) == 2 else None
        t = c.type_of(node)
        if t is None or is_zero(c, node):
            continue
        try:
            x_t = t if x_t is None else unify(x_t, t, "points")
        except UnitError:
            return None
    return x_t


def curve_value_type(c: Checked, name: str) -> Type | None:
    """What a curve gives: percentages (a share of target pay) or amounts."""
    kinds = set(_y_kinds(c, name))
    if len(kinds) > 1:
        return None
    return Type(kinds.pop()) if kinds else Type(RATIO)


def is_curve(rt) -> bool:
    return rt is not None and (rt.mode == "interpolate" or rt.points is not None)


def check_units(c: Checked, name: str, rt, basis_t: Type | None) -> None:
    """`units: whole` pays each unit of a count in one tier: only for amounts per unit,
    marginal, on a basis that counts (a meeting is 1) or a count over a target (bounds
    in percentages of each payee's target; the engine checks that it counts credits)."""
    if rt.units is None:
        return
    at = c.source.key_pos(("rates", name, "units"))
    if rt.mode == "whole":
        c.error(at, f"'units: whole' is for marginal tiers; '{name}' pays the whole basis "
                "at one rate already", "remove 'units', or use 'mode: marginal'",
                code="rate-table")
    elif basis_t is not None and basis_t.kind not in (INTEGER, RATIO):
        c.error(at, f"'units: whole' pays whole units of a count, but the basis of '{name}' "
                f"is {_a(basis_t)}", "use it on a count (e.g. basis: qualified, a "
                "count(...)) or a count over a target (qualified / targets.meetings), or "
                "remove it", code="unit-mismatch")
    elif c.symbols.rates.get(name) is not None and c.symbols.rates[name].kind != MONEY:
        c.error(at, f"'units: whole' pays an amount per unit, but the rates of '{name}' are "
                "percentages", "write the rates as amounts (50 per meeting), or remove "
                "'units'", code="unit-mismatch")


def check_tier_boundaries(c: Checked, name: str, rt) -> None:
    """`at_boundary` on a tier decides the bound where it starts; the first tier has no
    tier below it to give a value to."""
    if rt.tiers and rt.tiers[0].at_boundary is not None:
        c.error(c.source.key_pos(("rates", name, "tiers", 0, "at_boundary")),
                f"tier 1 of '{name}' has no tier below it: a tier's at_boundary says which "
                "tier a value exactly on its 'from' takes", "put it on the tier that starts "
                "at the bound (tier 2 or later), or on the table", code="rate-table")


def curve_arg_problem(c: Checked, name: str, x: ast.Node, x_given: Type | None) -> None:
    """rate(curve, x): x in the points' unit (a plain number against percentages is a
    mistyped percentage)."""
    x_t = curve_x_type(c, name)
    if x_given is None or x_t is None:
        return
    if x_t.kind == RATIO and x_given.const and x_given.kind != RATIO and \
            not is_zero(c, x) and is_plain_number(c, x):
        c.error(x.pos, f"the points of '{name}' are percentages; this is a plain number",
                "write it as a percentage: 100% is the whole (not 1 or 100)",
                code="unit-mismatch")
        return
    try:
        unify(x_t, x_given, "curve")
    except UnitError:
        c.error(x.pos, f"rate({name}, ...) is given {_a(x_given)}, but the points of "
                f"'{name}' are at {_a(x_t)}", "give a value in the points' unit",
                code="unit-mismatch")
