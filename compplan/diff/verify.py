"""`compplan verify RUN`: can this stored run be reproduced, line for line?

An auditor's question. The run is worked out again from its stored plan text and data
files (stored.recompute) and every line the engine makes is compared field by field
with the stored line for the same thing (matched by LineItem.key: component, kind and
source rows). Lines `carry` added at save time (adjustments, clawbacks, releases,
disputes, draws, recoveries, true-ups) depend on the history of earlier runs as it was
then, so they cannot be recomputed from this run alone: they are taken as stored, and
checked against what can be checked without re-deriving history: the run's Adjustment
records (adjustment, clawback, release and dispute lines each have one) and the results
fingerprint recorded when the run was saved. Payee totals, components and the run's
total must then equal the recomputed lines plus the carried ones.

A run is recomputed by the engine that made it (runs.engine, issue 12). A run of another
engine than the reference (duckdb) is also recomputed by the Python engine, which must
make the same lines: every amount, total and component, each line's rule, date, note
and formula text, its exact value, tier parts and running basis (both engines follow
one arithmetic rule, docs/language.md), and its inputs, each value as a number where it
is one (an engine writes 4000.00 where the other writes 4000: the same value). The
rounding text is not compared across engines: it shows the exact value in each
engine's digits.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from .. import __version__
from ..engine.results import Line, PayeeResult, RunResult
from ..errors import CompplanError, Problem
from ..store import audit
from ..store.lifecycle import fingerprint_result
from .stored import ENGINE_KINDS, StoredLine, StoredRun, by_key, load_run, recompute

ZERO = Decimal(0)
# Carried line kind -> the Adjustment kind recorded beside it.
ADJUSTMENT_KINDS = {"adjustment": "prior-period", "clawback": "clawback", "release": "release",
                    "dispute": "dispute"}
# Fields compared on each engine line (`key` covers component, kind and sources).
FIELDS = ("number", "amount", "exact", "formula", "rule", "inputs", "tiers", "basis_before",
          "basis_after", "rounding", "date", "note")
# Across engines (see above): exactly, inputs as numbers where they are numbers.
CROSS_FIELDS = ("number", "amount", "rule", "date", "note", "tiers", "formula", "inputs",
                "exact", "basis_before", "basis_after")
NEAR_FIELDS: tuple[str, ...] = ()  # (to 1e-12 of the value: none since the one rule)
NEAR = Decimal("1e-12")


@dataclass(frozen=True)
class Difference:
    """One thing that is not as recomputed: `what` (a line, a total), which `field`."""

    payee: str
    what: str
    field: str
    stored: str | None
    recomputed: str | None


@dataclass
class Verification:
    run_id: int
    label: str
    engine_version: str  # compplan that stored the run
    lines: int = 0  # engine lines compared
    carried: Counter = field(default_factory=Counter)  # carried kind -> lines
    adjustments_checked: int = 0
    fingerprint_ok: bool | None = None
    differences: list[Difference] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # could not recompute
    engine: str = "python"  # the engine that made the run and recomputed it here
    # another engine's run recomputed by the Python engine, the reference
    cross: "Verification | None" = None

    @property
    def identical(self) -> bool:
        return not self.problems and not self.differences and \
            (self.cross is None or self.cross.identical)

    def to_dict(self) -> dict:
        return {"run": self.run_id, "label": self.label, "identical": self.identical,
                "engine": self.engine,
                "cross_check": None if self.cross is None else self.cross.to_dict(),
                "engine_version": self.engine_version, "recomputed_with": __version__,
                "engine_lines": self.lines, "carried": dict(self.carried),
                "adjustments_checked": self.adjustments_checked,
                "fingerprint_ok": self.fingerprint_ok,
                "differences": [asdict(d) for d in self.differences],
                "problems": [asdict(p) for p in self.problems]}


def verify(session: Session, run_id: int, dsn: str | None = None,
           master: str | None = None) -> Verification:
    """Recompute a stored run and compare; LookupError if there is no such run. `dsn` and
    `master`: where a postgres or spark run is made again (stored.recompute)."""
    stored = load_run(session, run_id)
    run = stored.run
    out = Verification(run.id, stored.label, run.engine_version, engine=run.engine)
    # its status and payments as the audit chain records them (a paid run set back to
    # draft in SQL, payments edited): the recomputation cannot see those
    for b in audit.run_problems(session, [run.id]):
        out.problems.append(Problem(f"run {run.id}", None, None, b.reason,
                                    hint="compplan audit verify lists every change made "
                                         "outside compplan", code="tampered"))
    engine = _engine_recorded(session, run.id, run.engine)
    if engine != run.engine:
        out.problems.append(Problem(f"run {run.id}", None, None,
                                    f"the store says the {run.engine} engine made this run, "
                                    f"but the audit log says the {engine} engine did",
                                    hint="compplan audit verify lists every change made "
                                         "outside compplan", code="tampered"))
        out.engine = engine
    if run.status == "replaced":
        out.problems.append(Problem(f"run {run.id}", None, None, "this draft was replaced "
                                    "by a later run and its lines were removed; there is "
                                    "nothing stored to compare", code="replaced"))
        return out
    try:
        result = recompute(session, run, engine=engine, dsn=dsn, master=master)
    except CompplanError as e:
        out.problems.extend(e.problems)
        return out
    compare(stored, result, out)
    if engine != "python":
        out.cross = cross = Verification(run.id, stored.label, run.engine_version)
        try:
            reference = recompute(session, run)
        except CompplanError as e:
            cross.problems.extend(e.problems)
        else:
            compare(stored, reference, cross, CROSS_FIELDS, NEAR_FIELDS, across=True)
    return out


def _engine_recorded(session: Session, run_id: int, default: str) -> str:
    """The engine the run's run.created entry names (runs saved before the engine was
    recorded: python, as the migration sets them)."""
    from sqlalchemy import select
    from ..store.models import AuditEntry
    entry = session.execute(select(AuditEntry).where(
        AuditEntry.event == "run.created", AuditEntry.subject == f"run {run_id}")
        .order_by(AuditEntry.seq)).scalars().first()
    if entry is None:
        return default  # no entry: audit.run_problems says so
    return json.loads(entry.payload or "{}").get("engine", "python")


def _plain(v) -> str | None:
    return None if v is None else str(v)


def _line_values(ln) -> dict:
    """A line's compared fields in the form the store keeps them (texts for JSON)."""
    if isinstance(ln, StoredLine):
        return {"number": ln.number, "amount": ln.amount, "exact": ln.exact,
                "formula": ln.formula, "rule": ln.rule, "inputs": ln.inputs,
                "tiers": _tiers(ln.tiers), "basis_before": ln.basis_before,
                "basis_after": ln.basis_after, "rounding": ln.rounding, "date": ln.date,
                "note": ln.note}
    return {"number": ln.number, "amount": ln.amount, "exact": ln.exact,
            "formula": ln.formula, "rule": ln.rule,
            "inputs": {k: _plain(v) for k, v in ln.inputs.items()},
            "tiers": _tiers([{"tier": t.tier, "amount": t.amount, "rate": t.rate,
                              "pays": t.pays} for t in ln.tiers]),
            "basis_before": ln.basis_before, "basis_after": ln.basis_after,
            "rounding": ln.rounding or "", "date": _date(ln.date), "note": ln.note or ""}


