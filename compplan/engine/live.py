"""A period kept worked out in memory, updated as transactions arrive.

The portal shows attainment during the day. Re-running a whole period for every batch
would not keep up (a million deals take seconds), so a live run keeps the prepared data
and every payee's result, and for a batch of new transactions: checks the rows exactly
as a run does (all or nothing), makes their credits, and works out again only the
payees they touch, and the managers above them.
"""
from __future__ import annotations

import contextlib
import decimal
import gc
import threading
from dataclasses import dataclass, field, replace

from ..errors import CompplanError, Problem
from .data import Table, load_table
from .ir import CompiledPlan
from .money import CONTEXT
from .periods import Period
from .results import PayeeResult
from .groups import peers
from .pay import bottom_up, pay_payees, reports_by_manager
from .settle import live_note, settled_later_payees
from .prepare import (Prepared, convert_currencies, per_payee_rows, make_credits, prepare,
                      sort_sets)


@dataclass
class Ingested:
    accepted: int = 0
    already: int = 0  # rows sent before with the same values: ingest is idempotent
    rejected: list[Problem] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)  # payees worked out again


def _note_later(result, later: dict, compiled: CompiledPlan, period: Period) -> None:
    """The first warning of a payee the open period does not settle: their figures are
    the open period's, and when they are paid (live_note's words)."""
    for pr in result.payees:
        own = later.get(pr.payee)
        if own is not None:
            pr.warnings.insert(0, live_note(period, own))


