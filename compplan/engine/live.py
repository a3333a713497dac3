"""A period kept worked out in memory, updated as transactions arrive.

The portal shows attainment during the day. Re-running a whole period for every batch
would not keep up (a million deals take seconds), so a live run keeps the prepared data
and every payee's result, and for a batch of new transactions: checks the rows exactly
as a run does (all or nothing), makes their credits, and works out again only the
payees they touch, and the managers above them.
"""
from __future__ import annotations

import decimal
import gc
from dataclasses import dataclass, field

from ..errors import CompplanError, Problem
from .data import Table, load_table
from .ir import CompiledPlan
from .money import CONTEXT
from .periods import Period
from .results import PayeeResult
from .pay import _bottom_up, _pay, _reports
from .prepare import Prepared, _convert_currencies, make_credits, prepare, sort_sets


@dataclass
class Ingested:
    accepted: int = 0
    already: int = 0  # rows sent before with the same values: ingest is idempotent
    rejected: list[Problem] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)  # payees worked out again


class LiveRun:
    def __init__(self, compiled: CompiledPlan, tables: dict[str, Table], period: Period):
        self.compiled, self.period = compiled, period
        self.tables = tables
        with decimal.localcontext(CONTEXT):
            self.prep: Prepared = prepare(compiled, tables, period)
            if self.prep.problems:
                raise CompplanError(self.prep.problems)
            result = _pay(compiled, self.prep, period)
        self.results: dict[str, PayeeResult] = {p.payee: p for p in result.payees}
        self.keys: dict[str, dict[str, dict]] = {}
        for name, inp in compiled.plan.inputs.items():
            if inp.key and name in tables:
                self.keys[name] = {str(r[inp.key]): r for r in tables[name].rows}
        self._reports = _reports(compiled, self.prep)
        self._manager = {r: m for m, rs in self._reports.items() for r in rs}
        # the period's data lives as long as the portal: keep the collector's full passes
        # from rescanning millions of rows on every batch (a 1.5 s stall, measured)
        gc.freeze()

    def payee(self, pid: str) -> PayeeResult | None:
        return self.results.get(pid)

    def ingest(self, input_name: str, records: list[dict], source: str = "batch") -> Ingested:
        """Add a batch of transactions (mappings of column -> text). All or nothing: any
        bad row rejects the batch, each problem naming its row (1 = the first record)."""
        plan = self.compiled.plan
        inp = plan.inputs.get(input_name)
        out = Ingested()
        if inp is None or not inp.key:
            out.rejected.append(Problem(source, None, None, f"'{input_name}' is not a table "
                                        "of transactions of this plan", code="unknown-name"))
            return out
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
        existing = self.keys.setdefault(input_name, {})
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
        if problems:
            out.rejected = problems
            out.already = 0
            return out
        with decimal.localcontext(CONTEXT):
            self._add(input_name, new_rows, out)
        return out

    def _add(self, input_name: str, rows: list[dict], out: Ingested) -> None:
        compiled, prep = self.compiled, self.prep
        tables = dict(self.tables)
        tables[input_name] = Table(input_name, "", rows)
        problems: list[Problem] = []
        converted, _ = _convert_currencies(compiled, tables, self.period, problems)
        if problems:
            out.rejected = problems
            return
        batch = {input_name: converted[input_name]}
        touched = make_credits(compiled, batch, self.period, prep.payees, prep.known,
                               prep.splits or {}, prep.credits)
        inp = compiled.plan.inputs[input_name]
        for row in rows:
            self.keys[input_name][str(row[inp.key])] = row
        self.tables[input_name].rows.extend(rows)
        used = {r.name for r in compiled.checked.resolved.values()
                if r.kind in ("set", "set_column")}
        if input_name in used and inp.payee:
            for row in converted[input_name].rows:
                d = row.get(inp.date) if inp.date else None
                if d is None or self.period.contains(d):
                    pid = str(row[inp.payee])
                    prep.credits.setdefault(pid, {}).setdefault(input_name, []).append(row)
                    touched.add(pid)
        affected = set(touched)
        if compiled.uses_team:
            for pid in touched:  # managers read their team's figures
                m = self._manager.get(pid)
                while m and m not in affected:
                    affected.add(m)
                    m = self._manager.get(m)
        for pid in affected:
            sort_sets(compiled, prep.credits.get(pid, {}))
        order = _bottom_up(sorted(affected), self._reports) if compiled.uses_team \
            else sorted(affected)
        result = _pay(compiled, prep, self.period, order=order, earlier=self.results)
        for pr in result.payees:
            self.results[pr.payee] = pr
        out.accepted = len(rows)
        out.affected = order


def _columns(inp) -> list[str]:
    cols = list(inp.columns)
    for role in ("key", "payee", "date", "period", "currency"):
        c = getattr(inp, role)
        if c and c not in cols:
            cols.append(c)
    return cols


def _same(a: dict, b: dict) -> bool:
    return all(a.get(k) == v for k, v in b.items() if not k.startswith("_"))
