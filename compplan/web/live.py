"""The open periods, kept worked out in memory, and the ways transactions come in.

Each plan with an open period (a `live_periods` row: the plan text and the data the
period started from) is loaded once into a LiveRun, with the transactions ingested since
(`ingested_rows`) replayed on top. A batch, from the HTTP API or `compplan ingest FILE`,
is checked by the live run exactly as a run checks data, then its accepted rows are
committed to the store (with an audit entry) and only then taken into the live figures:
what a page shows is never ahead of what is kept, and a batch is all or nothing.

Another process may ingest into the same store (the command line while the portal
runs): rows carry an increasing id, and the portal takes the ones it has not seen
(`catch_up`) before each batch and every few seconds; a row seen twice is a no-op, since
ingest is idempotent by transaction id.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import tempfile
import threading
import time
import uuid
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..cells import CsvWriter
from ..datafolder import HINT, OutsideFolder, inside
from ..engine.data import find_file, load_folder
from ..engine.ir import CompiledPlan, compile_plan
from ..engine.live import LiveRun
from ..engine.plausible import rows_warnings
from ..errors import CompplanError, Problem
from ..finance.forecast import CALENDAR_FILE, PIPELINE_FILE
from ..lang import check_source
from ..periods import Period, parse_period
from ..store import audit, lifecycle
from ..store.db import Store
from ..store.models import DatasetFile, PlanVersion, now
from ..store.portal import IngestedRow, LivePeriod
from .auth import LoginLimiter, session_rows
from .security import Refused
from .sessions import SessionCache

log = logging.getLogger("compplan.web")
# the longest a page waits for a batch being taken (Portal.batch_first)
PAGE_WAIT = 2.0
FORECAST_FILES = (PIPELINE_FILE, CALENDAR_FILE)


@dataclass
class LivePlan:
    plan_id: str
    period: Period
    compiled: CompiledPlan
    run: LiveRun
    plan_version_id: str
    text: bytes
    managers: dict[str, str]  # payee -> manager
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = 0  # moves on with every batch taken: pages poll it
    # the version at which each payee was last worked out again (a batch touches a
    # tenth of them: the others' figures, and what their pages poll, stay as they were);
    # payees not worked out since the period loaded are at `base_version`
    payee_versions: dict[str, int] = field(default_factory=dict)
    base_version: int = 0
    # told apart from a load before (a restart starts the versions again): in ETags
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    applied: int = 0  # ingested_rows.id up to which the live run holds the rows
    problems: list[str] = field(default_factory=list)
    cache: "Figures" = field(default_factory=lambda: Figures())
    # what a forecast reads beside the tables: the payees file (territories), the
    # pipeline and the calendar kept with the period; name -> content
    forecast_files: dict[str, bytes] = field(default_factory=dict)
    # what issue 15's pages work out once per loaded period: (input, column) -> the
    # values seen, with the rows counted so far (web/estimator.py: a batch's rows are
    # counted as they come), ("locale",) -> payee locales, ("grains",) -> the target
    # tables' grains (web/words.py, web/stakes.py)
    estimator_choices: dict = field(default_factory=dict)
    # held while the estimator's choices are counted: the first pages after a start all
    # ask at once, and at 1M deals each counting them itself took most of the CPU of
    # the first batch's seconds (bench_portal, 1 December 2026)
    once_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.compiled.plan.name

    def payee_version(self, pid: str) -> int:
        """The version of the payee's own figures: moves when a batch works them out."""
        return self.payee_versions.get(pid, self.base_version)

    def took(self, affected: list[str]) -> None:
        """A batch is live: the period's version moves on, and its payees' with it."""
        self.version += 1
        for pid in affected:
            self.payee_versions[pid] = self.version

    def payee_name(self, pid: str) -> str:
        row = self.run.prep.payees.get(pid) or {}
        return str(row.get("name") or pid)

    def reports(self, pid: str) -> list[tuple[str, int]]:
        """Everyone below the payee, with their depth (1: direct reports), in tree order."""
        children: dict[str, list[str]] = {}
        for p, m in self.managers.items():
            children.setdefault(m, []).append(p)
        out, stack = [], [(c, 1) for c in sorted(children.get(pid, []), reverse=True)]
        seen = {pid}
        while stack:
            p, depth = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            out.append((p, depth))
            stack.extend((c, depth + 1) for c in sorted(children.get(p, []), reverse=True))
        return out

    def transaction_inputs(self) -> list[str]:
        """Inputs a batch may go to: tables of transactions, keyed and with a payee."""
        return [n for n, inp in self.compiled.plan.inputs.items() if inp.key and inp.payee
                and n != "payees"]

    def columns(self, input_name: str) -> list[str]:
        return record_columns(self.compiled, input_name)