def _tiers(parts: list[dict]) -> list[tuple]:
    """A tier split as numbers: (tier, amount, rate, pays); 40000 and 40000.0 are one
    amount, whichever engine wrote it."""
    return [(t["tier"], Decimal(str(t["amount"])), Decimal(str(t["rate"])),
             Decimal(str(t["pays"]))) for t in parts]


def _near(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= NEAR * max(Decimal(1), abs(a))


def _same_inputs(a: dict, b: dict) -> bool:
    """The same names in the same order, each value the same text or the same number."""
    if list(a) != list(b):
        return False
    for k, x in a.items():
        y = b[k]
        if x == y:
            continue
        try:
            if Decimal(str(x)) != Decimal(str(y)):
                return False
        except (ArithmeticError, ValueError):
            return False
    return True


def _same(f: str, a, b, near: tuple[str, ...], across: bool = False) -> bool:
    if f == "inputs" and across:
        return _same_inputs(a or {}, b or {})
    if f in near:
        return _near(a, b)
    if f == "tiers" and near:  # across engines: tier and rate exactly, the rest near
        return len(a) == len(b) and all(
            x[0] == y[0] and x[2] == y[2] and _near(x[1], y[1]) and _near(x[3], y[3])
            for x, y in zip(a, b))
    return a == b


def _date(v) -> dt.date | None:
    """A line's date as the store keeps it (a Date column; anything else is not kept)."""
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else None


def compare(stored: StoredRun, result: RunResult, out: Verification,
            fields: tuple[str, ...] = FIELDS, near: tuple[str, ...] = (),
            across: bool = False) -> None:
    """Every engine line by `fields` (and `near` to 1e-12), the totals, and, in the
    same engine's check (not `across` engines), adjustment records and the fingerprint."""
    engine = [ln for ln in stored.lines if ln.kind in ENGINE_KINDS]
    carried = [ln for ln in stored.lines if ln.kind not in ENGINE_KINDS]
    fresh = [ln for p in result.payees for ln in p.lines]
    out.lines = len(fresh)
    out.carried = Counter(ln.kind for ln in carried)
    old, new = by_key(engine), by_key(fresh)
    for k in sorted(set(old) | set(new)):
        xs, ys = old.get(k, []), new.get(k, [])
        for i in range(max(len(xs), len(ys))):
            x = xs[i] if i < len(xs) else None
            y = ys[i] if i < len(ys) else None
            what = f"line {(x or y).number} ({k[1]})"
            if y is None:
                out.differences.append(Difference(k[0], what, "line", _plain(x.amount), None))
            elif x is None:
                out.differences.append(Difference(k[0], what, "line", None, _plain(y.amount)))
            else:
                vx, vy = _line_values(x), _line_values(y)
                for f in fields + near:
                    if not _same(f, vx[f], vy[f], near, across):
                        out.differences.append(Difference(k[0], what, f, _plain(vx[f]),
                                                          _plain(vy[f])))
    _totals(stored, result, carried, out)
    if near or across:
        return
    _adjustments(stored, carried, out)
    now = fingerprint_result(_as_result(stored))
    out.fingerprint_ok = now == stored.run.fingerprint
    if not out.fingerprint_ok:
        out.differences.append(Difference("", "stored lines", "fingerprint",
                                          f"{now[:16]} (the rows as they are now)",
                                          f"{stored.run.fingerprint[:16]} (recorded when "
                                          "the run was saved)"))


def _totals(stored: StoredRun, result: RunResult, carried: list[StoredLine],
            out: Verification) -> None:
    """Each payee's total and components, then the run's: recomputed + carried lines."""
    expect: dict[str, tuple[Decimal, dict[str, Decimal]]] = {}
    for p in result.payees:
        expect[p.payee] = (p.total, dict(p.components))
    for ln in carried:
        total, comps = expect.setdefault(ln.payee, (ZERO, {}))
        comps[ln.component] = comps.get(ln.component, ZERO) + ln.amount
        expect[ln.payee] = (total + ln.amount, comps)
    for pid in sorted(set(expect) | set(stored.payees)):
        sp = stored.payees.get(pid)
        total, comps = expect.get(pid, (None, {}))
        if sp is None:
            out.differences.append(Difference(pid, "payee", "total", None, _plain(total)))
            continue
        if total is None:
            out.differences.append(Difference(pid, "payee", "total", _plain(sp.total), None))
            continue
        if sp.total != total:
            out.differences.append(Difference(pid, "payee", "total", _plain(sp.total),
                                              _plain(total)))
        added = sum((ln.amount for ln in stored.lines if ln.payee == pid), ZERO)
        if added != total:
            out.differences.append(Difference(pid, "stored lines", "sum", _plain(added),
                                              _plain(total)))
        for c in sorted(set(comps) | set(sp.components)):
            a, b = sp.components.get(c), comps.get(c)
            if a != b:
                out.differences.append(Difference(pid, f"component {c}", "amount",
                                                  _plain(a), _plain(b)))
    run = stored.run
    stored_sum = sum((p.total for p in stored.payees.values()), ZERO)
    fresh_sum = sum((t for t, _ in expect.values()), ZERO)
    if run.total != fresh_sum or run.total != stored_sum:
        out.differences.append(Difference("", "run", "total", _plain(run.total),
                                          _plain(fresh_sum)))
    n_lines = out.lines + len(carried)
    if run.lines != len(stored.lines) or run.lines != n_lines:
        out.differences.append(Difference("", "run", "lines", str(run.lines), str(n_lines)))


def _adjustments(stored: StoredRun, carried: list[StoredLine], out: Verification) -> None:
    """Adjustment, clawback and release lines against the run's Adjustment records."""
    lines = Counter((ln.payee, ADJUSTMENT_KINDS[ln.kind], ln.amount) for ln in carried
                    if ln.kind in ADJUSTMENT_KINDS)
    records = Counter((a.payee, a.kind, a.amount) for a in stored.adjustments)
    out.adjustments_checked = sum(lines.values())
    for (pid, kind, amount), n in sorted((lines - records).items()):
        out.differences.append(Difference(pid, f"{kind} line", "adjustment record",
                                          f"{n} line(s) of {amount}", "no record"))
    for (pid, kind, amount), n in sorted((records - lines).items()):
        out.differences.append(Difference(pid, f"{kind} record", "line",
                                          f"{n} record(s) of {amount}", "no line"))


def _as_result(stored: StoredRun) -> RunResult:
    """The stored rows as a RunResult, to fingerprint them as save_run did."""
    r = stored.run
    result = RunResult(r.plan_id, "", "", r.period, r.currency)
    lines: dict[str, list] = defaultdict(list)
    for ln in stored.lines:
        lines[ln.payee].append(ln)
    for pid, sp in stored.payees.items():
        pr = PayeeResult(pid, sp.name, sp.currency, total=sp.total)
        pr.lines = [Line(number=ln.number, payee=pid, component=ln.component, kind=ln.kind,
                         amount=ln.amount, exact=ln.exact, rule=ln.rule, formula=ln.formula,
                         sources=ln.sources) for ln in lines.get(pid, [])]
        result.payees.append(pr)
    return result
