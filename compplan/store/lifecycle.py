"""A period's runs: draft -> approved -> paid, and reopen.

`save_run` works out a period and stores it as the draft for that plan and period,
replacing any earlier draft, in one transaction: a run that fails leaves nothing behind
and the earlier draft as it was. It holds the period's lock from start to end, so a
second run of the same plan and period started meanwhile is refused at once with a
clear error. An approved or paid period is never re-run: the refusal says how to reopen
(approved) or that later changes are paid as adjustments (paid).

Periods are approved in order. What a run carries from earlier periods (a draw's balance
and its recovery, holds released, clawbacks, the year so far) is worked out from the
approved and paid runs before it at the time it is saved. So a run is approved only when
every earlier period's current run is approved or paid and no later period is; and when
an earlier period is approved or reopened, a later period's draft, worked out on the
history before, becomes `stale`: it is refused approval until it is run again (issue 16
item 9: two drafts saved on the same balance recovered it twice once both were paid).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from decimal import Decimal
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .. import __version__
from ..engine import CompiledPlan, parse_period, run_plan
from ..datafolder import OutsideFolder
from ..engine.data import find_file, load_folder
from ..engine.results import RunResult, tier_dicts
from ..errors import CompplanError, Problem
from . import audit, bulk
from .db import Store
from ..periods import Period
from .carry import carry
from .models import (Adjustment, Balance, Dataset, DatasetFile, LineItem, PayeeResultRow,
                     Payment, PeriodState, PlanVersion, Run, now)


class LifecycleError(Exception):
    """A refusal: the message says what is wrong and what to do."""


class Busy(LifecycleError):
    pass


@dataclass
class Saved:
    run: Run
    result: RunResult
    replaced: int | None  # the draft this run replaced


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dataset_files(compiled: CompiledPlan, data_dir: Path) -> dict[str, bytes]:
    files = {}
    for name, inp in compiled.plan.inputs.items():
        try:
            path = find_file(data_dir, name, inp)
        except OutsideFolder:
            continue  # never read; loading the folder reports it, with its place
        if path is not None:
            files[path.name] = path.read_bytes()
    return files


def fingerprint_files(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + sha256(files[name]).encode() + b"\n")
    return h.hexdigest()


def _hash_line(h, ln) -> None:
    h.update(f"{ln.number}|{ln.component}|{ln.kind}|{ln.amount}|{ln.formula}|"
             f"{' '.join(ln.sources)}\n".encode())


def _payee_digest(h, payee: str, total, currency: str) -> str:
    h.update(f"{payee}|{total}|{currency}\n".encode())
    return h.hexdigest()


def _fingerprint(digests: dict[str, str]) -> str:
    return sha256("".join(f"{pid}:{d}\n" for pid, d in sorted(digests.items())).encode())


def fingerprint_result(result: RunResult) -> str:
    """A hash of every payee's lines and totals: two runs with the same are the same.

    Each payee's lines, in order, then their total, hash to one digest; the run's is the
    hash of the payees' digests in id order. So a save can hash a payee's lines as they
    stream into the store, and the lines carried from earlier periods after them."""
    digests = {}
    for p in result.payees:
        h = hashlib.sha256()
        for ln in p.lines:
            _hash_line(h, ln)
        digests[p.payee] = _payee_digest(h, p.payee, p.total, p.currency or result.currency)
    return _fingerprint(digests)


class _StoreSink:
    """Receives each payee as the engine finishes it: its lines go into the store (and are
    hashed) at once; with keep_lines=False they then leave memory."""

    def __init__(self, session: Session, run_id: int, keep_lines: bool, also=None):
        self.session, self.run_id, self.keep_lines, self.also = session, run_id, keep_lines, also
        self.hashers: dict[str, object] = {}
        self.kept: dict[str, int] = {}  # lines of a payee still in memory, already stored

    def __call__(self, pr) -> None:
        h = self.hashers.setdefault(pr.payee, hashlib.sha256())
        for ln in pr.lines:
            _hash_line(h, ln)
        _insert_lines(self.session, self.run_id, pr.lines)
        if self.also is not None:
            self.also(pr)  # e.g. the command line's result files; it may drop the lines
        if not self.keep_lines:
            pr.lines = []
        self.kept[pr.payee] = len(pr.lines)


class LazyTables(Mapping):
    """A data folder read by the Python reader only if something asks for it. A run of
    the SQL engine has DuckDB read the files; what carries from earlier periods needs
    the rows only when an earlier period was paid (it is worked out again on today's
    data, carry.py), so most saves never read them in Python."""

    def __init__(self, plan, folder: Path):
        self.plan, self.folder, self._tables = plan, folder, None

    def _load(self) -> dict:
        if self._tables is None:
            problems: list[Problem] = []
            tables = load_folder(self.plan, self.folder, problems)
            if problems:
                raise CompplanError(problems)
            self._tables = tables
        return self._tables

    def __getitem__(self, name):
        return self._load()[name]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


ENGINES = ("python", "duckdb", "postgres", "spark")


def _sql_refusals(compiled: CompiledPlan) -> None:
    """A plan the SQL engine does not run, refused before the store is touched, with
    the positions of what it lacks (engine/sql/cover.py)."""
    from ..engine.sql.cover import refusals
    problems = refusals(compiled)
    if problems:
        raise CompplanError(problems)


def _run_sql(session: Session, run_id: int, compiled: CompiledPlan, data_dir: Path,
             tables: dict | None, span: Period, lines_csv: Path | None):
    """The SQL engine's run, its lines streamed from DuckDB into the store (bulk.py)
    before the connection closes; returns the result (totals, no lines) and the sink
    holding each payee's fingerprint hash so far."""
    from ..engine.sql import run_folder, run_sql
    from ..engine.sql.run import store_rows_only
    sink = _StoreSink(session, run_id, keep_lines=False)

    @store_rows_only  # the lines table need not hold what the store's rows make as text
    def into_store(con) -> None:
        # (called once per group of payees settled over its own period: engine/sql/settle.py)
        hashers: dict = {}
        bulk.store_lines(session, run_id, con, compiled, hashers)
        sink.hashers.update(hashers)

    if tables is not None:
        result = run_sql(compiled, tables, span, lines_csv, then=into_store)
    else:
        result = run_folder(compiled, data_dir, span, lines_csv, then=into_store)
    return result, sink