def record_columns(compiled: CompiledPlan, input_name: str) -> list[str]:
    """The columns a record of the input carries, as its file names them."""
    inp = compiled.plan.inputs[input_name]
    cols = list(inp.columns)
    for role in ("key", "payee", "date", "period", "currency"):
        c = getattr(inp, role)
        if c and c not in cols:
            cols.append(c)
    return [inp.rename.get(c, c) for c in cols]


class Figures:
    """Pages' figures worked out once per batch: (payee, version, day) -> figures. A key
    of an older version is never asked for again, and falls out as new ones come."""

    def __init__(self, size: int = 20000):
        self.size, self._data, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            got = self._data.get(key)
            if got is not None:
                self._data.move_to_end(key)
            return got

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)


@dataclass
class Reply:
    """What an ingest says back: errors as data, each rejected row with its reason."""

    plan: str
    input: str
    accepted: int = 0
    already: int = 0
    rejected: list[dict] = field(default_factory=list)
    affected: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"plan": self.plan, "input": self.input, "accepted": self.accepted,
                "already": self.already, "rejected": self.rejected,
                "payees_updated": self.affected, "warnings": self.warnings,
                "seconds": round(self.seconds, 3)}


def rejection(p: Problem, rows: list[int] | None = None) -> dict:
    """A rejected row as the sender knows it: `rows` maps a record's number (from 1) to
    its row in what was sent (a CSV body's header is row 1)."""
    row = p.row
    if row is not None and rows and 0 < row <= len(rows):
        row = rows[row - 1]
    d = {"row": row, "reason": p.message if p.column else p.text}
    if p.column:
        d["column"] = p.column
    if p.hint:
        d["hint"] = p.hint
    return d


