"""The expression AST: plain typed dataclasses, each node with its source position.

The parser builds these from Lark's parse tree; the checker annotates types in a side
table; the compiler turns them into Python closures. Nothing downstream ever sees a
Lark tree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator

from ..errors import Pos


@dataclass(eq=False)
class Node:
    pos: Pos = field(repr=False, compare=False)

    def children(self) -> Iterator["Node"]:
        return iter(())


@dataclass(eq=False)
class Number(Node):
    """A decimal literal; `percent` when written as `8%` (value is then 0.08)."""

    value: Decimal
    percent: bool = False
    text: str = ""


@dataclass(eq=False)
class String(Node):
    value: str


@dataclass(eq=False)
class Boolean(Node):
    value: bool


@dataclass(eq=False)
class DateLit(Node):
    value: dt.date


@dataclass(eq=False)
class Duration(Node):
    """A length of time, `12 months` (a number and a unit as written): only the length of
    a trailing() window (compplan/lang/windows.py checks where it stands)."""

    count: Decimal
    unit: str
    unit_pos: Pos | None = field(default=None, repr=False, compare=False)


@dataclass(eq=False)
class Missing(Node):
    """The explicit missing value (`missing`): a KPI not reported, a quota not set."""


@dataclass(eq=False)
class Ref(Node):
    """A name, plain (`amount`) or qualified (`payee.region`, `quotas.amount`)."""

    parts: tuple[str, ...]
    part_pos: tuple[Pos, ...] = field(default=(), repr=False, compare=False)  # of each part

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(eq=False)
class Negate(Node):
    operand: Node

    def children(self):
        yield self.operand


@dataclass(eq=False)
class Binary(Node):
    """Arithmetic: + - * /."""

    op: str
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Between(Node):
    """`x between lo and hi`: inclusive at both ends, as plan documents mean it."""

    value: Node
    low: Node
    high: Node

    def children(self):
        yield self.value
        yield self.low
        yield self.high


@dataclass(eq=False)
class InList(Node):
    value: Node
    items: list[Node]
    negated: bool = False

    def children(self):
        yield self.value
        yield from self.items


@dataclass(eq=False)
class Logic(Node):
    op: str  # and | or
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Not(Node):
    operand: Node

    def children(self):
        yield self.operand


@dataclass(eq=False)
class Conditional(Node):
    """`then if cond else otherwise`."""

    then: Node
    cond: Node
    otherwise: Node

    def children(self):
        yield self.cond
        yield self.then
        yield self.otherwise


@dataclass(eq=False)
class Call(Node):
    """A function or aggregate call; `where` filters the rows of an aggregate."""

    name: str
    args: list[Node]
    where: Node | None = None

    def children(self):
        yield from self.args
        if self.where is not None:
            yield self.where


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node`, parents first (iterative: no recursion limit)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(n.children())))


def refs(node: Node) -> Iterator[Ref]:
    for n in walk(node):
        if isinstance(n, Ref):
            yield n
