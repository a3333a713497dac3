"""Contract costs (IFRS 15; ASC 340-40 in US GAAP): commissions that are incremental
costs of obtaining a contract are an asset, amortized over the contract, not expensed
when paid.

The schedule is built from the store's approved and paid runs of a plan, line by line:

- A line of a capitalized component (the finance file's `capitalize: components`) that
  names a contract (a source `deals:D1`) is that contract's cost. The engine's lines
  (the commission itself, a hold) count in the month the contract starts (its start
  column, else its row's date); lines carried by a later run (a prior-period change, a
  held part released) in the last month of that run's period.
- A capitalized component's line without a contract (a cap) is shared among the payee's
  contracts of that component in the same run, in proportion to their lines, to the cent
  (the largest takes the rounding).
- A clawback of a contract's line reduces the asset in the last month of its run's
  period; what is beyond the balance left stays in expense.
- The amortization period is the term (the contract's term column, in months) and the
  renewals the policy expects. A period of `expense_up_to_months` or less is expensed
  (the practical expedient): no asset.
- Straight line by month from the start month: the balance over the months left,
  rounded half up to the currency's minor unit, the same each month until the balance
  changes (an addition, a clawback), when it is spread again over the months left; the
  last month takes what is left, so a contract's amortization adds up to its cost to
  the cent.
- In the month a contract is cancelled (its cancelled column, from the newest run's data
  that holds it), after that month's clawback, the rest is impaired, and not amortized.

Month by month: opening + additions - clawbacks - amortization - impairment = closing.
The roll-forward adds the contracts up per month, and ties out to the runs: additions
- clawbacks on the asset + what stayed in expense (the expedient, components not
capitalized, clawbacks beyond a balance) = what the runs paid, to the cent.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..engine import compile_plan, parse_period
from ..engine.data import read_records
from ..engine.money import minor_unit, round_to
from ..errors import CompplanError, Problem
from ..lang import check_source
from ..store.models import Adjustment, DatasetFile, LineItem, PlanVersion, Run
from . import journal
from .mapping import Mapping, Policy

ZERO = Decimal(0)
LOCKED = ("approved", "paid")
CARRIED = {"clawback": "clawback", "adjustment": "prior-period", "release": "release",
           "dispute": "dispute"}  # a carried line's kind -> its adjustment record's kind
BUCKETS = ("expedient", "not capitalized", "not attributable", "clawbacks beyond balance")


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_label(m: int) -> str:
    return f"{m // 12}-{m % 12 + 1:02d}"


def month_end(m: int) -> dt.date:
    return parse_period(month_label(m)).end


@dataclass
class Contract:
    id: str
    payee: str
    start: dt.date
    term: int
    months: int  # the amortization period: term and expected renewals
    cancelled: dt.date | None
    expensed: bool  # the practical expedient
    cost_centre: str = ""
    additions: dict[int, Decimal] = field(default_factory=dict)
    clawbacks: dict[int, Decimal] = field(default_factory=dict)  # positive: reductions


@dataclass
class MonthRow:
    contract: str
    payee: str
    month: int
    opening: Decimal
    additions: Decimal
    clawbacks: Decimal
    amortization: Decimal
    impairment: Decimal
    closing: Decimal

    def row(self) -> list:
        return [self.contract, self.payee, month_label(self.month), self.opening,
                self.additions, self.clawbacks, self.amortization, self.impairment,
                self.closing]


SCHEDULE_COLUMNS = ["contract", "payee", "month", "opening", "additions", "clawbacks",
                    "amortization", "impairment", "closing"]
ROLL_COLUMNS = ["month", "opening", "additions", "clawbacks", "amortization", "impairment",
                "closing"]


@dataclass
class Schedule:
    plan: str
    currency: str
    last: int  # the last month the roll-forward covers
    runs: list[Run] = field(default_factory=list)
    contracts: dict[str, Contract] = field(default_factory=dict)
    rows: list[MonthRow] = field(default_factory=list)
    expensed: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    lines_total: Decimal = ZERO  # every line of the runs, added up

    @property
    def first(self) -> int | None:
        return min((r.month for r in self.rows), default=None)

    def total(self, what: str, through: int | None = None) -> Decimal:
        last = self.last if through is None else through
        return sum((getattr(r, what) for r in self.rows if r.month <= last), ZERO)

    def closing(self, through: int | None = None) -> Decimal:
        last = self.last if through is None else through
        return sum((r.additions - r.clawbacks - r.amortization - r.impairment
                    for r in self.rows if r.month <= last), ZERO)

    def roll_forward(self) -> list[list]:
        """Per month of the runs' span: the contracts added up; and the whole span."""
        first = min([month_index(parse_period(r.period).start) for r in self.runs]
                    + ([self.first] if self.first is not None else []), default=self.last)
        out, opening = [], ZERO
        for m in range(first, self.last + 1):
            rows = [r for r in self.rows if r.month == m]
            add, claw, amort, imp = (sum((getattr(r, k) for r in rows), ZERO) for k in
                                     ("additions", "clawbacks", "amortization", "impairment"))
            closing = opening + add - claw - amort - imp
            out.append([month_label(m), opening, add, claw, amort, imp, closing])
            opening = closing
        out.append(["total", ZERO, self.total("additions"), self.total("clawbacks"),
                    self.total("amortization"), self.total("impairment"), self.closing()])
        return out

    @property
    def runs_total(self) -> Decimal:
        return sum((r.total for r in self.runs), ZERO)

    def tie(self) -> list[tuple[str, Decimal]]:
        """What the runs paid, taken apart: the asset's additions less its clawbacks, and
        what stayed in expense; the difference from the runs' totals is 0.00 when the
        schedule ties out."""
        parts = [("capitalized (additions)", self.total("additions")),
                 ("clawbacks off the asset", -self.total("clawbacks"))]
        parts += [(f"expensed: {k}", v) for k, v in self.expensed.items()]
        explained = sum((v for _, v in parts), ZERO)
        return parts + [("explained", explained), ("paid runs", self.runs_total),
                        ("difference", self.runs_total - explained)]

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for r in self.rows:
            h.update(("|".join(str(x) for x in r.row()) + "\n").encode())
        for k, v in self.expensed.items():
            h.update(f"{k}|{v}\n".encode())
        return h.hexdigest()


