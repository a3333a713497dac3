"""A stored run read back, and worked out again from what it was made from.

A saved run keeps the exact plan text (PlanVersion) and the exact data files
(DatasetFile, zlib-compressed); run diff and verify read them here. Recomputing writes
the files into a temporary folder, checks and compiles the plan text under the file
name it was saved with (so each line's rule, FILE:LINE:COL, reads as it was stored)
and runs the period as `save_run` did: a year-to-date plan on the year so far.

Lines of the kinds the engine makes can be worked out again; the kinds `carry` adds
when a run is saved (adjustments, clawbacks, releases, draws, recoveries, true-ups)
depend on the history of earlier runs at that moment, and are read as stored.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import tempfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..datafolder import HINT, OutsideFolder, inside
from ..engine import compile_plan, run_plan
from ..engine.data import load_folder
from ..engine.results import RunResult
from ..errors import CompplanError, Problem
from ..lang import check_source
from ..periods import Period, parse_period
from ..store.carry import ENGINE_KINDS as _CARRY_ENGINE_KINDS
from ..store.lifecycle import line_key
from ..store.models import (Adjustment, Balance, DatasetFile, LineItem, PayeeResultRow,
                            PlanVersion, Run)

# What run_plan gives again from the plan and data: carry.ENGINE_KINDS plus held parts
# (a hold line is made by the engine in the run that holds it; its release is carried).
ENGINE_KINDS = tuple(_CARRY_ENGINE_KINDS) + ("hold",)


@dataclass
class StoredLine:
    """A line as stored (LineItem), in plain values."""

    payee: str
    number: int
    component: str
    kind: str
    amount: Decimal
    exact: Decimal
    formula: str
    rule: str
    sources: list[str]
    inputs: dict
    tiers: list
    basis_before: Decimal | None
    basis_after: Decimal | None
    rounding: str
    date: dt.date | None
    note: str
    key: str

    @classmethod
    def of_row(cls, row: dict) -> "StoredLine":
        """A line as the SQL engine gives it for the store (engine/sql/run.py
        store_lines_query: numbers and dates as text, JSON as text)."""
        def num(v):
            return None if v is None else Decimal(v)
        return cls(row["payee"], row["number"], row["component"], row["kind"],
                   num(row["amount"]), num(row["exact"]), row["formula"], row["rule"],
                   json.loads(row["sources"]), json.loads(row["inputs"]),
                   json.loads(row["tiers"]), num(row["basis_before"]), num(row["basis_after"]),
                   row["rounding"] or "",
                   dt.date.fromisoformat(row["date"]) if row["date"] else None,
                   row["note"] or "", row["key"])

    @classmethod
    def of(cls, li: LineItem) -> "StoredLine":
        return cls(li.payee, li.number, li.component, li.kind, li.amount, li.exact,
                   li.formula, li.rule, json.loads(li.sources), json.loads(li.inputs),
                   json.loads(li.tiers), li.basis_before, li.basis_after, li.rounding or "",
                   li.date, li.note or "", li.key)


@dataclass
class StoredPayee:
    payee: str
    name: str
    currency: str
    total: Decimal
    components: dict[str, Decimal]


@dataclass
class StoredRun:
    run: Run
    payees: dict[str, StoredPayee] = field(default_factory=dict)
    lines: list[StoredLine] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    balances: list[Balance] = field(default_factory=list)
    plan: PlanVersion | None = None
    files: dict[str, str] = field(default_factory=dict)  # data file name -> sha256

    @property
    def label(self) -> str:
        r = self.run
        return f"run {r.id} ({r.plan_id} {r.period}, {r.status})"


def load_run(session: Session, run_id: int) -> StoredRun:
    """Everything stored for a run; LookupError if there is none."""
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"there is no run {run_id}; see compplan runs")
    out = StoredRun(run, plan=session.get(PlanVersion, run.plan_version_id))
    for pr in session.execute(select(PayeeResultRow).where(PayeeResultRow.run_id == run_id)
                              .order_by(PayeeResultRow.payee)).scalars():
        out.payees[pr.payee] = StoredPayee(pr.payee, pr.name, pr.currency, pr.total,
                                           {k: Decimal(v) for k, v in
                                            json.loads(pr.components).items()})
    out.lines = [StoredLine.of(li) for li in session.execute(
        select(LineItem).where(LineItem.run_id == run_id)
        .order_by(LineItem.payee, LineItem.number)).scalars()]
    out.adjustments = list(session.execute(select(Adjustment).where(
        Adjustment.run_id == run_id).order_by(Adjustment.id)).scalars())
    out.balances = list(session.execute(select(Balance).where(
        Balance.run_id == run_id)).scalars())
    out.files = {f.name: f.sha256 for f in session.execute(select(DatasetFile).where(
        DatasetFile.dataset_id == run.dataset_id)).scalars()}
    return out


def by_key(lines) -> dict[tuple, list]:
    """(payee, key) -> the lines (stored or fresh) with that key, in statement order.
    The key (component, kind, source rows) names what a line pays for in any run."""
    out: dict[tuple, list] = defaultdict(list)
    for ln in lines:
        key = ln.key if isinstance(ln, StoredLine) else line_key(ln.component, ln.sources,
                                                                 ln.kind)
        out[(ln.payee, key)].append(ln)
    return out


def run_span(plan, period: str) -> tuple[Period, Period]:
    """(the period, the span the engine works out): as lifecycle.save_run does it, a
    year-to-date plan is run on 1 January to the period's end."""
    p = parse_period(period)
    ytd = plan.payout is not None and plan.payout.basis == "year_to_date"
    span = Period("span", f"{p.start.year} to {p.label}", dt.date(p.start.year, 1, 1),
                  p.end) if ytd else p
    return p, span