def _run_spark(session: Session, run_id: int, compiled: CompiledPlan, data_dir: Path,
               tables: dict | None, span: Period, lines_csv: Path | None,
               master: str | None):
    """_run_sql on Spark: the lines Spark wrote as Parquet stream into the store from the
    DuckDB that reads them (spark._results), as the duckdb engine's do."""
    from ..engine.sql import spark
    sink = _StoreSink(session, run_id, keep_lines=False)

    def into_store(con) -> None:
        hashers: dict = {}
        bulk.store_lines(session, run_id, con, compiled, hashers)
        sink.hashers.update(hashers)

    if tables is not None:
        result = spark.run_tables(compiled, tables, span, master, lines_csv, then=into_store)
    else:
        result = spark.run_spark(compiled, data_dir, span, master, lines_csv,
                                 then=into_store)
    return result, sink


def _lock_period(session: Session, plan_id: str, period: str) -> PeriodState:
    """The period's row, locked for this transaction; Busy if another run holds it."""
    dialect = session.get_bind().dialect.name
    try:
        if dialect == "postgresql":
            # the row is made in a transaction of its own, so that a second run does not
            # wait on the first's uncommitted insert but finds the row locked, at once
            with session.get_bind().connect() as conn:
                conn.execute(text("INSERT INTO periods (plan_id, period, status, updated_at) "
                                  "VALUES (:p, :q, 'open', now()) ON CONFLICT DO NOTHING"),
                             {"p": plan_id, "q": period})
                conn.commit()
            state = session.execute(select(PeriodState).where(
                PeriodState.plan_id == plan_id, PeriodState.period == period
            ).with_for_update(nowait=True)).scalar_one()
        else:
            state = session.get(PeriodState, (plan_id, period))
            if state is None:
                state = PeriodState(plan_id=plan_id, period=period, status="open")
                session.add(state)
                session.flush()
    except OperationalError as e:
        raise Busy(f"another run of {plan_id} for {period} is in progress; try again when "
                   "it has finished") from e
    return state