def amortize(c: Contract, step: Decimal) -> list[MonthRow]:
    """A contract's months, from its first movement to its last (see the module's
    docstring for the rules); `beyond` amounts that stayed in expense are returned by
    the rows' clawbacks being less than the contract's."""
    start = month_index(c.start)
    end = start + c.months - 1  # the last month of amortization
    cancel = month_index(c.cancelled) if c.cancelled else None
    events = set(c.additions) | set(c.clawbacks)
    first = min(events | {start})
    last = max(events | {end if cancel is None else min(end, max(cancel, start))})
    rows, balance, step_amount = [], ZERO, None
    for m in range(first, last + 1):
        opening = balance
        add = c.additions.get(m, ZERO)
        balance += add
        claw = min(c.clawbacks.get(m, ZERO), max(balance, ZERO))
        balance -= claw
        changed = add != 0 or claw != 0
        amort = imp = ZERO
        if m < start:
            pass  # a movement before the contract starts waits for it
        elif cancel is not None and m >= cancel:
            imp, balance = balance, ZERO
        elif balance != 0:
            left = end - m + 1
            if left <= 1:
                amort = balance  # the last month (or a movement after it): what is left
            else:
                if step_amount is None or changed:
                    step_amount = round_to(balance / left, step, "half_up")
                amort = step_amount if abs(step_amount) <= abs(balance) else balance
            balance -= amort
        if opening or add or claw or amort or imp or balance:
            rows.append(MonthRow(c.id, c.payee, m, opening, add, claw, amort, imp, balance))
    return rows


def _share(amount: Decimal, weights: list[Decimal], step: Decimal) -> list[Decimal]:
    """`amount` shared in proportion to `weights`, each rounded half up; the largest
    weight takes the rounding, so the parts add up to `amount` exactly."""
    total = sum(weights, ZERO)
    parts = [round_to(amount * w / total, step, "half_up") for w in weights]
    biggest = max(range(len(weights)), key=lambda i: abs(weights[i]))
    parts[biggest] += amount - sum(parts, ZERO)
    return parts


