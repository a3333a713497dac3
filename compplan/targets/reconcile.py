"""Bottom-up against top-down, at every level of the hierarchy.

Managers and reps send their own numbers (bottom-up); the plan splits the company's
number down (top-down). The reconciliation puts the two side by side for every node of
the hierarchy (company, region, team, rep): a node's figure is its own where one was
given, else the sum of its children's, and the gap is bottom-up less top-down. A
negative gap is a shortfall the company must find elsewhere.

The hierarchy is a CSV of nodes: `id, parent, level` (and optionally `name`); the root
has an empty parent.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from ..engine.data import read_records
from ..errors import Problem
from .model import fmt


@dataclass
class Node:
    id: str
    parent: str
    level: str
    name: str = ""


@dataclass
class Gap:
    node: str
    level: str
    depth: int
    top_down: Decimal | None
    bottom_up: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        if self.top_down is None or self.bottom_up is None:
            return None
        return self.bottom_up - self.top_down

    @property
    def gap_share(self) -> Decimal | None:
        if self.gap is None or not self.top_down:
            return None
        return self.gap / self.top_down


def load_hierarchy(path: str | Path) -> tuple[dict[str, Node], list[Problem]]:
    path = Path(path)
    header, rows = read_records(path)
    problems: list[Problem] = []
    for col in ("id", "parent", "level"):
        if col not in header:
            problems.append(Problem(str(path), None, None, f"column '{col}' is missing",
                                    "the hierarchy needs id, parent and level",
                                    code="missing-column", row=1, column=col))
    if problems:
        return {}, problems
    nodes: dict[str, Node] = {}
    for rownum, cells in rows:
        rec = dict(zip(header, (c.strip() for c in cells)))
        nid = rec.get("id", "")
        if not nid:
            problems.append(Problem(str(path), None, None, "the id is empty", code="missing-value",
                                    row=rownum, column="id"))
            continue
        if nid in nodes:
            problems.append(Problem(str(path), None, None, f"'{nid}' is listed twice",
                                    code="duplicate-key", row=rownum, column="id"))
            continue
        nodes[nid] = Node(nid, rec.get("parent", ""), rec.get("level", ""), rec.get("name", ""))
    for n in nodes.values():
        if n.parent and n.parent not in nodes:
            problems.append(Problem(str(path), None, None,
                                    f"the parent '{n.parent}' of '{n.id}' is not in the file",
                                    code="unknown-node", column="parent"))
    return nodes, problems


def reconcile(nodes: Mapping[str, Node], top_down: Mapping[str, Decimal],
              bottom_up: Mapping[str, Decimal]) -> list[Gap]:
    """One row per node, depth first from each root (children in id order)."""
    children: dict[str, list[str]] = {}
    for n in nodes.values():
        children.setdefault(n.parent, []).append(n.id)

    def figure(nid: str, given: Mapping[str, Decimal]) -> Decimal | None:
        if nid in given:
            return Decimal(given[nid])
        vals = [figure(c, given) for c in sorted(children.get(nid, ()))]
        vals = [v for v in vals if v is not None]
        return sum(vals, Decimal(0)) if vals else None

    out: list[Gap] = []

    def walk(nid: str, depth: int):
        out.append(Gap(nid, nodes[nid].level, depth, figure(nid, top_down),
                       figure(nid, bottom_up)))
        for c in sorted(children.get(nid, ())):
            walk(c, depth + 1)
    for root in sorted(children.get("", ())):
        walk(root, 0)
    return out


def report(gaps: list[Gap], unit: str = "money") -> str:
    """The reconciliation as a table, indented by level."""
    lines = [f"{'node':<24} {'level':<10} {'top-down':>14} {'bottom-up':>14} {'gap':>14} "
             f"{'gap %':>8}"]
    for g in gaps:
        share = fmt(g.gap_share, "ratio") if g.gap_share is not None else ""
        lines.append(f"{'  ' * g.depth + g.node:<24} {g.level:<10} "
                     f"{fmt(g.top_down, unit):>14} {fmt(g.bottom_up, unit):>14} "
                     f"{fmt(g.gap, unit) if g.gap is not None else '':>14} {share:>8}")
    return "\n".join(lines) + "\n"