class LiveRun:
    def __init__(self, compiled: CompiledPlan, tables: dict[str, Table], period: Period):
        self.compiled, self.period = compiled, period
        self.tables = tables
        with decimal.localcontext(CONTEXT):
            self.prep: Prepared = prepare(compiled, tables, period)
            if self.prep.problems:
                raise CompplanError(self.prep.problems)
            # each payee's running bases and sums, kept for the next batch to add to
            self.carry: dict[str, dict] = {}
            result = pay_payees(compiled, self.prep, period, carry=self.carry)
        # payees settled at a longer frequency (a monthly payee while a half month is
        # open): the live view works them out over the open period, and says so
        self.later = settled_later_payees(compiled, tables, period)
        _note_later(result, self.later, compiled, period)
        self.results: dict[str, PayeeResult] = {p.payee: p for p in result.payees}
        self.keys: dict[str, dict[str, dict]] = {}
        for name, inp in compiled.plan.inputs.items():
            if inp.key and name in tables:
                self.keys[name] = {str(r[inp.key]): r for r in tables[name].rows}
        self.reports_by_manager = reports_by_manager(compiled, self.prep)
        self._manager = {r: m for m, rs in self.reports_by_manager.items() for r in rs}
        self._by_payee: dict | None = None  # per-payee tables by payee, for span()
        self._by_payee_lock = threading.Lock()  # made once, not by every page at once
        # the period's data lives as long as the portal: keep the collector's full passes
        # from rescanning millions of rows on every batch (a 1.5 s stall, measured)
        gc.freeze()

    def payee(self, pid: str) -> PayeeResult | None:
        return self.results.get(pid)

    def ingest(self, input_name: str, records: list[dict], source: str = "batch") -> Ingested:
        """Add a batch of transactions (mappings of column -> text). All or nothing: any
        bad row rejects the batch, each problem naming its row (1 = the first record)."""
        batch = self.check(input_name, records, source)
        return batch.out if batch.out.rejected else self.apply(batch)

    def check(self, input_name: str, records: list[dict], source: str = "batch") -> "Batch":
        """Check a batch as `ingest` does, without taking it: the portal stores the rows
        it accepts before the live figures change (`apply`), so that what is shown is
        never ahead of what is kept. Nothing changes here."""
        plan = self.compiled.plan
        inp = plan.inputs.get(input_name)
        out = Ingested()
        if inp is None or not inp.key:
            out.rejected.append(Problem(source, None, None, f"'{input_name}' is not a table "
                                        "of transactions of this plan", code="unknown-name"))
            return Batch(input_name, [], out)
        declared = [inp.rename.get(c, c) for c in _columns(inp)]
        problems: list[Problem] = []
        cells = []
        for i, rec in enumerate(records, start=1):
            unknown = [k for k in rec if k not in declared]
            for k in unknown:
                problems.append(Problem(source, None, None, f"unknown column '{k}'",
                                        "columns: " + ", ".join(declared), code="unknown-column",
                                        row=i, column=k))
            cells.append((i, ["" if rec.get(h) is None else str(rec.get(h)) for h in declared]))
        with decimal.localcontext(CONTEXT):
            table = load_table(input_name, inp, declared, cells, source, problems)
        existing = self.keys.get(input_name, {})
        new_rows = []
        for row in table.rows:
            key = str(row[inp.key])
            payee = str(row[inp.payee]) if inp.payee else None
            if self.prep.known is not None and payee is not None and payee not in \
                    self.prep.known:
                problems.append(Problem(source, None, None, f"unknown payee '{payee}'",
                                        "add them to payees, or correct the id",
                                        code="unknown-payee", row=row["_row"],
                                        column=inp.payee))
                continue
            old = existing.get(key)
            if old is not None:
                if _same(old, row):
                    out.already += 1
                    continue
                problems.append(Problem(source, None, None,
                                        f"{inp.key} '{key}' was ingested before with other "
                                        "values", "send a correction as a new transaction, "
                                        "or correct the source data and run the period",
                                        code="duplicate-key", row=row["_row"], column=inp.key))
                continue
            new_rows.append(row)
        converted = None
        if not problems and new_rows:
            tables = dict(self.tables)
            tables[input_name] = Table(input_name, "", new_rows)
            with decimal.localcontext(CONTEXT):
                done, _ = convert_currencies(self.compiled, tables, self.period, problems)
            converted = done[input_name]
        if problems:
            out.rejected = problems
            out.already = 0
            return Batch(input_name, [], out)
        return Batch(input_name, new_rows, out, converted, inp.key)

    def apply(self, batch: "Batch") -> Ingested:
        """Take a checked batch: its credits, and the payees it touches worked out again.
        Batches must be applied in the order they were checked, one at a time."""
        out = batch.out
        if out.rejected or not batch.rows:
            return out
        with _collector_paused(), decimal.localcontext(CONTEXT):
            order, since = self._credit(batch, self.prep.credits)
            inp = self.compiled.plan.inputs[batch.input_name]
            keys = self.keys.setdefault(batch.input_name, {})
            for row in batch.rows:
                keys[str(row[inp.key])] = row
            self.tables[batch.input_name].rows.extend(batch.rows)
            result = pay_payees(self.compiled, self.prep, self.period, order=order,
                                earlier=self.results, since=since, carry=self.carry,
                                reports=self.reports_by_manager)
            _note_later(result, self.later, self.compiled, self.period)
            for pr in result.payees:
                self.results[pr.payee] = pr
        out.accepted = len(batch.rows)
        out.affected = order
        return out

    def what_if(self, input_name: str, records: list[dict]) -> "WhatIf":
        """What a batch would change, worked out by the engine on a copy of the affected
        payees' credits: nothing of the live period changes. The portal's estimator
        ("a 20,000 deal closed today earns 1,600.00") is this, not a second formula."""
        batch = self.check(input_name, records, source="what-if")
        if batch.out.rejected or not batch.rows:
            return WhatIf(batch.out.rejected, {}, {})
        overlay = _Overlay(self.prep.credits)
        with decimal.localcontext(CONTEXT):
            order, since = self._credit(batch, overlay)
            prep = replace(self.prep, credits=overlay)
            # what the live payees' bases carry is read, never replaced: a copy to write to
            result = pay_payees(self.compiled, prep, self.period, order=order,
                                earlier=self.results, since=since,
                                carry={p: self.carry.get(p) for p in order},
                                reports=self.reports_by_manager)
            _note_later(result, self.later, self.compiled, self.period)
        after = {pr.payee: pr for pr in result.payees}
        return WhatIf([], {p: self.results.get(p) for p in after}, after)

    def span(self, pid: str, part: Period) -> PayeeResult | None:
        """The payee's figures for part of the open period (a day, a week, a month):
        credits dated in it, and targets as a run for that span takes them (a quarter's
        quota split by days, or by the input's weights). Undated credits belong to no
        part. team() reads nothing within a part (reports' parts are not worked out)."""
        if pid not in self.results:
            return None
        compiled, prep = self.compiled, self.prep
        credit_names = {step.name for step in compiled.credits}
        dated = {name: inp.date for name, inp in compiled.plan.inputs.items()
                 if inp.key and inp.date}
        per_payee_tables = self._payee_tables(pid)
        sub_rows, sub_sets = per_payee_rows(compiled, per_payee_tables, part, prep.payees,
                                             lambda *a: True, [], check_missing=False)
        sets: dict[str, list[dict]] = {}
        for name, rows in prep.credits.get(pid, {}).items():
            base = name.split("@")[0]
            if "@" in name:  # a window's (sales@ytd): kept whole
                sets[name] = rows
            elif base in credit_names:
                sets[name] = [r for r in rows if part.start <= r["_order"][0] <= part.end]
            elif base in dated:
                col = dated[base]
                sets[name] = [r for r in rows if r.get(col) is not None
                              and part.start <= r[col] <= part.end]
        sets.update(sub_sets.get(pid, {}))
        # targets over a window (quotas@ytd) are the window's, whatever part is shown
        rows = {**sub_rows.get(pid, {}), **{name: row for name, row in
                                            prep.per_payee.get(pid, {}).items() if "@" in name}}
        mini = replace(prep, credits={pid: sets}, per_payee={pid: rows},
                       problems=[], warnings=[])
        with decimal.localcontext(CONTEXT):
            result = pay_payees(compiled, mini, part, order=[pid],
                                reports=self.reports_by_manager)
        return result.payees[0] if result.payees else None

    def _payee_tables(self, pid: str) -> dict[str, Table]:
        """The payee's rows of each per-payee table (quotas, KPIs), indexed once (the
        first pages after a start all ask at once: one makes it, the others wait)."""
        if self._by_payee is None:
            with self._by_payee_lock:
                if self._by_payee is None:
                    self._by_payee = self._index_payee_tables()
        return {name: Table(name, self.tables[name].file, by.get(pid, []))
                for name, by in self._by_payee.items()}

    def _index_payee_tables(self) -> dict[str, dict[str, list[dict]]]:
        index: dict[str, dict[str, list[dict]]] = {}
        for name, inp in self.compiled.plan.inputs.items():
            if inp.key or not inp.payee or name not in self.tables:
                continue
            by = index[name] = {}
            for row in self.tables[name].rows:
                by.setdefault(str(row[inp.payee]), []).append(row)
        return index

    def _credit(self, batch: "Batch", credits) -> tuple[list[str], dict]:
        """Make the batch's credits into `credits`. Returns the payees to work out again,
        in order (reports before their managers), and for each the sort position
        (`_order`) of their first new credit, None if they have none (a manager above,
        a pool's peer): what went before it is as it was (pay_payees' `since`)."""
        compiled, prep, input_name = self.compiled, self.prep, batch.input_name
        converted = batch.converted
        touched = make_credits(compiled, {input_name: converted}, self.period, prep.payees,
                               prep.known, prep.splits or {}, credits, prep.hierarchy)
        inp = compiled.plan.inputs[input_name]
        used = {r.name for r in compiled.checked.resolved.values()
                if r.kind in ("set", "set_column")}
        if input_name in used and inp.payee:
            for row in converted.rows:
                d = row.get(inp.date) if inp.date else None
                if d is None or self.period.contains(d):
                    pid = str(row[inp.payee])
                    credits.setdefault(pid, {}).setdefault(input_name, []).append(row)
                    touched.add(pid)
        affected = set(touched)
        if compiled.uses_team:
            for pid in touched:  # managers read their team's figures
                m = self._manager.get(pid)
                while m and m not in affected:
                    affected.add(m)
                    m = self._manager.get(m)
        groups = compiled.groups
        if groups is not None and groups.payee_groups:  # group() and pools: the peers too
            affected |= peers(groups, prep.payees, touched)
        keys = batch.keys()
        since = {pid: _first_new(compiled, credits.get(pid) or {}, keys) for pid in affected}
        key_col = batch.key_column

        def id_of(row: dict) -> str:  # a credit's transaction, or the input's own row's
            got = row.get("_key")
            return str(row.get(key_col)) if got is None else got
        for pid in affected:
            sort_sets(compiled, credits.get(pid) or {}, keys, id_of)
        order = bottom_up(sorted(affected), self.reports_by_manager) if compiled.uses_team \
            else sorted(affected)
        return order, since