def _begin(store: Store) -> Session:
    session = store.session()
    try:
        session.connection()  # SQLite: BEGIN IMMEDIATE; fails at once if another writes
    except OperationalError as e:
        session.close()
        raise Busy("the store is busy: another command holds it (a run being saved, an "
                   "ingest); try again when it has finished") from e
    return session


def save_run(store: Store, compiled: CompiledPlan, data_dir: str | Path, period: str,
             actor: str, plan_text: bytes | None = None, keep_lines: bool = True,
             sink=None, tables: dict | None = None,
             files: dict[str, bytes] | None = None, engine: str = "python",
             lines_csv: Path | None = None, dsn: str | None = None,
             master: str | None = None) -> Saved:
    """Work out a period and store it as the draft. Raises CompplanError on bad data,
    LifecycleError on a refusal; either way nothing is written. `plan_text`: the plan's
    bytes when they are not in a file (a plan compiled from the store's copy).

    Each payee's lines go into the store as the engine finishes the payee; with
    `keep_lines=False` they then leave memory (a million-line run need not hold them),
    and the returned result has totals but no lines. `sink(payee_result)` also receives
    each payee first (the command line writes its result files from it). `tables` and
    `files`: data already loaded, and the bytes that stand for it in the dataset (a
    scenario's rows), instead of `data_dir`'s files.

    `engine="duckdb"`: the plan runs as SQL (engine/sql) and its lines go from DuckDB
    into the store in bulk (bulk.py), never as Line objects; `sink` is not called for
    them, and with `lines_csv` DuckDB writes lines.csv there too. A plan the SQL engine
    does not run is refused (CompplanError, with positions) before the store is
    touched. The run records the engine that made it; `compplan verify` uses it.

    `engine="postgres"`: the plan runs inside PostgreSQL (`dsn`, engine/sql/postgres.py)
    and its lines go into the store from there (pgsave.py: without leaving the server
    when the store is that database); with `lines_csv`, PostgreSQL makes lines.csv's
    rows there too.

    `engine="spark"`: the plan runs on Spark (`master`, engine/sql/spark.py), which
    writes its lines as Parquet; DuckDB reads that Parquet a batch at a time into the
    store (bulk.py, as the duckdb engine's lines), so no line is collected by the driver
    at once."""
    if engine not in ENGINES:
        raise ValueError(f"no engine {engine!r}; one of {', '.join(ENGINES)}")
    if engine in ("duckdb", "postgres", "spark"):
        _sql_refusals(compiled)
    if engine != "spark" or "://" not in str(data_dir):  # Spark reads hdfs://, s3a://...
        data_dir = Path(data_dir)
    p = parse_period(period)
    plan = compiled.plan
    plan_bytes = plan_text if plan_text is not None else Path(compiled.file).read_bytes()
    session = _begin(store)
    try:
        state = _lock_period(session, plan.plan, p.label)
        if state.status in ("approved", "paid"):
            run_id = state.current_run_id
            if state.status == "approved":
                raise LifecycleError(
                    f"{plan.plan} {p.label} is approved (run {run_id}) and is not re-run; "
                    f"to change it, reopen it: compplan reopen {run_id} --reason \"...\"")
            raise LifecycleError(
                f"{plan.plan} {p.label} is paid (run {run_id}) and is never re-run; changes "
                "to its data are paid or recovered as adjustments in the next period's run")
        given = tables
        if tables is not None:
            files = files or {}
        elif engine in ("duckdb", "spark", "postgres"):  # the engine reads the folder;
            # Python only if carry asks
            files = dataset_files(compiled, data_dir)
            tables = LazyTables(plan, data_dir)
        else:
            files = dataset_files(compiled, data_dir)
            problems: list[Problem] = []
            tables = load_folder(plan, data_dir, problems)
            if problems:
                raise CompplanError(problems)
        ytd = plan.payout is not None and plan.payout.basis == "year_to_date"
        span = Period("span", f"{p.start.year} to {p.label}", dt.date(p.start.year, 1, 1),
                      p.end) if ytd else p
        version = register_plan(session, compiled, plan_bytes, actor)
        dataset = store_dataset(session, files)
        replaced = None
        if state.current_run_id is not None:
            _check_chain(session, state.current_run_id, "replaced")
        if state.current_run_id is not None and state.status == "draft":
            replaced = state.current_run_id
            old = session.get(Run, replaced)
            old.status = "replaced"
            for table in (LineItem, PayeeResultRow, Adjustment, Balance):
                session.execute(delete(table).where(table.run_id == replaced))
        # the run's row first, so lines can stream in under its id; its totals follow
        run = Run(plan_id=plan.plan, period=p.label, plan_version_id=version.id,
                  dataset_id=dataset.id, status="draft", currency=plan.currency,
                  total=Decimal(0), payees=0, lines=0, fingerprint="",
                  engine_version=__version__, engine=engine, created_by=actor)
        session.add(run)
        session.flush()
        if engine == "duckdb":
            result, store_sink = _run_sql(session, run.id, compiled, data_dir, given, span,
                                          lines_csv)
        elif engine == "spark":  # Spark's lines from its Parquet into the store in bulk
            result, store_sink = _run_spark(session, run.id, compiled, data_dir, given, span,
                                            lines_csv, master)
        elif engine == "postgres":  # lines into the store from PostgreSQL (pgsave.py)
            from .pgsave import run_and_store
            store_sink = _StoreSink(session, run.id, keep_lines=False)
            result = run_and_store(session, run.id, compiled, given, span, dsn,
                                   store_sink.hashers, sink, data_dir, lines_csv)
        else:
            store_sink = _StoreSink(session, run.id, keep_lines, sink)
            result = run_plan(compiled, tables, span, sink=store_sink)
        result.period = p.label
        carried = carry(session, compiled, tables, p, result)
        run.fingerprint = _store_results(session, run.id, result, store_sink)
        run.total, run.payees, run.lines = result.total, len(result.payees), \
            result.line_count()
        session.add_all(Adjustment(run_id=run.id, **a) for a in carried.adjustments)
        session.add_all(Balance(run_id=run.id, **b) for b in carried.balances)
        state.current_run_id, state.status, state.updated_at = run.id, "draft", now()
        audit.append(session, actor, "run.created", f"run {run.id}", plan=plan.plan,
                     period=p.label, plan_version=version.id, dataset=dataset.id,
                     total=str(result.total), fingerprint=run.fingerprint, replaced=replaced,
                     engine=engine)
        session.commit()
        return Saved(run, result, replaced)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def register_plan(session: Session, compiled: CompiledPlan, text_bytes: bytes,
                   actor: str) -> PlanVersion:
    vid = sha256(text_bytes)
    version = session.get(PlanVersion, vid)
    if version is None:
        plan = compiled.plan
        version = PlanVersion(id=vid, plan_id=plan.plan, name=plan.name,
                              version_label=str(plan.version), file_name=compiled.file,
                              text=text_bytes.decode("utf-8"), registered_by=actor)
        session.add(version)
        session.flush()
        audit.append(session, actor, "plan.registered", f"plan {plan.plan}",
                     version=vid, label=str(plan.version), file=compiled.file)
    return version