def recompute(session: Session, run: Run, plan_text: str | None = None,
              file_name: str | None = None, dataset_id: str | None = None,
              engine: str = "python", dsn: str | None = None,
              master: str | None = None) -> RunResult:
    """Work a stored run out again from its stored plan text and data files (or from
    another plan version's text, or another run's data, for attributing changes).

    `engine="duckdb"`: on the SQL engine, whose lines come back as the store has them
    (StoredLine: the same text and JSON its save stored), so they compare field for
    field with the stored run's. `dsn` and `master` say where the postgres and spark
    engines run (as `run --dsn/--master`; else their environment defaults).

    Raises CompplanError with every problem when the plan no longer checks under this
    version of compplan, a data file no longer matches its stored hash, or the data
    does not load."""
    version = session.get(PlanVersion, run.plan_version_id)
    text = version.text if plan_text is None else plan_text
    name = version.file_name if file_name is None else file_name
    checked = check_source(text, name)
    if not checked.ok:
        raise CompplanError(checked.problems.errors)
    compiled = compile_plan(checked)
    files = list(session.execute(select(DatasetFile).where(
        DatasetFile.dataset_id == (dataset_id or run.dataset_id))).scalars())
    with tempfile.TemporaryDirectory(prefix="compplan-verify-") as tmp:
        problems = _unpack(files, compiled.plan, Path(tmp), run)
        if problems:
            raise CompplanError(problems)
        p, span = run_span(compiled.plan, run.period)
        try:
            if engine == "duckdb":  # as the save ran it: DuckDB reads the folder
                result = _recompute_sql(compiled, Path(tmp), span)
            elif engine == "postgres":  # inside PostgreSQL (COMPPLAN_PG_DSN, issue 13)
                result = _recompute_postgres(compiled, Path(tmp), span, dsn)
            elif engine == "spark":  # on Spark (COMPPLAN_SPARK_MASTER, issue 13)
                result = _recompute_sql(compiled, Path(tmp), span, spark=True,
                                         master=master)
            else:
                tables = load_folder(compiled.plan, tmp, problems)
                if problems:
                    raise CompplanError(problems)
                result = run_plan(compiled, tables, span)
        except CompplanError as e:
            raise CompplanError([_renamed(x, tmp, f"run {run.id} data")
                                 for x in e.problems]) from None
    result.period = p.label
    return result


def _recompute_postgres(compiled, folder: Path, span: Period,
                        dsn: str | None = None) -> RunResult:
    """The run made again inside PostgreSQL, each payee's lines as StoredLine: the store
    rows PostgreSQL makes for `run --save` (postgres.store_select)."""
    from ..engine.sql import postgres
    from ..engine.sql.run import STORE_LINE_COLUMNS
    problems: list = []
    tables = load_folder(compiled.plan, folder, problems)
    if problems:
        raise CompplanError(problems)
    lines: dict[str, list[StoredLine]] = defaultdict(list)

    def collect(pg, _schema) -> None:
        for batch in postgres.store_batches(pg, compiled):
            for row in batch:
                ln = StoredLine.of_row(dict(zip(STORE_LINE_COLUMNS, row)))
                lines[ln.payee].append(ln)

    result = postgres.run_tables(compiled, tables, span, dsn=dsn, then=collect)
    for pr in result.payees:
        pr.lines = lines.pop(pr.payee, [])
        pr.line_count = len(pr.lines)
    return result


def _recompute_sql(compiled, folder: Path, span: Period, spark: bool = False,
                   master: str | None = None) -> RunResult:
    """The SQL engine's run (`spark`: on Spark, its lines read from its Parquet by
    DuckDB), each payee's lines as StoredLine (store form)."""
    from ..engine.sql import run_folder
    from ..engine.sql.run import STORE_LINE_COLUMNS, line_batches, store_rows_only
    lines: dict[str, list[StoredLine]] = defaultdict(list)

    @store_rows_only  # the store's rows, as the save made them
    def collect(con) -> None:
        for batch in line_batches(con, compiled):
            for row in batch:
                ln = StoredLine.of_row(dict(zip(STORE_LINE_COLUMNS, row)))
                lines[ln.payee].append(ln)

    if spark:
        from ..engine.sql.spark import run_spark
        result = run_spark(compiled, folder, span, master=master, then=collect)
    else:
        result = run_folder(compiled, folder, span, then=collect)
    for pr in result.payees:
        pr.lines = lines.pop(pr.payee, [])
        pr.line_count = len(pr.lines)
    return result


def _unpack(files: list[DatasetFile], plan, folder: Path, run: Run) -> list[Problem]:
    """Write the stored files where the plan's inputs look for them."""
    places = {Path(inp.file).name: inp.file for inp in plan.inputs.values() if inp.file}
    problems = []
    for f in files:
        data = zlib.decompress(f.content)
        if hashlib.sha256(data).hexdigest() != f.sha256:
            problems.append(Problem(f"run {run.id} data/{f.name}", None, None,
                                    "the stored file no longer matches the hash it was "
                                    "stored with", code="tampered"))
            continue
        try:  # a plan stored before `file:` had to stay in its folder cannot write out
            target = inside(folder, places.get(f.name, f.name))
        except OutsideFolder as e:
            problems.append(Problem(f"run {run.id} data/{f.name}", None, None, str(e),
                                    HINT, code="file-outside"))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return problems


def _renamed(p: Problem, tmp: str, shown: str) -> Problem:
    return dataclasses.replace(p, file=p.file.replace(tmp, shown)) if p.file else p