@dataclass
class _Row:
    cells: dict[str, str]
    where: str
    row: int


class _Datasets:
    """The contracts and payees rows of each run's stored data, read raw (the plan need
    not declare the term or cancellation columns)."""

    def __init__(self, session, policy: Policy, centre_column: str | None):
        self.session, self.policy, self.centre_column = session, policy, centre_column
        self.versions: dict[str, object] = {}

    def compiled(self, version_id: str):
        if version_id not in self.versions:
            v = self.session.get(PlanVersion, version_id)
            self.versions[version_id] = compile_plan(check_source(v.text, v.file_name))
        return self.versions[version_id]

    def _table(self, run: Run, name: str) -> tuple[dict[str, _Row], str]:
        inp = self.compiled(run.plan_version_id).plan.inputs.get(name)
        if inp is None or not inp.key:
            return {}, ""
        names = [inp.file] if inp.file else [f"{name}.csv", f"{name}.xlsx"]
        f = None
        for n in names:
            f = self.session.get(DatasetFile, (run.dataset_id, n))
            if f is not None:
                break
        if f is None:
            return {}, ""
        where = f"{f.name} (run {run.id})"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(f.name).name
            path.write_bytes(zlib.decompress(f.content))
            header, records = read_records(path, inp.encoding)
            key = inp.rename.get(inp.key, inp.key)
            out = {}
            for rownum, cells in records:
                rec = dict(zip(header, (c.strip() for c in cells)))
                if rec.get(key):
                    out[rec[key]] = _Row(rec, where, rownum)
        return out, key

    def contracts(self, run: Run) -> dict[str, _Row]:
        return self._table(run, self.policy.contracts)[0]

    def contract_date_column(self, run: Run) -> str:
        inp = self.compiled(run.plan_version_id).plan.inputs[self.policy.contracts]
        return self.policy.start or inp.rename.get(inp.date, inp.date)

    def centres(self, run: Run) -> dict[str, str]:
        rows, _ = self._table(run, "payees")
        cols = [self.centre_column] if self.centre_column else \
            ["cost_center", "cost_centre", "region", "territory"]
        out = {}
        for pid, r in rows.items():
            col = next((c for c in cols if c in r.cells), None)
            out[pid] = r.cells.get(col, "") if col else ""
        return out


def _contract(cid: str, payee: str, row: _Row, date_col: str, policy: Policy,
              problems: list[Problem]) -> Contract | None:
    def bad(column: str, message: str, hint: str) -> None:
        problems.append(Problem(row.where, None, None, message, hint, code="bad-contract",
                                row=row.row, column=column))
    try:
        start = dt.date.fromisoformat(row.cells.get(date_col, "")[:10])
    except ValueError:
        bad(date_col, f"contract {cid}: '{row.cells.get(date_col, '')}' is not a date",
            "write YYYY-MM-DD")
        return None
    term_text = row.cells.get(policy.term, "")
    if not term_text.isdigit() or int(term_text) < 1:
        bad(policy.term, f"contract {cid}: the term must be a whole number of months, not "
            f"'{term_text}'" if term_text else f"contract {cid} has no term",
            f"give each contract its term in months in the {policy.term} column")
        return None
    cancelled = None
    text = row.cells.get(policy.cancelled, "") if policy.cancelled else ""
    if text:
        try:
            cancelled = dt.date.fromisoformat(text[:10])
        except ValueError:
            bad(policy.cancelled, f"contract {cid}: '{text}' is not a date",
                "write YYYY-MM-DD, or leave it empty while the contract runs")
    months = policy.months(int(term_text))
    return Contract(cid, payee, start, int(term_text), months, cancelled,
                    months <= policy.expense_up_to_months)