def store_dataset(session: Session, files: dict[str, bytes]) -> Dataset:
    did = fingerprint_files(files)
    ds = session.get(Dataset, did)
    if ds is None:
        ds = Dataset(id=did)
        session.add(ds)
        session.flush()
        session.add_all(DatasetFile(dataset_id=did, name=name, sha256=sha256(data),
                                    size=len(data), content=zlib.compress(data, 1))
                        for name, data in files.items())
    return ds


def line_key(component: str, sources: list[str], kind: str) -> str:
    """What a line pays for, the same from one run to the next: its component and the
    rows behind it (a bonus has none)."""
    return f"{component}|{kind}|{' '.join(sources)}"


def _line_row(run_id: int, ln) -> dict:
    return {
        "run_id": run_id, "payee": ln.payee, "number": ln.number,
        "component": ln.component, "kind": ln.kind, "amount": ln.amount,
        "exact": ln.exact, "formula": ln.formula, "rule": ln.rule,
        "sources": json.dumps(ln.sources),
        "inputs": json.dumps({k: str(v) if v is not None else None
                              for k, v in ln.inputs.items()}),
        "tiers": json.dumps(tier_dicts(ln.tiers)),
        "basis_before": ln.basis_before, "basis_after": ln.basis_after,
        "rounding": ln.rounding, "date": ln.date if isinstance(ln.date, dt.date) else None,
        "note": ln.note, "key": line_key(ln.component, ln.sources, ln.kind)}


