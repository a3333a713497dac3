"""What the checker passes share: the `Checked` context, scopes, and the language's
reserved words and functions."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Pos, Problems
from . import ast
from .model import Plan
from .source import SourceFile
from .symbols import Resolution, Symbols
from .types import (BOOLEAN, MISSING, RATIO,
                    Type)
from .types import article
from . import functions


KEYWORDS = {"if", "else", "and", "or", "not", "in", "between", "where", "true", "false",
            "missing", "payee", "period", "total"}


# the language's functions (functions.py): name: (fewest args, most args or None)
FUNCTIONS, AGGREGATES, DATE_PARTS = functions.FUNCTIONS, functions.AGGREGATES, \
    functions.DATE_PARTS

# prorate(x, days | months): how a payee's active part of the period is counted
PRORATE_BY = ("days", "months")


Path = tuple


@dataclass
class Scope:
    """Where an expression is evaluated, which decides what its names can mean.

    kind: const (literals only), param, tier (a curve's points: literals and params),
    bound (a tier's from, to and rate: params, payee.<column> and columns of a
    one-row-per-payee input such as targets.meetings, so a table may differ by payee), row (a row of an input: credit rules),
    payee (one payee: measures, bonuses), credit (one credit of a set: per-credit
    earnings; sees the payee's names too).
    """

    kind: str
    table: str | None = None
    owner: str = ""  # the definition this expression belongs to
    outer: "Scope | None" = None  # inside an aggregate's where: the enclosing scope

    def row_table(self) -> str | None:
        return self.table if self.kind in ("row", "credit") else None

    def sees_payee(self) -> bool:
        s: Scope | None = self
        while s is not None:
            if s.kind in ("payee", "credit"):
                return True
            s = s.outer
        return False


@dataclass
class Checked:
    """A checked plan: the context every pass reads and writes."""

    source: SourceFile
    plan: Plan | None = None
    problems: Problems = field(default_factory=Problems)
    symbols: Symbols = field(default_factory=Symbols)
    exprs: dict[Path, ast.Node] = field(default_factory=dict)
    scopes: dict[Path, Scope] = field(default_factory=dict)
    resolved: dict[ast.Ref, Resolution] = field(default_factory=dict)
    types: dict[ast.Node, Type] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    in_cycle: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems.errors

    def error(self, pos: Pos | None, message: str, hint: str | None = None,
              code: str = "error") -> None:
        self.problems.error(pos, message, hint, code)

    def expr(self, *path) -> ast.Node | None:
        return self.exprs.get(tuple(path))

    def type_of(self, node: ast.Node | None) -> Type | None:
        return None if node is None else self.types.get(node)


def _a(t: Type) -> str:
    return article(t)


def expect_boolean(c: Checked, node: ast.Node, t: Type | None, what: str) -> None:
    if t is not None and t.kind not in (BOOLEAN, MISSING):
        c.error(node.pos, f"{what} must be a condition (true or false), not {_a(t)}",
                "compare it, e.g. 'amount > 0'", code="unit-mismatch")


def expect_ratio(c: Checked, node: ast.Node, t: Type | None, what: str) -> None:
    if t is not None and t.kind not in (RATIO, MISSING) and not (t.const and t.numeric):
        c.error(node.pos, f"{what} must be a percentage, not {_a(t)}", "e.g. 30%",
                code="unit-mismatch")


def is_literal(node: ast.Node) -> bool:
    return isinstance(node, (ast.Number, ast.String, ast.Boolean, ast.DateLit, ast.Missing))


# What the engine and the store pay beside the plan's earnings, under these names.
CARRIED_COMPONENTS = ("held", "released", "adjustment", "clawback", "draw", "paid_earlier",
                      "total_cap", "total_floor")