def build(session, plan_id: str, mapping: Mapping, through: str | None = None,
          run_ids: list[int] | None = None) -> Schedule:
    """The schedule from the plan's approved and paid runs whose periods end by the month
    `through` (default: the last such run's); `run_ids`: these runs instead, whatever
    their status now (a kept schedule built again). Raises CompplanError with the data's
    problems (FILE:ROW of the run's stored file), LookupError without runs."""
    policy = mapping.capitalize
    q = select(Run).where(Run.plan_id == plan_id)
    q = q.where(Run.id.in_(run_ids)) if run_ids is not None else \
        q.where(Run.status.in_(LOCKED))
    runs = sorted(session.execute(q).scalars(),
                  key=lambda r: (parse_period(r.period).start, r.id))
    if through is not None:
        last = month_index(parse_period(through).end)
        runs = [r for r in runs if month_index(parse_period(r.period).end) <= last]
    if not runs:
        raise LookupError(f"{plan_id} has no approved or paid run"
                          + (f" ending by {through}" if through else "")
                          + "; contract costs are built from paid runs")
    last = month_index(parse_period(through).end) if through else \
        max(month_index(parse_period(r.period).end) for r in runs)
    sched = Schedule(plan_id, runs[0].currency, last, runs)
    step = minor_unit(sched.currency)
    data = _Datasets(session, policy, mapping.cost_centre)
    problems: list[Problem] = []
    rows_of: dict[str, _Row] = {}
    for run in runs:  # the newest run's row of each contract (a cancellation comes later)
        for cid, row in data.contracts(run).items():
            rows_of[cid] = row
    prefix = f"{policy.contracts}:"
    for run in runs:
        run_end = month_index(parse_period(run.period).end)
        date_col = data.contract_date_column(run)
        centres = data.centres(run)
        adjustments: dict[tuple, list[Adjustment]] = {}
        for a in session.execute(select(Adjustment).where(Adjustment.run_id == run.id)
                                 .order_by(Adjustment.id)).scalars():
            adjustments.setdefault((a.payee, a.kind, a.amount), []).append(a)
        lines = list(session.execute(select(LineItem).where(LineItem.run_id == run.id)
                                     .order_by(LineItem.payee, LineItem.number)).scalars())
        unattributed: dict[tuple[str, str], list[LineItem]] = {}
        weights: dict[tuple[str, str], dict[str, Decimal]] = {}
        for li in lines:
            sched.lines_total += li.amount
            comp, carried = li.component, li.kind in CARRIED
            if carried:
                match = adjustments.get((li.payee, CARRIED[li.kind], li.amount))
                a = match.pop(0) if match else None
                comp = (a.original_key or "").split("|", 1)[0] if a else comp
            if comp not in policy.components:
                sched.expensed["not capitalized"] += li.amount
                continue
            cid = next((s[len(prefix):] for s in json.loads(li.sources)
                        if s.startswith(prefix)), None)
            if cid is None:
                unattributed.setdefault((li.payee, comp), []).append(li)
                continue
            c = sched.contracts.get(cid)
            if c is None:
                row = rows_of.get(cid)
                if row is None:
                    problems.append(Problem(f"run {run.id}", None, None,
                                            f"line {li.number} of {li.payee} pays on "
                                            f"contract {cid}, which no run's {policy.contracts}"
                                            " file holds", "keep the contract's row in the "
                                            "data of later runs", code="bad-contract"))
                    continue
                c = _contract(cid, li.payee, row, date_col, policy, problems)
                if c is None:
                    continue
                c.cost_centre = centres.get(li.payee, "")
                sched.contracts[cid] = c
            if not carried:
                w = weights.setdefault((li.payee, comp), {})
                w[cid] = w.get(cid, ZERO) + li.amount
            _book(sched, c, li.kind, li.amount,
                  run_end if carried else month_index(c.start))
        for (payee, comp), items in unattributed.items():
            w = weights.get((payee, comp), {})
            ids = [k for k, v in w.items() if v]
            for li in items:
                if not ids:
                    sched.expensed["not attributable"] += li.amount
                    continue
                for cid, part in zip(ids, _share(li.amount, [w[k] for k in ids], step)):
                    c = sched.contracts[cid]
                    _book(sched, c, li.kind, part, month_index(c.start))
    if problems:
        raise CompplanError(problems)
    for c in sorted(sched.contracts.values(), key=lambda c: (c.start, c.id)):
        if c.expensed:
            continue
        rows = amortize(c, step)
        beyond = sum(c.clawbacks.values(), ZERO) - sum((r.clawbacks for r in rows), ZERO)
        sched.expensed["clawbacks beyond balance"] -= beyond
        sched.rows += rows
    return sched


