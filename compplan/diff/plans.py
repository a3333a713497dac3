"""Two plans compared by meaning: the checked models and expression ASTs, not the text.

A comp committee reviewing a change wants to read "ae_tiers tier 3 rate: 12% -> 14%",
not a text diff full of moved keys and rewrapped comments. So both files are checked,
and the diff walks the two plan models side by side: mapping keys are matched by name
(their order is no change), expressions are compared by their normal form
(normal.py), tiers by the bands they cover and lookup rows by key (tables.py), and
settings left out are read as their defaults (rounding to the currency's minor unit).

A definition that disappears under one name and appears under another with the same
meaning is a rename, found before anything else is compared; the rules that refer to it
are then compared with the new name written in, so they do not show as changed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from pydantic import BaseModel

from ..engine.money import minor_unit
from ..errors import Problem
from ..lang.check import Checked
from ..lang.model import Label, Limits, Payout
from .normal import normal
from .tables import point_changes, row_changes, text, tier_changes

# Sections whose entries are named definitions, in the order a plan reads.
NAMED = ("inputs", "params", "credits", "subtotals", "measures", "rates", "earnings",
         "clawbacks")
# Settings of the plan as a whole, in the order of the report.
SETTINGS = ("plan", "name", "version", "description", "effective", "period", "currency",
            "rounding")
AFTER = ("total", "payout", "fx")

# Fields that hold the name of another definition: (section, field...) -> a rename of
# the name named is no change.
_REFERS = {("credits", "from"), ("credits", "split", "from"), ("earnings", "each"),
           ("subtotals", "from"),
           ("clawbacks", "from"), ("fx", "from")}
# Differences that do not stop two definitions being one renamed definition.
_BESIDE_RENAME = {"description", "file"}


@dataclass(frozen=True)
class Change:
    """One difference: in `section`, entry `name` (its new name), at `field`."""

    section: str
    name: str
    field: str
    kind: str  # added | removed | changed | renamed
    old: str | None
    new: str | None

    @property
    def label(self) -> str:
        return " ".join(x for x in (self.name, self.field) if x)


@dataclass
class PlanDiff:
    old: str  # what the old plan was read from (path or REV:path)
    new: str
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors: no diff was made
    sources: dict[str, str] = field(default_factory=dict)  # file -> text, for carets

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def renames(self) -> dict[str, str]:
        return {c.old: c.new for c in self.changes if c.kind == "renamed"}

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "same": self.ok and not self.changes,
                "changes": [asdict(c) | {"label": c.label} for c in self.changes],
                "problems": [asdict(p) for p in self.problems]}


def diff_plans(a: Checked, b: Checked) -> PlanDiff:
    """The changes from plan `a` to plan `b`; with a plan that does not check, its errors
    (and no changes)."""
    out = PlanDiff(a.source.name, b.source.name,
                   sources={a.source.name: a.source.text, b.source.name: b.source.text})
    for c in (a, b):
        out.problems.extend(p for p in c.problems.sorted() if p.severity == "error")
    if out.problems or a.plan is None or b.plan is None:
        return out
    out.changes = _Differ(a, b).changes()
    return out


class _Differ:
    def __init__(self, a: Checked, b: Checked):
        self.a, self.b = a, b
        self.renames: dict[str, str] = {}

    # ------------------------------------------------------------ the whole plan

    def changes(self) -> list[Change]:
        self._find_renames()
        out: list[Change] = []
        pa, pb = self.a.plan, self.b.plan
        for key in SETTINGS:
            va, vb = self._setting(pa, key), self._setting(pb, key)
            for label, kind, old, new in self._fields((key,), va, (key,), vb, (key,)):
                out.append(Change("plan", "", label, kind, old, new))
        for section in NAMED:
            out.extend(self._section(section))
        for key in AFTER:
            va, vb = self._setting(pa, key), self._setting(pb, key)
            for label, kind, old, new in self._fields((key,), va, (key,), vb, (key,)):
                out.append(Change(key, "", label, kind, old, new))
        out.extend(self._scenarios())
        return out

    def _setting(self, plan, key: str):
        """A top-level setting, with what leaving it out means written in."""
        v = getattr(plan, key)
        if key == "rounding" and v.to is None:
            v = v.model_copy(update={"to": minor_unit(plan.currency)})
        elif key == "payout" and v is None:
            v = Payout()
        elif key == "total" and v is None:
            v = Limits()
        return v

    # ------------------------------------------------------------ named definitions

    def _entries(self, plan, section: str) -> dict:
        return getattr(plan, section)

    def _entry_fields(self, section: str, name_a: str, name_b: str) -> list[tuple]:
        va = self._effective(self.a, section, name_a)
        vb = self._effective(self.b, section, name_b)
        if section == "rates":
            return self._rate_fields(name_a, name_b, va, vb)
        return list(self._fields((section, name_a), va, (section, name_b), vb))

    def _effective(self, c: Checked, section: str, name: str):
        """An entry with what leaving a field out means written in."""
        v = self._entries(c.plan, section)[name]
        if section == "credits" and v.payee is None:
            src = c.plan.inputs.get(v.from_)
            if src is not None and src.payee:
                v = v.model_copy(update={"payee": src.payee})
        elif section == "inputs" and v.file is None:
            v = v.model_copy(update={"file": f"{name}.csv"})  # (or .xlsx, either side)
        return v

    def _find_renames(self) -> None:
        """Pair definitions that left under one name and came back under another with the
        same meaning; repeat, since one rename can reveal another (a measure renamed,
        then the rule that used it)."""
        found = True
        while found:
            found = False
            for section in NAMED:
                old = self._entries(self.a.plan, section)
                new = self._entries(self.b.plan, section)
                gone = [n for n in old if n not in new and n not in self.renames]
                taken = set(self.renames.values())
                came = [n for n in new if n not in old and n not in taken]
                for name_a in gone:
                    if section == "inputs" and name_a == "payees":
                        continue  # 'payees' is the payee table by its name
                    for name_b in came:
                        if section == "inputs" and name_b == "payees":
                            continue
                        diffs = self._entry_fields(section, name_a, name_b)
                        if all(d[0].split(" ")[0] in _BESIDE_RENAME for d in diffs):
                            self.renames[name_a] = name_b
                            came.remove(name_b)
                            found = True
                            break

    def _section(self, section: str) -> list[Change]:
        old = self._entries(self.a.plan, section)
        new = self._entries(self.b.plan, section)
        back = {v: k for k, v in self.renames.items()}
        out: list[Change] = []
        for name_b in new:
            name_a = name_b if name_b in old else back.get(name_b)
            if name_a is None or name_a not in old:
                out.append(Change(section, name_b, "", "added", None,
                                  self._show_entry(self.b, section, name_b)))
                continue
            if name_a != name_b:
                out.append(Change(section, name_b, "", "renamed", name_a, name_b))
            for label, kind, o, n in self._entry_fields(section, name_a, name_b):
                out.append(Change(section, name_b, label, kind, o, n))
        for name_a in old:
            if name_a not in new and name_a not in self.renames:
                out.append(Change(section, name_a, "", "removed",
                                  self._show_entry(self.a, section, name_a), None))
        return out

    def _show_entry(self, c: Checked, section: str, name: str) -> str:
        return show(self._entries(c.plan, section)[name])

    # ------------------------------------------------------------ fields

    def _is_expr(self, pa: tuple, pb: tuple) -> bool:
        return pa in self.a.exprs or pb in self.b.exprs

    def _same_expr(self, pa: tuple, pb: tuple) -> bool:
        na, nb = self.a.exprs.get(pa), self.b.exprs.get(pb)
        if na is None or nb is None:
            return na is nb
        return normal(na, self.a.resolved, self.renames) == normal(nb, self.b.resolved)

    def _fields(self, pa: tuple, va, pb: tuple, vb, label: tuple = ()):
        """(label, kind, old, new) for each difference between two values at a path."""
        if self._is_expr(pa, pb) and (va is None) == (vb is None):
            if va is not None and not self._same_expr(pa, pb):
                yield _label(label), "changed", text(va), text(vb)
            return
        if va is None or vb is None:
            if va is not vb:
                kind = "added" if va is None else "removed"
                yield _label(label), kind, _maybe(va), _maybe(vb)
            return
        if isinstance(va, BaseModel) and isinstance(vb, BaseModel) and type(va) is type(vb):
            for name, f in type(va).model_fields.items():
                key = f.alias or name
                yield from self._fields(pa + (key,), getattr(va, name), pb + (key,),
                                        getattr(vb, name), label + (key,))
            return
        if isinstance(va, dict) and isinstance(vb, dict):
            for k in va:
                sub = label + (k,)
                if k not in vb:
                    yield _label(sub), "removed", show(va[k]), None
                else:
                    yield from self._fields(pa + (k,), va[k], pb + (k,), vb[k], sub)
            for k in vb:
                if k not in va:
                    yield _label(label + (k,)), "added", None, show(vb[k])
            return
        if isinstance(va, Label) or isinstance(vb, Label):
            yield from _label_changes(va, vb, label)
            return
        if self._refers(pa):
            va = self.renames.get(va, va)
        if va != vb:
            yield _label(label), "changed", show(va), show(vb)

    def _refers(self, path: tuple) -> bool:
        names = tuple(p for p in path if isinstance(p, str))
        key = (names[0],) + names[2:] if names and names[0] in NAMED else names
        return key in _REFERS

    def _rate_fields(self, name_a: str, name_b: str, va, vb) -> list[tuple]:
        out = []
        for fname, f in type(va).model_fields.items():
            key = f.alias or fname
            xa, xb = getattr(va, fname), getattr(vb, fname)
            if key == "tiers" and xa is not None and xb is not None:
                out.extend(tier_changes(self.a, self.b, name_a, name_b, xa, xb, self.renames))
            elif key == "rows" and xa is not None and xb is not None:
                out.extend(row_changes(self.a, self.b, name_a, name_b, xa, xb, self.renames))
            elif key == "points" and xa is not None and xb is not None:
                out.extend(point_changes(self.a, self.b, name_a, name_b, xa, xb, self.renames))
            elif key in ("tiers", "rows", "points"):
                if (xa is None) != (xb is None):
                    out.append((key, "added" if xa is None else "removed",
                                _maybe(xa), _maybe(xb)))
            else:
                out.extend(self._fields(("rates", name_a, key), xa, ("rates", name_b, key),
                                        xb, (key,)))
        return out

    # ------------------------------------------------------------ scenarios

    def _scenarios(self) -> list[Change]:
        """Scenarios are the plan's tests: matched by name; what changed in each."""
        old = {s.name: s for s in self.a.plan.scenarios}
        new = {s.name: s for s in self.b.plan.scenarios}
        out: list[Change] = []
        for name, sb in new.items():
            sa = old.get(name)
            if sa is None:
                out.append(Change("scenarios", name, "", "added", None, _when(sb)))
                continue
            if _when(sa) != _when(sb):
                out.append(Change("scenarios", name, "period", "changed", _when(sa), _when(sb)))
            da = {self.renames.get(k, k): v for k, v in sa.data.items()}
            for table in sorted(set(da) | set(sb.data)):
                ra, rb = da.get(table), sb.data.get(table)
                if _figures(ra) != _figures(rb):
                    out.append(Change("scenarios", name, f"data {table}", "changed",
                                      _rows_text(ra), _rows_text(rb)))
            ea = {p: {self.renames.get(k, k): v for k, v in e.items()}
                  for p, e in sa.expect.items()}
            for payee in sorted(set(ea) | set(sb.expect)):
                xa, xb = ea.get(payee), sb.expect.get(payee)
                if _figures(xa) != _figures(xb):
                    out.append(Change("scenarios", name, f"expect {payee}", "changed",
                                      _maybe(xa), _maybe(xb)))
        for name in old:
            if name not in new:
                out.append(Change("scenarios", name, "", "removed", _when(old[name]), None))
        return out