class Portal:
    """Everything the web process keeps between requests."""

    def __init__(self, store: Store, as_of: dt.date | None = None):
        self.store = store
        self.as_of = as_of
        self.plans: dict[str, LivePlan] = {}
        self.failed: dict[str, str] = {}  # plan id -> why its open period did not load
        self.limiter = LoginLimiter()
        self.sessions = SessionCache()  # sessions checked lately: polls skip the store
        self.write_lock = threading.Lock()  # SQLite takes one writer at a time
        self.kept = Figures(200)  # stored runs with their plans compiled, for statements
        self._reader = _reader(store)
        self._pages = threading.Event()  # set: pages go ahead; clear: a batch goes first
        self._pages.set()
        self._batches = 0
        self._batches_lock = threading.Lock()

    def read(self) -> Session:
        """A session for reading. On SQLite the store's own sessions take the write lock
        at their first statement (so a run is refused at once, not halfway); pages only
        read, and read through an engine that does not, so that they never wait on each
        other. Writes go through `write`."""
        return self._reader()

    # ---------------------------------------------------------------- loading
    def load(self) -> None:
        with self.read() as db:
            rows = list(db.execute(select(LivePeriod).order_by(LivePeriod.plan_id)).scalars())
        for row in rows:
            try:
                self.plans[row.plan_id] = load_live(self.store, row)
                self.failed.pop(row.plan_id, None)
            except CompplanError as e:
                self.failed[row.plan_id] = "; ".join(f"{p.where}: {p.text}"
                                                     for p in e.problems[:5])
                log.error("open period of %s did not load: %s", row.plan_id, e)

    def reload(self, plan_id: str) -> None:
        """Load a plan's open period again from the store (its live run may be half
        changed by a batch that failed after it was stored) and put it in place."""
        with self.read() as db:
            row = db.get(LivePeriod, plan_id)
        if row is None:
            return
        try:
            fresh = load_live(self.store, row)
        except Exception:  # noqa: BLE001 - logged; the old figures stay until a restart
            log.exception("reloading the open period of %s", plan_id)
            return
        fresh.version = self.plans[plan_id].version + 1 if plan_id in self.plans else 0
        fresh.base_version = fresh.version  # every payee's figures may have moved
        self.plans[plan_id] = fresh

    def plan(self, plan_id: str) -> LivePlan:
        lp = self.plans.get(plan_id)
        if lp is None:
            raise Refused(404, f"there is no open period for plan '{plan_id}'",
                          "open one with: compplan open PLAN --data DIR --period P")
        return lp

    def today(self, lp: LivePlan) -> dt.date:
        """The day pages count to: today (or the portal's as-of day) within the period."""
        d = self.as_of or dt.date.today()
        return min(max(d, lp.period.start), lp.period.end)

    def recheck_sessions(self) -> None:
        """The sessions in use checked against the store again, in one query, so that
        their polls stay answered from memory (web/sessions.py)."""
        since = time.monotonic()
        asked = self.sessions.active()
        if not asked:
            return
        with self.read() as db:
            found = session_rows(db, list(asked))
        self.sessions.rechecked(asked, found, since)

    # ---------------------------------------------------------------- ingest
    def batch_free(self) -> bool:
        """No batch is being taken now (see batch_first)."""
        return self._pages.is_set()

    def wait_for_batch(self) -> None:
        """A page waits while a batch is being taken (PAGE_WAIT at most): see
        batch_first."""
        if not self._pages.is_set():
            self._pages.wait(PAGE_WAIT)

    @contextlib.contextmanager
    def batch_first(self):
        """Pages that start meanwhile wait until the batch is live (web/endpoint.py).

        The portal is one process: page views and a batch share one interpreter lock,
        which goes round the threads that want it. With 200 clients' pages in the
        thread pool a batch's fraction of a CPU-second took several seconds to show;
        the pages waiting instead costs each page at most that fraction of a second, and
        they then show the batch. Pages already running finish as they were."""
        with self._batches_lock:
            self._batches += 1
            self._pages.clear()
        try:
            yield
        finally:
            with self._batches_lock:
                self._batches -= 1
                if self._batches == 0:
                    self._pages.set()

    def ingest(self, plan_id: str, input_name: str | None, records: list[dict], actor: str,
               rows: list[int] | None = None, token_id: int | None = None) -> Reply:
        """Check, store, then take a batch. `rows`: each record's row in what was sent,
        when it is not its number (a CSV body's header is row 1)."""
        with self.batch_first():
            return self._ingest(plan_id, input_name, records, actor, rows, token_id)

    def _ingest(self, plan_id: str, input_name: str | None, records: list[dict], actor: str,
                rows: list[int] | None, token_id: int | None) -> Reply:
        started = time.perf_counter()
        lp = self.plan(plan_id)
        input_name = pick_input(lp, input_name)
        reply = Reply(plan_id, input_name)
        if not records:
            raise Refused(400, "the batch holds no rows")
        with lp.lock:
            self._catch_up(lp)
            for attempt in (1, 2):
                batch = lp.run.check(input_name, records, source=input_name)
                if batch.out.rejected:
                    reply.rejected = [rejection(p, rows) for p in batch.out.rejected]
                    reply.seconds = time.perf_counter() - started
                    return reply
                reply.already = batch.out.already
                if not batch.rows:
                    reply.seconds = time.perf_counter() - started
                    return reply
                try:
                    ids = self._store_batch(lp, batch, records, actor, token_id)
                    break
                except IntegrityError:
                    # another process took one of these ids meanwhile: see what it took
                    if attempt == 2:
                        raise Refused(409, "another ingest took some of these transactions "
                                      "at the same moment; send the batch again")
                    self._catch_up(lp)
            reply.warnings = _outside(lp, input_name, batch.rows) + [
                f"row {w.row}: {w.text}" for w in rows_warnings(
                    lp.compiled, lp.compiled.plan.inputs[input_name], batch.rows, input_name)]
            try:
                out = lp.run.apply(batch)
            except Exception:  # noqa: BLE001 - stored; the live figures reload from the store
                log.exception("batch stored but not taken live for %s", plan_id)
                lp.problems.append("a stored batch could not be taken live; the period is "
                                   "being loaded again from the store")
                reply.accepted = len(batch.rows)
                reply.warnings.append("stored, but the live figures did not take it; they "
                                      "will once the period is loaded again from the store")
                threading.Thread(target=self.reload, args=(plan_id,), daemon=True).start()
                return reply
            lp.took(out.affected)
            if ids and ids[0] == lp.applied + 1 and ids == list(range(ids[0], ids[-1] + 1)):
                lp.applied = ids[-1]
            reply.accepted, reply.affected = out.accepted, len(out.affected)
        reply.seconds = time.perf_counter() - started
        return reply

    def _store_batch(self, lp: LivePlan, batch, records: list[dict], actor: str,
                     token_id: int | None) -> list[int]:
        inp = lp.compiled.plan.inputs[batch.input_name]
        bid = uuid.uuid4().hex[:16]
        rows = [{"plan_id": lp.plan_id, "period": lp.period.label, "input": batch.input_name,
                 "key": str(r[inp.key]), "batch": bid, "ingested_by": actor,
                 "ingested_at": now(),
                 "record": json.dumps({k: ("" if v is None else str(v)) for k, v in
                                       records[r["_row"] - 1].items()}, ensure_ascii=False)}
                for r in batch.rows]

        def write(db):
            db.execute(IngestedRow.__table__.insert(), rows)
            first, last = db.execute(
                select(func.min(IngestedRow.id), func.max(IngestedRow.id)).where(
                    IngestedRow.batch == bid)).one()
            audit.append(db, actor, "ingest.batch", f"plan {lp.plan_id}",
                         period=lp.period.label, input=batch.input_name, rows=len(rows),
                         batch=bid, token=token_id, ids=f"{first}-{last}")
            if token_id is not None:
                from ..store.portal import ApiToken
                tok = db.get(ApiToken, token_id)
                if tok is not None:
                    tok.last_used_at = now()
            return list(range(first, last + 1)) if last - first + 1 == len(rows) else []
        return self.write(write, nothing="nothing of the batch was taken")

    def write(self, fn, attempts: int = 50, nothing: str = "nothing was saved"):
        """Run fn(session) in a transaction and commit; on SQLite, one writer at a time
        in this process, and a busy store (another process writing) is tried again for
        a few seconds. A store that fails otherwise is a 503 saying `nothing` was taken
        (the transaction is rolled back); IntegrityError is left to the caller."""
        for i in range(attempts):
            try:
                with self.write_lock if self.store.dialect == "sqlite" else _nolock:
                    with self.store.session() as db:
                        out = fn(db)
                        db.commit()
                        return out
            except IntegrityError:
                raise
            except OperationalError as e:
                if "locked" in str(e) or "busy" in str(e):
                    time.sleep(min(0.05 * (i + 1), 0.3))
                    continue
                log.exception("the store failed a write")
                raise Refused(503, f"the store could not save this: {nothing}",
                              "try again in a moment")
            except SQLAlchemyError:
                log.exception("the store failed a write")
                raise Refused(503, f"the store could not save this: {nothing}",
                              "try again in a moment")
        raise Refused(503, f"the store is busy: {nothing}", "try again in a moment")

    def catch_up(self) -> None:
        """Take rows other processes stored (the command line's ingest). Skips a plan
        whose lock is taken: its ingest catches up itself."""
        for lp in list(self.plans.values()):
            if lp.lock.acquire(blocking=False):
                try:
                    self._catch_up(lp)
                finally:
                    lp.lock.release()

    def _catch_up(self, lp: LivePlan) -> None:
        with self.read() as db:
            top = db.execute(select(func.max(IngestedRow.id))).scalar() or 0
            if top <= lp.applied:
                return
            rows = list(db.execute(select(IngestedRow).where(
                IngestedRow.plan_id == lp.plan_id, IngestedRow.period == lp.period.label,
                IngestedRow.id > lp.applied).order_by(IngestedRow.id)).scalars())
        if rows:
            _replay(lp, rows)
        lp.applied = max(top, lp.applied)