def _book(sched: Schedule, c: Contract, kind: str, amount: Decimal, month: int) -> None:
    if c.expensed:
        sched.expensed["expedient"] += amount
    elif kind == "clawback":
        c.clawbacks[month] = c.clawbacks.get(month, ZERO) - amount
    else:
        c.additions[month] = c.additions.get(month, ZERO) + amount


def journal_lines(sched: Schedule, mapping: Mapping, months: list[int] | None = None
                  ) -> list[journal.JournalLine]:
    """Each month's entries, per cost centre: additions moved from the component's
    expense to the asset (payroll booked them as expense), clawbacks back, amortization
    and impairment out of the asset."""
    policy = mapping.capitalize
    expense = mapping.expense_account(policy.components[0]) if len(policy.components) == 1 \
        else mapping.expense_account("default")
    wanted = set(months) if months is not None else None
    sums: dict[tuple[int, str], list[Decimal]] = {}
    for r in sched.rows:
        if r.month > sched.last or (wanted is not None and r.month not in wanted):
            continue
        s = sums.setdefault((r.month, sched.contracts[r.contract].cost_centre),
                            [ZERO, ZERO, ZERO, ZERO])
        for i, v in enumerate((r.additions, r.clawbacks, r.amortization, r.impairment)):
            s[i] += v
    out: list[journal.JournalLine] = []
    for (m, centre), (add, claw, amort, imp) in sorted(sums.items()):
        entry, day, cur = f"contract costs {month_label(m)}", month_end(m), sched.currency
        out += journal.pair(entry, day, policy.asset, expense, centre, add, cur,
                            "commissions capitalized (incremental costs of contracts)")
        out += journal.pair(entry, day, expense, policy.asset, centre, claw, cur,
                            "clawbacks of capitalized commissions")
        out += journal.pair(entry, day, policy.amortization, policy.asset, centre, amort, cur,
                            "amortization of capitalized commissions")
        out += journal.pair(entry, day, policy.impairment, policy.asset, centre, imp, cur,
                            "impairment: contracts cancelled")
    return out


def roll_forward_text(sched: Schedule) -> str:
    cur = sched.currency
    out = [f"contract costs of {sched.plan} through {month_label(sched.last)} ({cur}), "
           f"from runs {', '.join(str(r.id) for r in sched.runs)}",
           f"{'month':<8} {'opening':>12} {'additions':>12} {'clawbacks':>12} "
           f"{'amortization':>12} {'impairment':>12} {'closing':>12}"]
    for row in sched.roll_forward():
        out.append(f"{row[0]:<8} " + " ".join(f"{v:>12,.2f}" for v in row[1:]))
    out.append("ties to the paid runs:")
    for label, v in sched.tie():
        out.append(f"  {label:<40} {v:>14,.2f}")
    return "\n".join(out) + "\n"


def write_files(sched: Schedule, mapping: Mapping, plan_dir: Path, fmt: str = "csv"
                ) -> list[Path]:
    """schedule, roll-forward (with its tie-out) and journal in
    PLAN_DIR/contract-costs-<last month>/."""
    target = plan_dir / f"contract-costs-{month_label(sched.last)}"
    target.mkdir(parents=True, exist_ok=True)
    return [
        journal.write_table(target / f"schedule.{fmt}", SCHEDULE_COLUMNS,
                            [r.row() for r in sched.rows], fmt, "schedule"),
        journal.write_table(target / f"roll-forward.{fmt}", ROLL_COLUMNS,
                            sched.roll_forward(), fmt, "roll-forward",
                            [[k, v] for k, v in sched.tie()]),
        journal.write(journal_lines(sched, mapping), target / f"journal.{fmt}", fmt)]