_pause = {"count": 0, "was_on": True}
_pause_lock = threading.Lock()


@contextlib.contextmanager
def _collector_paused():
    """The cyclic collector paused while a batch is worked out, then its new objects
    (the payees' results, lines and credits: long-lived) collected young and frozen.

    A batch makes some hundred thousand objects; with the collector on, its passes over
    the period's data and earlier batches' results made a 1,000-deal batch on a 1M-deal
    period take 1.4 to 1.9 s instead of 0.9 s, and later allocations (page views) slower
    batch after batch. Frozen objects are still freed when nothing refers to them.
    Threads may overlap: the collector comes back, as it was, when the last is done."""
    with _pause_lock:
        if _pause["count"] == 0:
            _pause["was_on"] = gc.isenabled()
        _pause["count"] += 1
        gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pause["count"] -= 1
            if _pause["count"] == 0:
                gc.collect(1)  # cycles made meanwhile die young, not frozen
                gc.freeze()
                if _pause["was_on"]:
                    gc.enable()


@dataclass
class Batch:
    """A checked batch not yet taken: its new rows (typed) and their converted form."""

    input_name: str
    rows: list[dict]
    out: Ingested
    converted: Table | None = None
    key_column: str | None = None

    def keys(self) -> set[str]:
        """The batch's transaction ids, as its credits carry them (`_key`)."""
        return {str(r[self.key_column]) for r in self.rows} if self.key_column else set()