def _reader(store: Store) -> sessionmaker:
    if store.dialect != "sqlite":
        return store.sessions
    engine = create_engine(store.url, connect_args={"timeout": 5, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):
        cur = conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
    return sessionmaker(engine, expire_on_commit=False)


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


_nolock = _NoLock()


def pick_input(lp: LivePlan, input_name: str | None) -> str:
    names = lp.transaction_inputs()
    if input_name:
        if input_name not in names:
            raise Refused(400, f"'{input_name}' is not a table of transactions of plan "
                          f"'{lp.plan_id}'", "one of: " + ", ".join(names))
        return input_name
    if len(names) != 1:
        raise Refused(400, f"plan '{lp.plan_id}' takes transactions into several tables; "
                      "say which with ?input=NAME", "one of: " + ", ".join(names))
    return names[0]


def _outside(lp: LivePlan, input_name: str, rows: list[dict]) -> list[str]:
    inp = lp.compiled.plan.inputs[input_name]
    if not inp.date:
        return []
    out = [f"row {r['_row']}: {inp.date} {r[inp.date]} is outside {lp.period.label}: kept, "
           "not counted in this period" for r in rows
           if r.get(inp.date) is not None and not lp.period.contains(r[inp.date])]
    return out[:20]


def _replay(lp: LivePlan, rows: list[IngestedRow]) -> None:
    """Take stored rows into the live run, batch by batch, in the order they came."""
    group: list[IngestedRow] = []
    for row in rows + [None]:
        if group and (row is None or row.batch != group[0].batch):
            out = lp.run.ingest(group[0].input, [json.loads(r.record) for r in group],
                                source=f"stored batch {group[0].batch}")
            if out.rejected:
                lp.problems.append(f"stored batch {group[0].batch} ({len(group)} rows) no "
                                   f"longer checks: {out.rejected[0].text}")
            elif out.accepted:
                lp.took(out.affected)
            group = []
        if row is not None:
            group.append(row)


def _load_at_once(compiled: CompiledPlan, files: list, ingested: list[IngestedRow],
                  period: Period) -> LiveRun:
    """The open period with every row ingested since in one pass: the rows are added to
    the period's files, as a saved run takes them, and the live run is worked out once.
    Each batch was checked when it came, so this gives what replaying them one by one
    gives, without working the payees out again per batch (a store of 163,560 ingested
    rows took 75 s to load that way). CompplanError (or Refused) if the rows do not
    load so; the caller then replays them batch by batch, to name the batch."""
    by_input: dict[str, list[dict]] = {}
    for r in ingested:
        by_input.setdefault(r.input, []).append(json.loads(r.record))
    with tempfile.TemporaryDirectory(prefix="compplan-live-") as tmp:
        folder = Path(tmp)
        for f in files:
            inside(folder, f.name).write_bytes(zlib.decompress(f.content))
        for input_name, records in by_input.items():
            _append_csv(compiled, folder, input_name, records)
        problems: list[Problem] = []
        tables = load_folder(compiled.plan, tmp, problems)
    if problems:
        raise CompplanError(problems)
    return LiveRun(compiled, tables, period)


def load_live(store: Store, row: LivePeriod) -> LivePlan:
    """A plan's open period from the store: its plan text, its data, the rows since
    (all at once; batch by batch when that fails, to say which batch no longer checks)."""
    with store.session() as db:
        version = db.get(PlanVersion, row.plan_version_id)
        files = list(db.execute(select(DatasetFile).where(
            DatasetFile.dataset_id == row.dataset_id)).scalars())
        ingested = list(db.execute(select(IngestedRow).where(
            IngestedRow.plan_id == row.plan_id, IngestedRow.period == row.period
        ).order_by(IngestedRow.id)).scalars())
        top = db.execute(select(func.max(IngestedRow.id))).scalar() or 0
    checked = check_source(version.text, version.file_name)
    compiled = compile_plan(checked)
    period = parse_period(row.period)
    run = None
    if ingested:
        try:
            run = _load_at_once(compiled, files, ingested, period)
        except (CompplanError, Refused) as e:
            log.warning("the rows ingested into %s %s did not load at once (%s); replaying "
                        "them batch by batch", row.plan_id, row.period, e)
    replay = run is None
    if run is None:
        run = _load_at_once(compiled, files, [], period)
    payees_inp = compiled.plan.inputs.get("payees")
    managers = {}
    if payees_inp is not None and payees_inp.manager:
        managers = {pid: str(r[payees_inp.manager]) for pid, r in run.prep.payees.items()
                    if r.get(payees_inp.manager)}
    lp = LivePlan(row.plan_id, period, compiled, run, row.plan_version_id,
                  version.text.encode("utf-8"), managers,
                  forecast_files=_forecast_files(compiled, files))
    if replay:
        _replay(lp, ingested)
    else:
        lp.version = len({r.batch for r in ingested})  # as if each batch had come now
    lp.base_version = lp.version  # every payee's figures are new to a page
    lp.payee_versions.clear()
    lp.applied = top
    return lp


def _forecast_files(compiled: CompiledPlan, files: list) -> dict[str, bytes]:
    payees = compiled.plan.inputs.get("payees")
    names = {payees.file} if payees is not None and payees.file else set()
    out = {}
    for f in files:
        if f.name in FORECAST_FILES or f.name in names or (
                payees is not None and Path(f.name).stem == "payees"):
            out[f.name] = zlib.decompress(f.content)
    return out


# ------------------------------------------------------------------ opening and saving

def open_period(store: Store, compiled: CompiledPlan, plan_bytes: bytes, data_dir: Path,
                period: str, actor: str) -> LivePeriod:
    """Make a period of a plan the open one shown live: its plan text and data kept in
    the store. The data must check as a run's does. Replaces the plan's open period."""
    p = parse_period(period)
    problems: list[Problem] = []
    tables = load_folder(compiled.plan, data_dir, problems)
    if problems:
        raise CompplanError(problems)
    from ..engine.prepare import prepare
    prep = prepare(compiled, tables, p)
    if prep.problems:
        raise CompplanError(prep.problems)
    files = lifecycle.dataset_files(compiled, Path(data_dir))
    for name in FORECAST_FILES:  # the forecast's, beside the inputs: kept with the period
        if (Path(data_dir) / name).is_file():
            files[name] = (Path(data_dir) / name).read_bytes()
    with store.session() as db:
        version = lifecycle.register_plan(db, compiled, plan_bytes, actor)
        dataset = lifecycle.store_dataset(db, files)
        row = db.get(LivePeriod, compiled.plan.plan)
        if row is None:
            row = LivePeriod(plan_id=compiled.plan.plan)
            db.add(row)
        row.period, row.plan_version_id, row.dataset_id = p.label, version.id, dataset.id
        row.opened_at, row.opened_by = now(), actor
        audit.append(db, actor, "period.opened", f"plan {compiled.plan.plan}",
                     period=p.label, plan_version=version.id, dataset=dataset.id)
        db.commit()
        return row


def save_live_run(portal: Portal, lp: LivePlan, actor: str) -> lifecycle.Saved:
    """Work out and store the open period's draft from its data and every transaction
    ingested into it (carry adds what earlier periods and accepted disputes owe)."""
    with portal.read() as db:
        live_row = db.get(LivePeriod, lp.plan_id)
        files = {f.name: zlib.decompress(f.content) for f in db.execute(select(DatasetFile).where(
            DatasetFile.dataset_id == live_row.dataset_id)).scalars()}
        ingested = list(db.execute(select(IngestedRow).where(
            IngestedRow.plan_id == lp.plan_id, IngestedRow.period == lp.period.label
        ).order_by(IngestedRow.id)).scalars())
    with tempfile.TemporaryDirectory(prefix="compplan-save-") as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        by_input: dict[str, list[dict]] = {}
        for r in ingested:
            by_input.setdefault(r.input, []).append(json.loads(r.record))
        for input_name, records in by_input.items():
            _append_csv(lp.compiled, folder, input_name, records)
        with portal.write_lock if portal.store.dialect == "sqlite" else _nolock:
            try:
                return lifecycle.save_run(portal.store, lp.compiled, folder, lp.period.label,
                                          actor, plan_text=lp.text)
            except lifecycle.LifecycleError as e:
                raise Refused(409, str(e))
            except CompplanError as e:
                raise Refused(422, "the period's data does not check: " + "; ".join(
                    f"{p.where}: {p.text}" for p in e.problems[:5]))


def _append_csv(compiled: CompiledPlan, folder: Path, input_name: str,
                records: list[dict]) -> None:
    inp = compiled.plan.inputs[input_name]
    try:  # the folder is the save's own temporary one: nothing is written outside it
        path = find_file(folder, input_name, inp)
        target = inside(folder, inp.file or input_name + ".csv")
    except OutsideFolder as e:
        raise Refused(409, f"the plan's {input_name} file cannot be written: {e}", HINT)
    if path is not None and path.suffix.lower() != ".csv":
        raise Refused(409, f"the open period's {input_name} came as {path.name}; ingested "
                      "rows can only be added to a CSV file", "open the period from CSV data")
    if path is None:
        path = target
        header = record_columns(compiled, input_name)
        text = ""
    else:
        text = path.read_text(encoding="utf-8-sig")
        header = next(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    # the engine's own input, kept exactly (compplan.cells: data, not an export)
    w = CsvWriter(buf, lineterminator="\n", data=True)
    if not text:
        w.writerow(header)
    elif not text.endswith("\n"):
        buf.write("\n")
    for rec in records:
        w.writerow([rec.get(h, "") for h in header])
    path.write_text(text + buf.getvalue(), encoding="utf-8")


# ------------------------------------------------------------------ reading a batch

def parse_body(body: bytes, content_type: str) -> tuple[list[dict], list[int] | None]:
    """Records from a JSON or CSV body, and each record's row in the body (CSV: the
    line, header = 1; JSON: None, the record's number is its row). Refused (400, 415,
    422) with a clear message when it cannot be read."""
    ctype = content_type.split(";")[0].strip().lower()
    if not body.strip():
        raise Refused(400, "the request body is empty; send JSON rows or CSV")
    if ctype in ("application/json", ""):
        try:
            data = json.loads(body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError) as e:
            raise Refused(400, f"the body is not JSON: {e}",
                          'send [{"deal_id": "D-1", ...}, ...] or {"rows": [...]}')
        except RecursionError:  # [[[[...]]]] nested past what the parser follows
            raise Refused(400, "the JSON body is nested too deeply; a row is one object "
                          "of column: value", 'send [{"deal_id": "D-1", ...}, ...]') from None
        rows = data.get("rows") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise Refused(400, "the JSON body must be a list of rows, or {\"rows\": [...]}")
        records = []
        bad = []
        for i, rec in enumerate(rows, start=1):
            if not isinstance(rec, dict):
                bad.append({"row": i, "reason": "a row must be an object of column: value"})
                continue
            clean = {}
            for k, v in rec.items():
                if isinstance(v, (dict, list)):
                    bad.append({"row": i, "column": k, "reason": "a value must be text or "
                                "a number, not a list or an object"})
                    continue
                clean[str(k)] = "" if v is None else (str(v).lower() if isinstance(v, bool)
                                                       else str(v))
            records.append(clean)
        if bad:
            raise Refused(422, "the batch was refused: some rows cannot be read",
                          details=bad)
        return records, None
    if ctype in ("text/csv", "application/csv", "text/plain"):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = body[:e.start].count(b"\n") + 1
            raise Refused(400, f"the CSV body is not UTF-8 text: line {line}, byte "
                          f"0x{body[e.start:e.start + 1].hex()}",
                          "save it from Excel as 'CSV UTF-8' (not 'CSV', which is the "
                          "Windows code page)")
        try:
            reader = csv.reader(io.StringIO(text))
            lines = [(reader.line_num, r) for r in reader]
        except csv.Error as e:
            raise Refused(400, f"the CSV body cannot be read at line {reader.line_num}: {e}",
                          "an unclosed quote (\") makes the rest of the body one cell")
        lines = [(n, r) for n, r in lines if any(c.strip() for c in r)]
        if len(lines) < 2:
            raise Refused(400, "the CSV body needs a header row and at least one row")
        header = [h.strip() for h in lines[0][1]]
        records, rownums, bad = [], [], []
        for n, cells in lines[1:]:
            if len(cells) > len(header):
                bad.append({"row": n, "reason": f"{len(cells)} cells for {len(header)} "
                            "columns"})
                continue
            records.append({h: c for h, c in zip(header, cells) if h})
            rownums.append(n)
        if bad:
            raise Refused(422, "the batch was refused: some rows cannot be read",
                          details=bad)
        return records, rownums
    raise Refused(415, f"cannot read a body of type '{ctype}'",
                  "send application/json or text/csv")
