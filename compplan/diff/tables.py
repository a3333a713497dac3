"""Rate tables compared by meaning: tiers by the band they cover, lookup rows by key,
a curve's points by their x.

A tier is known by its band, not its place in the list: inserting a tier above 150%
makes the old last tier the fifth, but it is the same band (now starting higher), not
a changed fourth tier. Bands are worked out as the engine sees them (a tier without
`from` starts where the one before ends), so writing a bound out or leaving it implied
is no change. The two lists of bands are aligned as sequences (difflib); bands that
changed in place are paired by what they still share (a bound, the rate).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from .normal import normal

Raw = tuple  # (field label, kind, old text, new text)


@dataclass
class Band:
    index: int
    lo: object  # normal form of the lower bound, None: open
    hi: object
    lo_text: str | None
    hi_text: str | None
    rate: object
    rate_text: str
    boundary: str | None = None  # the tier's own at_boundary, if it says one

    @property
    def key(self):
        return (self.lo, self.hi)

    def where(self) -> str:
        if self.lo_text is None and self.hi_text is None:
            return "every value"
        if self.lo_text is None:
            return f"up to {self.hi_text}"
        if self.hi_text is None:
            return f"from {self.lo_text}"
        return f"{self.lo_text} to {self.hi_text}"

    def show(self) -> str:
        return f"{self.where()} at {self.rate_text}"


def text(v) -> str:
    """An expression as written, on one line."""
    return " ".join(str(v).split())


def bands(checked, name: str, tiers, renames=None) -> list[Band]:
    """Each tier's band as the engine reads it."""
    base = ("rates", name, "tiers")

    def form(i, key):
        node = checked.exprs.get(base + (i, key))
        return None if node is None else normal(node, checked.resolved, renames)

    out = []
    for i, t in enumerate(tiers):
        out.append(Band(i, form(i, "from"), form(i, "to"),
                        None if t.from_ is None else text(t.from_),
                        None if t.to is None else text(t.to), form(i, "rate"), text(t.rate),
                        t.at_boundary))
    for i, b in enumerate(out):
        if b.lo is None and i > 0:
            b.lo, b.lo_text = out[i - 1].hi, out[i - 1].hi_text
        if b.hi is None and i + 1 < len(out) and out[i + 1].lo is not None:
            b.hi, b.hi_text = out[i + 1].lo, out[i + 1].lo_text
    return out


def _score(a: Band, b: Band) -> int:
    return (a.lo == b.lo) + (a.hi == b.hi) + (a.rate == b.rate)