def _insert_lines(session: Session, run_id: int, lines) -> None:
    for i in range(0, len(lines), 5000):
        session.execute(LineItem.__table__.insert(),
                        [_line_row(run_id, ln) for ln in lines[i:i + 5000]])


def _store_results(session: Session, run_id: int, result: RunResult,
                   sink: "_StoreSink") -> str:
    """Each payee's row, and the lines carried from earlier periods (the engine's went in
    as the sink received them); returns the results' fingerprint."""
    session.execute(PayeeResultRow.__table__.insert(), [
        {"run_id": run_id, "payee": p.payee, "name": p.name, "cost_center": p.cost_center,
         "currency": p.currency or result.currency, "total": p.total,
         "components": json.dumps({k: str(v) for k, v in p.components.items()}),
         "measures": json.dumps(p.measures), "warnings": json.dumps(p.warnings)}
        for p in result.payees])
    digests = {}
    for p in result.payees:
        carried = p.lines[sink.kept.get(p.payee, 0):]
        _insert_lines(session, run_id, carried)
        h = sink.hashers.setdefault(p.payee, hashlib.sha256())
        for ln in carried:
            _hash_line(h, ln)
        digests[p.payee] = _payee_digest(h, p.payee, p.total, p.currency or result.currency)
    return _fingerprint(digests)


def _transition(store: Store, run_id: int, actor: str, allowed: tuple[str, ...], new: str,
                event: str, **extra) -> Run:
    session = _begin(store)
    try:
        run = session.get(Run, run_id)
        if run is None:
            raise LifecycleError(f"there is no run {run_id}; see compplan runs")
        state = _lock_period(session, run.plan_id, run.period)
        if state.current_run_id != run.id:
            raise LifecycleError(f"run {run_id} is not the current run of {run.plan_id} "
                                 f"{run.period} (that is run {state.current_run_id})")
        _check_chain(session, run.id, new)
        if run.status not in allowed:
            raise LifecycleError(_refusal(run, new))
        if new in ("approved", "draft"):
            _in_order(session, run, reopening=new == "draft")
        run.status = new
        stamp = now()
        if new == "approved":
            run.approved_at, run.approved_by = stamp, actor
        elif new == "paid":
            run.paid_at, run.paid_by = stamp, actor
            paid = [Payment(run_id=run.id, payee=pr.payee, amount=pr.total,
                            currency=pr.currency, period=run.period, paid_at=stamp)
                    for pr in session.execute(select(PayeeResultRow).where(
                        PayeeResultRow.run_id == run.id)).scalars()]
            session.add_all(paid)
            # the payments go into the chain: editing them later fails audit verify
            extra.update(payments=audit.payments_digest(paid), payees=len(paid))
        state.status, state.updated_at = new, stamp
        audit.append(session, actor, event, f"run {run.id}", plan=run.plan_id,
                     period=run.period, total=str(run.total), **extra)
        if new in ("approved", "draft"):  # the history of later periods changed
            _outdate_later_drafts(session, run, actor)
        session.commit()
        return run
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _plan_runs(session: Session, run: Run, statuses: tuple[str, ...]) -> list[Run]:
    return list(session.execute(select(Run).where(
        Run.plan_id == run.plan_id, Run.status.in_(statuses), Run.id != run.id)).scalars())


