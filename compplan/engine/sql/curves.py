"""Curves through points (`mode: interpolate`) on the SQL engine, as engine/curves.py
works them out: one CASE over the point's segments, each line by the arithmetic rule
(the difference and the product exact, one quotient to 16 places half up, the sum
exact), and the formula text of the reading as Curve.text writes it (the points'
values are known when the plan compiles, so only x is formatted in SQL)."""
from __future__ import annotations

from ...lang.types import Type
from ..formula import fmt_value
from ..curves import Curve
from . import decimals as dec
from . import show
from .decimals import Num
from .exprs import text_literal


def _branches(curve: Curve, x: Num) -> list[tuple[str, Num, str]]:
    """(condition, value, how) in the order the CASE tries them; how names the reading
    for the text: 'zero', 'clamp', 'point:i', 'line:i'."""
    pts = curve.points
    lit = dec.literal

    def line(i: int) -> Num:
        (x1, y1), (x2, y2) = pts[i], pts[i + 1]
        q = dec.div(dec.mul(dec.add(x, lit(x1), "-"), lit(y2 - y1)), lit(x2 - x1))
        return dec.add(lit(y1), q, "+")

    first, last = lit(pts[0][0]).sql, lit(pts[-1][0]).sql
    out: list[tuple[str, Num, str]] = []
    below = {"zero": (dec.zero(), "zero"), "clamp": (lit(pts[0][1]), "clamp"),
             "extend": (line(0), "line:0")}[curve.below]
    out.append((f"{x.sql} < {first}", *below))
    above = {"clamp": (lit(pts[-1][1]), "clamp"),
             "extend": (line(len(pts) - 2), f"line:{len(pts) - 2}")}[curve.above]
    out.append((f"{x.sql} > {last}", *above))
    for i, (px, py) in enumerate(pts):
        out.append((f"{x.sql} = {lit(px).sql}", lit(py), f"point:{i}"))
    for i in range(len(pts) - 1):
        out.append((f"{x.sql} < {lit(pts[i + 1][0]).sql}", line(i), f"line:{i}"))
    return out


def curve_value(curve: Curve, x: Num) -> Num:
    """The curve's value at x (NULL when x is missing)."""
    xv = Num(dec.let(x.sql), x.scale)
    branches = _branches(curve, xv)
    values = dec.align(*(v for _, v, _ in branches))
    whens = " ".join(f"WHEN {cond} THEN {v.sql}" for (cond, _, _), v in zip(branches, values))
    return Num(f"(CASE WHEN {xv.sql} IS NULL THEN NULL {whens} END)", values[0].scale)


def curve_text(curve: Curve, x: Num, v: Num, x_t: Type | None, y_t: Type | None) -> str:
    """'75% (kpi_curve at 90%: 50% + (90% - 80%) x (100% - 50%) / (100% - 80%))'."""
    xv = Num(dec.let(x.sql), x.scale)
    pts = curve.points

    def fx(a):
        return fmt_value(a, x_t)

    def fy(a):
        return fmt_value(a, y_t)

    shown_x = show.value(xv, x_t)
    texts = []
    for cond, _, how in _branches(curve, xv):
        if how == "zero":
            t = text_literal(f": below the first point {fx(pts[0][0])}, 0")
        elif how == "clamp":
            low = cond.startswith(f"{xv.sql} <")
            t = text_literal(f": below the first point {fx(pts[0][0])}, {fy(pts[0][1])}"
                             if low else
                             f": above the last point {fx(pts[-1][0])}, {fy(pts[-1][1])}")
        elif how.startswith("point:"):
            t = text_literal(f": point {fy(pts[int(how[6:])][1])}")
        else:
            i = int(how[5:])
            (x1, y1), (x2, y2) = pts[i], pts[i + 1]
            t = (f"{text_literal(f': {fy(y1)} + (')} || {shown_x} || "
                 f"{text_literal(f' - {fx(x1)}) x ({fy(y2)} - {fy(y1)}) / ({fx(x2)} - {fx(x1)})')}")
        texts.append(f"WHEN {cond} THEN {t}")
    reading = f"(CASE {' '.join(texts)} END)"
    return (f"(CASE WHEN {xv.sql} IS NULL THEN 'missing' ELSE {show.value(v, y_t)} || "
            f"{text_literal(' (' + curve.name + ' at ')} || {shown_x} || {reading} || ')' END)")