def _first_new(compiled: CompiledPlan, sets: dict[str, list[dict]], keys: set[str]):
    """The smallest `_order` among a payee's new credits, before their sets are sorted
    again: make_credits appends new credits after the sorted earlier ones, so they are
    the run at the end of each list whose ids are the batch's. (An earlier credit from
    another input with one of those ids may join the run: that only moves the point
    earlier, and more is worked out.) None: no new credit."""
    names = {step.name for step in compiled.credits}
    first = None
    for name, rows in sets.items():
        if name.split("@")[0] not in names:
            continue
        for i in range(len(rows) - 1, -1, -1):
            r = rows[i]
            if r["_key"] not in keys:
                break
            if first is None or r["_order"] < first:
                first = r["_order"]
    return first


@dataclass
class WhatIf:
    rejected: list[Problem]
    before: dict[str, PayeeResult | None]  # as the live period has them now
    after: dict[str, PayeeResult]  # with the batch


class _Overlay(dict):
    """Payees' credit sets as a batch would leave them, over the live ones: a payee's
    sets are copied the first time they are reached, and the live ones never change."""

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def get(self, pid, default=None):
        if not dict.__contains__(self, pid):
            sets = self.base.get(pid)
            if sets is None:
                return default
            dict.__setitem__(self, pid, {k: list(v) for k, v in sets.items()})
        return dict.__getitem__(self, pid)

    def setdefault(self, pid, default=None):
        got = self.get(pid)
        if got is None:
            dict.__setitem__(self, pid, default)
            return default
        return got


def _columns(inp) -> list[str]:
    cols = list(inp.columns)
    for role in ("key", "payee", "date", "period", "currency"):
        c = getattr(inp, role)
        if c and c not in cols:
            cols.append(c)
    return cols


def _same(a: dict, b: dict) -> bool:
    return all(a.get(k) == v for k, v in b.items() if not k.startswith("_"))
