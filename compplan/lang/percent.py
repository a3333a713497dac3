"""A number written without `%` where a percentage is meant (issue 16 item 2).

`renewal_credit: 50` instead of `50%` types clean (an untyped constant adopts the
ratio it meets), and pays 50 times the amount instead of half of it; `attainment >= 100`
compares a ratio with 10,000%. So the checker looks at every untyped number that meets
a ratio, and at every one that multiplies an amount in a credit or an earning:

- above 1 (100%), it is a warning at the number, with the `%` form as the hint: 1.5 or
  2 may be meant (150%, double credit), and writing 150% or 200% says so;
- compared with a ratio and 10 or more, it is an error: a ratio of 1,000% or more is
  never a threshold a plan means (`attainment >= 100` is `attainment >= 100%` mistyped).

Numbers from 0 to 1 (and their negatives) are left alone: 0.5 is 50% either way.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from . import ast
from .checked import Checked
from .functions import PICKS  # the functions whose value is one of their arguments'
from .types import MONEY, RATIO, Type

# in a comparison with a ratio, a plain number this large cannot be meant
NEVER_A_RATIO = Decimal(10)


class BareNumbers:
    """Finds the untyped numbers of an expression and reports the ones above 100%."""

    def __init__(self, c: Checked):
        self.c = c
        self.reported: set[ast.Node] = set()

    # ------------------------------------------------------------ what a node gives
    def value(self, node: ast.Node, depth: int = 0) -> tuple[Decimal, str] | None:
        """(value, text as written) of a number written without '%': a literal, a
        negated one, or a param that is one."""
        if isinstance(node, ast.Number):
            return None if node.percent else (node.value, node.text)
        if isinstance(node, ast.Negate):
            inner = self.value(node.operand, depth)
            return None if inner is None else (-inner[0], "-" + inner[1])
        if isinstance(node, ast.Ref) and depth < 20:
            res = self.c.resolved.get(node)
            if res is not None and res.kind == "param":
                param = self.c.expr("params", res.name)
                return None if param is None else self.value(param, depth + 1)
        return None

    def parts(self, node: ast.Node) -> Iterator[tuple[ast.Node, Decimal, str]]:
        """The plain numbers an expression may give: itself, either branch of an
        'if ... else', the values of min/max/clamp/coalesce."""
        if isinstance(node, ast.Conditional):
            yield from self.parts(node.then)
            yield from self.parts(node.otherwise)
            return
        if isinstance(node, ast.Call) and node.name in PICKS and not node.where:
            for arg in node.args:
                yield from self.parts(arg)
            return
        found = self.value(node) or self._lookup_value(node)
        if found is not None:
            yield node, found[0], found[1]

    def _lookup_value(self, node: ast.Node) -> tuple[Decimal, str] | None:
        """The largest value of a lookup table whose values are all numbers written
        without '%' (`[hw, 10]`), for lookup() of it."""
        if not (isinstance(node, ast.Call) and node.name == "lookup" and node.args):
            return None
        res = self.c.resolved.get(node.args[0])
        rt = self.c.plan.rates.get(res.name) if res is not None and res.kind == "rate" \
            else None
        if rt is None or rt.keys is None:
            return None
        cells = [self.c.expr("rates", res.name, "rows", i, len(row) - 1)
                 for i, row in enumerate(rt.rows or ())]
        cells.append(self.c.expr("rates", res.name, "default"))
        found = [self.value(cell) for cell in cells if cell is not None]
        if not found or any(f is None for f in found):
            return None
        return max(found, key=lambda f: abs(f[0]))

    # ------------------------------------------------------------ reports
    def meets_ratio(self, node: ast.Node, other: Type | None, comparison: bool = False) -> None:
        """`node` is combined with a value of type `other`: if that is a ratio, a plain
        number above 1 in `node` is read as a ratio (50 as 5,000%)."""
        if other is None or other.kind != RATIO or other.const:
            return
        for part, value, text in self.parts(node):
            if abs(value) <= 1 or part in self.reported:
                continue
            self.reported.add(part)
            shown = _percent(value)
            if comparison and abs(value) >= NEVER_A_RATIO:
                self.c.error(part.pos, f"{self._what(part, text)} is compared with a ratio, so "
                             f"it means {shown} (a ratio's 100% is 1)",
                             f"write {self._form(part, text + '%')}: a percentage is "
                             "written with %", code="bare-number")
            else:
                self.c.problems.warning(
                    part.pos, f"{self._what(part, text)} is used as a ratio here, so it "
                    f"means {shown} (a ratio's 100% is 1)",
                    f"if {text}% is meant, write {self._form(part, text + '%')}; if {shown} "
                    f"is meant, write {self._form(part, _written(value))}",
                    code="bare-number")

    def scales_amount(self, node: ast.Node, other: Type | None) -> None:
        """`node` multiplies an amount (in a credit's or an earning's value): a plain
        number above 1 makes the amount that many times larger."""
        if other is None or other.kind != MONEY:
            return
        for part, value, text in self.parts(node):
            if abs(value) <= 1 or part in self.reported:
                continue
            self.reported.add(part)
            self.c.problems.warning(
                part.pos, f"{self._what(part, text)} multiplies an amount by {text} "
                f"({_percent(value)})",
                f"if {text}% is meant, write {self._form(part, text + '%')}; if {text} times "
                f"the amount is meant, write {self._form(part, _written(value))}",
                code="bare-number")

    def _what(self, node: ast.Node, text: str) -> str:
        if isinstance(node, ast.Call):
            return f"'{node.args[0].parts[0]}' gives numbers without % (up to {text}): it"
        if isinstance(node, ast.Ref):
            return f"'{'.'.join(node.parts)}' is {text}, a number without %: it"
        return f"{text} is a number without %: it"

    def _form(self, node: ast.Node, written: str) -> str:
        """What to write: the number itself, or the param's definition."""
        if isinstance(node, ast.Call):
            return f"{written} (and so on) in the rows of '{node.args[0].parts[0]}'"
        if isinstance(node, ast.Ref):
            name = node.parts[0]
            pos = self.c.symbols.positions.get(name)
            return f"'{name}: {written}'" + (f" (line {pos.line})" if pos is not None else "")
        return written


def _percent(value: Decimal) -> str:
    """50 -> '5,000%', 1.5 -> '150%', as a message shows it."""
    return format((value * 100).normalize(), ",f") + "%"


def _written(value: Decimal) -> str:
    """50 -> '5000%', as a plan writes it."""
    return format((value * 100).normalize(), "f") + "%"