def _in_order(session: Session, run: Run, reopening: bool = False) -> None:
    """Refuse to approve a run before an earlier period's, or to approve or reopen one
    after a later period's was approved."""
    start = parse_period(run.period).start
    runs = sorted(_plan_runs(session, run, ("draft", "stale", "approved", "paid")),
                  key=lambda r: parse_period(r.period).start)
    for r in [] if reopening else runs:
        if parse_period(r.period).start < start and r.status in ("draft", "stale"):
            raise LifecycleError(
                f"{run.plan_id} {r.period} is not approved yet (run {r.id}, {r.status}); "
                f"approve it before {run.period}: draws, holds, clawbacks and the year so far "
                f"are carried from one period to the next, in order. Then run {run.period} "
                f"again (compplan run ... --period {run.period} --save) and approve that run")
    for r in runs:
        if parse_period(r.period).start > start and r.status in ("approved", "paid"):
            how = f"on {run.period} as approved" if reopening else f"without {run.period}"
            raise LifecycleError(
                f"{run.plan_id} {r.period} is already {r.status} (run {r.id}), and what it "
                f"carried was worked out {how}; periods are approved in order"
                + (f": reopen run {r.id} first" if r.status == "approved" else ""))


def _outdate_later_drafts(session: Session, run: Run, actor: str) -> None:
    """Drafts of later periods were worked out on the history before this change: they
    become stale, refused approval until run again."""
    start = parse_period(run.period).start
    for r in sorted(_plan_runs(session, run, ("draft",)), key=lambda r: r.id):
        if parse_period(r.period).start > start:
            r.status = "stale"
            audit.append(session, actor, "run.stale", f"run {r.id}", plan=r.plan_id,
                         period=r.period, because=f"run {run.id} ({run.period}) is now "
                         f"{run.status}")


def _check_chain(session: Session, run_id: int, new: str) -> None:
    """Refuse to change a run whose status or payments were changed in the database
    outside compplan (e.g. a paid run set back to draft): its audit entries say
    otherwise, and acting on the forged status would replace or re-pay a paid run."""
    problems = audit.run_problems(session, [run_id])
    if problems:
        raise LifecycleError(
            f"run {run_id} is not as the audit log records it, so it is not {new}: "
            + "; ".join(p.reason for p in problems)
            + ". Find out who changed the store (compplan audit verify) and restore it")


def _refusal(run: Run, new: str) -> str:
    if run.status == "stale":
        return (f"run {run.id} ({run.plan_id} {run.period}) is stale: it was worked out "
                "before an earlier period was approved or reopened, so what it carries "
                "(draws and their recovery, holds, clawbacks, the year so far) may be wrong; "
                f"run it again: compplan run ... --period {run.period} --save")
    if new == "approved":
        return f"run {run.id} is {run.status}; only a draft can be approved"
    if new == "paid":
        return (f"run {run.id} is {run.status}; approve it first: compplan approve {run.id}"
                if run.status == "draft" else f"run {run.id} is already {run.status}")
    if new == "draft" and run.status == "paid":
        return (f"run {run.id} is paid and is never rewritten; changes to its data are paid "
                "or recovered as adjustments in the next period's run")
    return f"run {run.id} is {run.status}; only an approved run can be reopened"


def approve(store: Store, run_id: int, actor: str) -> Run:
    return _transition(store, run_id, actor, ("draft",), "approved", "run.approved")


def mark_paid(store: Store, run_id: int, actor: str) -> Run:
    return _transition(store, run_id, actor, ("approved",), "paid", "run.paid")


def reopen(store: Store, run_id: int, actor: str, reason: str) -> Run:
    if not reason.strip():
        raise LifecycleError("say why the run is reopened: --reason \"...\"")
    return _transition(store, run_id, actor, ("approved",), "draft", "run.reopened",
                       reason=reason)


def runs(store: Store, plan_id: str | None = None) -> list[Run]:
    with store.session() as s:
        q = select(Run).order_by(Run.id)
        if plan_id:
            q = q.where(Run.plan_id == plan_id)
        return list(s.execute(q).scalars())
