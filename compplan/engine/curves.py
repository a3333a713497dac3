"""Curves through points (`mode: interpolate`, issue 20): a value at any x.

Between two points the value is on the straight line through them:

    y = y1 + (x - x1) x (y2 - y1) / (x2 - x1)

worked out by the arithmetic rule (docs/language.md, "Arithmetic and rounding"): the
difference and the product exact, then one quotient to 16 places rounded half up, then
the sum exact. On a point the value is the point's own y, exactly. Below the first point
a curve gives 0 (`below: zero`), the first y (`clamp`) or the first line carried on
(`extend`); above the last, the last y (`clamp`) or the last line carried on (`extend`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .money import scale


@dataclass(frozen=True)
class Curve:
    name: str
    points: tuple[tuple[Decimal, Decimal], ...]  # (x, y), x rising
    below: str  # zero | clamp | extend
    above: str  # clamp | extend

    def segment(self, x: Decimal) -> tuple[int, str]:
        """(i, how): the line from point i to point i + 1 that x is read on; how is
        'point' (x is point i), 'line', 'zero', 'clamp' or 'extend'."""
        pts = self.points
        if x < pts[0][0]:
            return 0, self.below
        if x > pts[-1][0]:
            return len(pts) - 2, self.above
        for i, (px, _) in enumerate(pts):
            if x == px:
                return i, "point"
        for i in range(len(pts) - 1):
            if pts[i][0] < x < pts[i + 1][0]:
                return i, "line"
        raise AssertionError("x is between the first and last point")  # pragma: no cover

    def at(self, x: Decimal) -> Decimal:
        i, how = self.segment(x)
        pts = self.points
        if how == "point":
            return pts[i][1]
        if how == "zero":
            return Decimal(0)
        if how == "clamp":
            return pts[0][1] if x < pts[0][0] else pts[-1][1]
        (x1, y1), (x2, y2) = pts[i], pts[i + 1]
        return y1 + scale(x - x1, y2 - y1, x2 - x1)

    def text(self, x: Decimal, fx, fy) -> str:
        """How the value at x was read, for formulas: 'kpi_curve at 90%: 50% + (90% -
        80%) x (100% - 50%) / (100% - 80%)'. fx and fy format an x and a y."""
        i, how = self.segment(x)
        pts = self.points
        head = f"{self.name} at {fx(x)}"
        if how == "point":
            return f"{head}: point {fy(pts[i][1])}"
        if how == "zero":
            return f"{head}: below the first point {fx(pts[0][0])}, 0"
        if how == "clamp":
            if x < pts[0][0]:
                return f"{head}: below the first point {fx(pts[0][0])}, {fy(pts[0][1])}"
            return f"{head}: above the last point {fx(pts[-1][0])}, {fy(pts[-1][1])}"
        (x1, y1), (x2, y2) = pts[i], pts[i + 1]
        return (f"{head}: {fy(y1)} + ({fx(x)} - {fx(x1)}) x ({fy(y2)} - {fy(y1)}) / "
                f"({fx(x2)} - {fx(x1)})")