def _pair_block(old: list[Band], new: list[Band]) -> list[tuple[Band | None, Band | None]]:
    """Pair the bands of a replaced block, in order, so that together the pairs share as
    much as they can (bounds, rates); bands left over were added or removed. A few
    bands at most: a small dynamic programme is plenty."""
    n, m = len(old), len(new)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            s = _score(old[i], new[j])
            best[i][j] = max(best[i + 1][j], best[i][j + 1],
                             s + best[i + 1][j + 1] if s else 0)
    pairs: list[tuple[Band | None, Band | None]] = []
    i = j = 0
    while i < n and j < m:
        s = _score(old[i], new[j])
        if s and best[i][j] == s + best[i + 1][j + 1]:
            pairs.append((old[i], new[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            pairs.append((old[i], None))
            i += 1
        else:
            pairs.append((None, new[j]))
            j += 1
    pairs.extend((a, None) for a in old[i:])
    pairs.extend((None, b) for b in new[j:])
    return pairs


def align(old: list[Band], new: list[Band]) -> list[tuple[Band | None, Band | None]]:
    sm = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new],
                                 autojunk=False)
    pairs: list[tuple[Band | None, Band | None]] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            pairs.extend(zip(old[i1:i2], new[j1:j2]))
        elif op == "delete":
            pairs.extend((a, None) for a in old[i1:i2])
        elif op == "insert":
            pairs.extend((None, b) for b in new[j1:j2])
        else:
            pairs.extend(_pair_block(old[i1:i2], new[j1:j2]))
    return pairs


def tier_changes(a, b, name_a: str, name_b: str, tiers_a, tiers_b, renames) -> list[Raw]:
    """(label, kind, old, new) for every tier added, removed or changed."""
    out: list[Raw] = []
    for x, y in align(bands(a, name_a, tiers_a, renames), bands(b, name_b, tiers_b)):
        if y is None:
            out.append((f"tier {x.index + 1}", "removed", x.show(), None))
            continue
        if x is None:
            out.append((f"tier {y.index + 1}", "added", None, y.show()))
            continue
        label = f"tier {y.index + 1}" + (f" (was tier {x.index + 1})"
                                         if x.index != y.index else "")
        if x.lo != y.lo:
            out.append((f"{label} from", "changed", x.lo_text or "(open)",
                        y.lo_text or "(open)"))
        if x.hi != y.hi:
            out.append((f"{label} to", "changed", x.hi_text or "(open)",
                        y.hi_text or "(open)"))
        if x.rate != y.rate:
            out.append((f"{label} rate", "changed", x.rate_text, y.rate_text))
        if x.boundary != y.boundary:
            out.append((f"{label} at_boundary", "changed", x.boundary or "(the table's)",
                        y.boundary or "(the table's)"))
    return out


def _rows(checked, name: str, rows, renames=None) -> dict:
    """key (normal forms of the key cells) -> (key text, value form, value text)."""
    out = {}
    for i, row in enumerate(rows):
        forms = []
        for j in range(len(row)):
            node = checked.exprs.get(("rates", name, "rows", i, j))
            forms.append(None if node is None else normal(node, checked.resolved, renames))
        key = tuple(forms[:-1])
        out[key] = ("[" + ", ".join(text(c) for c in row[:-1]) + "]", forms[-1],
                    text(row[-1]))
    return out


def row_changes(a, b, name_a: str, name_b: str, rows_a, rows_b, renames) -> list[Raw]:
    """Lookup rows matched by their keys (row order does not matter to a lookup)."""
    old, new = _rows(a, name_a, rows_a, renames), _rows(b, name_b, rows_b)
    out: list[Raw] = []
    for key, (shown, value, value_text) in old.items():
        if key not in new:
            out.append((f"row {shown}", "removed", value_text, None))
        elif new[key][1] != value:
            out.append((f"row {shown}", "changed", value_text, new[key][2]))
    for key, (shown, _value, value_text) in new.items():
        if key not in old:
            out.append((f"row {shown}", "added", None, value_text))
    return out


def _points(checked, name: str, points, renames=None) -> dict:
    """x (normal form) -> (x text, y form, y text), for a curve's points."""
    out = {}
    for i, point in enumerate(points):
        if len(point) != 2:
            continue
        x, y = (checked.exprs.get(("rates", name, "points", i, j)) for j in (0, 1))
        key = None if x is None else normal(x, checked.resolved, renames)
        out[key] = (text(point[0]), None if y is None else normal(y, checked.resolved, renames),
                    text(point[1]))
    return out


def point_changes(a, b, name_a: str, name_b: str, points_a, points_b, renames) -> list[Raw]:
    """A curve's points matched by their x: 'point at 120%: 150% -> 140%'."""
    old, new = _points(a, name_a, points_a, renames), _points(b, name_b, points_b)
    out: list[Raw] = []
    for key, (shown, value, value_text) in old.items():
        if key not in new:
            out.append((f"point at {shown}", "removed", value_text, None))
        elif new[key][1] != value:
            out.append((f"point at {shown}", "changed", value_text, new[key][2]))
    for key, (shown, _value, value_text) in new.items():
        if key not in old:
            out.append((f"point at {shown}", "added", None, value_text))
    return out