def _figures(v):
    """Scenario values with figures read as numbers: 8400 and 8400.00 are one figure,
    50% and 0.5 another (scenario cells are kept as the text YAML held)."""
    if isinstance(v, dict):
        return {k: _figures(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_figures(x) for x in v]
    if isinstance(v, str):
        t = v.strip().replace("_", "")
        try:
            return Decimal(t[:-1]) / 100 if t.endswith("%") else Decimal(t)
        except ArithmeticError:
            return v
    return v


# ---------------------------------------------------------------- showing values

def _label(parts: tuple) -> str:
    words = []
    for i, p in enumerate(parts):
        prev = parts[i - 1] if i else None
        if prev == "columns":
            words[-1] = f"column {p}"
        elif prev == "weights":
            words[-1] = f"weight {p}"
        elif prev == "rename":
            words[-1] = f"rename {p}"
        else:
            words.append(str(p))
    return " ".join(words)


def _label_changes(va, vb, label: tuple):
    """A label's texts compared language by language (a Label equals another as its
    English text: a Vietnamese rep's words changing is a change too)."""
    ta = va.texts if isinstance(va, Label) else {"": str(va)}
    tb = vb.texts if isinstance(vb, Label) else {"": str(vb)}
    if ta == tb:
        return
    if "" in ta or "" in tb:  # one text for every language on one side
        yield _label(label), "changed", show(va), show(vb)
        return
    for code in dict.fromkeys(list(ta) + list(tb)):
        old, new = ta.get(code), tb.get(code)
        if old != new:
            kind = "added" if old is None else "removed" if new is None else "changed"
            yield _label(label + (code,)), kind, old, new


def _maybe(v) -> str | None:
    return None if v is None else show(v)


def _rows_text(rows) -> str:
    if rows is None:
        return "(none)"
    return f"{len(rows)} row{'s' if len(rows) != 1 else ''}: " + "; ".join(
        show(r) for r in rows)


def show(v) -> str:
    """A value as a plan writes it, on one line."""
    if v is None:
        return "(none)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return format(v.normalize(), "f") if v == v.to_integral_value() else format(v, "f")
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, BaseModel):
        parts = []
        for name, f in type(v).model_fields.items():
            if name in v.model_fields_set:
                parts.append(f"{f.alias or name}: {show(getattr(v, name))}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(show(x) for x in v) + "]"
    return text(v)


def _when(sc) -> str:
    """A scenario's period, or its periods in order (a scenario of several)."""
    if sc.periods is None:
        return str(sc.period)
    return ", ".join(str(p if isinstance(p, str) else p.period) for p in sc.periods)
