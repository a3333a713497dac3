"""`compplan diff RUN_A RUN_B`: two stored runs, payee by payee and line by line.

Finance asks of a re-run "what changed since last time, and why". A run is made from a
plan version, a dataset and a period; so each difference is put down to the plan, the
data (or the period), or both. When only one of them changed the answer is plain. When
the plan and something else did, each line is worked out a third time, the old plan on
the new data for the new period: a line that already has its new amount there moved
because of the data; one that still has its old amount moved because of the plan;
anything else moved because of both. Lines `carry` adds (prior-period adjustments,
clawbacks, releases, draws, true-ups) also depend on the earlier runs at the time; with
the same plan, data and period they can only have come from that history.

Lines are matched by LineItem.key (component, kind, source rows), which names what a
line pays for from one run to the next.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from ..errors import CompplanError
from ..lang import check_source
from .plans import PlanDiff, diff_plans
from .stored import ENGINE_KINDS, StoredRun, by_key, load_run, recompute

ZERO = Decimal(0)


@dataclass
class RunSide:
    id: int
    plan_id: str
    period: str
    status: str
    plan_version: str
    dataset: str
    engine_version: str
    total: Decimal

    @classmethod
    def of(cls, s: StoredRun) -> "RunSide":
        r = s.run
        # the payees' stored totals (the run's own total once they are added up; a
        # replaced draft has none left)
        total = sum((p.total for p in s.payees.values()), ZERO)
        return cls(r.id, r.plan_id, r.period, r.status, r.plan_version_id, r.dataset_id,
                   r.engine_version, total)


@dataclass
class LineChange:
    payee: str
    key: str
    kind: str
    before: Decimal | None  # None: the line is not in that run
    after: Decimal | None
    cause: str  # plan | data | period | data and period | ... | history | neither

    @property
    def difference(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


@dataclass
class PayeeChange:
    payee: str
    name: str
    before: Decimal | None
    after: Decimal | None
    cause: str

    @property
    def difference(self) -> Decimal:
        return (self.after or ZERO) - (self.before or ZERO)


@dataclass
class RunDiff:
    a: RunSide
    b: RunSide
    plan_changed: bool
    data_changed: bool
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, added|removed|changed)
    plan_diff: PlanDiff | None = None
    payees: list[PayeeChange] = field(default_factory=list)
    lines: list[LineChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not self.payees and not self.lines

    @property
    def period_changed(self) -> bool:
        return self.a.period != self.b.period

    @property
    def besides_plan(self) -> str:
        """What changed other than the plan: 'data', 'period', 'data and period' or ''."""
        return " and ".join(w for w, changed in (("data", self.data_changed),
                                                 ("period", self.period_changed)) if changed)

    @property
    def cause(self) -> str:
        """What changed between the runs' inputs."""
        parts = (["plan"] if self.plan_changed else []) + \
            ([self.besides_plan] if self.besides_plan else [])
        return " and ".join(parts) or "neither"

    def to_dict(self) -> dict:
        def money(v):
            return None if v is None else str(v)
        return {
            "a": asdict(self.a) | {"total": str(self.a.total)},
            "b": asdict(self.b) | {"total": str(self.b.total)},
            "same": self.same, "plan_changed": self.plan_changed,
            "data_changed": self.data_changed, "period_changed": self.period_changed,
            "changed": self.cause,
            "files": [{"file": n, "change": c} for n, c in self.files],
            "plan_diff": self.plan_diff.to_dict() if self.plan_diff else None,
            "payees": [{"payee": p.payee, "name": p.name, "before": money(p.before),
                        "after": money(p.after), "difference": str(p.difference),
                        "cause": p.cause} for p in self.payees],
            "lines": [{"payee": ln.payee, "key": ln.key, "kind": ln.kind,
                       "before": money(ln.before), "after": money(ln.after),
                       "difference": str(ln.difference), "cause": ln.cause}
                      for ln in self.lines],
            "notes": self.notes}


def diff_runs(session: Session, id_a: int, id_b: int) -> RunDiff:
    """LookupError if either run does not exist."""
    sa, sb = load_run(session, id_a), load_run(session, id_b)
    a, b = RunSide.of(sa), RunSide.of(sb)
    out = RunDiff(a, b, a.plan_version != b.plan_version, a.dataset != b.dataset)
    for name in sorted(set(sa.files) | set(sb.files)):
        x, y = sa.files.get(name), sb.files.get(name)
        if x != y:
            out.files.append((name, "added" if x is None else "removed" if y is None
                              else "changed"))
    if out.plan_changed and sa.plan is not None and sb.plan is not None:
        out.plan_diff = diff_plans(check_source(sa.plan.text, _name(sa)),
                                   check_source(sb.plan.text, _name(sb)))
    for s in (sa, sb):
        if s.run.status == "replaced":
            out.notes.append(f"run {s.run.id} was replaced by a later draft; its lines "
                             "were removed, so it shows as paying nothing")
    if a.period != b.period:
        out.notes.append(f"the runs are for different periods ({a.period}, {b.period}); "
                         "lines are matched by what they pay for, so a transaction of only "
                         "one period shows as a line added or removed")
    if a.engine_version != b.engine_version:
        out.notes.append(f"the runs were made by different versions of compplan "
                         f"({a.engine_version}, {b.engine_version})")
    if sa.run.engine != sb.run.engine:
        out.notes.append(f"the runs were made by different engines ({sa.run.engine}, "
                         f"{sb.run.engine}): "
                         "they pay the same on the same plan and data, but lines of the "
                         "duckdb engine carry no formula or inputs yet (issue 12)")
    cross = _cross(session, sa, sb, out) if out.plan_changed and out.besides_plan else None
    _compare(sa, sb, cross, out)
    return out


def _name(s: StoredRun) -> str:
    return f"run {s.run.id}:{s.plan.file_name}"


def _cross(session: Session, sa: StoredRun, sb: StoredRun, out: RunDiff):
    """The old plan on the new data: (payee, key) -> amounts, or None if it cannot run."""
    try:
        result = recompute(session, sb.run, plan_text=sa.plan.text,
                           file_name=sa.plan.file_name)
    except (CompplanError, ValueError) as e:
        why = e.problems[0].message if isinstance(e, CompplanError) and e.problems else e
        out.notes.append(f"the old plan does not run on the new data ({why}); changes are "
                         f"put down to the {out.cause} together")
        return None
    return {k: [ln.amount for ln in v] for k, v in
            by_key(ln for p in result.payees for ln in p.lines).items()}


def _cause(out: RunDiff, kind: str, k: tuple, i: int, before, after, cross) -> str:
    if out.cause == "neither":
        return "history" if kind not in ENGINE_KINDS else "neither"
    if cross is None or kind not in ENGINE_KINDS:
        return out.cause
    amounts = cross.get(k, [])
    x = amounts[i] if i < len(amounts) else None
    if x == after:
        return out.besides_plan
    if x == before:
        return "plan"
    return out.cause


def _compare(sa: StoredRun, sb: StoredRun, cross, out: RunDiff) -> None:
    old, new = by_key(sa.lines), by_key(sb.lines)
    causes: dict[str, set[str]] = {}
    for k in sorted(set(old) | set(new)):
        xs, ys = old.get(k, []), new.get(k, [])
        for i in range(max(len(xs), len(ys))):
            x = xs[i] if i < len(xs) else None
            y = ys[i] if i < len(ys) else None
            before = None if x is None else x.amount
            after = None if y is None else y.amount
            if before == after:
                continue
            kind = (x or y).kind
            cause = _cause(out, kind, k, i, before, after, cross)
            out.lines.append(LineChange(k[0], k[1], kind, before, after, cause))
            causes.setdefault(k[0], set()).add(cause)
    for pid in sorted(set(sa.payees) | set(sb.payees)):
        x, y = sa.payees.get(pid), sb.payees.get(pid)
        before = None if x is None else x.total
        after = None if y is None else y.total
        if before == after and pid not in causes:
            continue
        cause = _join(causes.get(pid) or {out.cause})
        out.payees.append(PayeeChange(pid, (y or x).name, before, after, cause))


def _join(causes: set[str]) -> str:
    """A payee's cause: every factor behind any of its lines ('plan' and 'data' lines
    make 'plan and data')."""
    order = ["plan", "data", "period", "history", "neither"]
    factors = {f for c in causes for f in c.split(" and ")}
    if len(factors) > 1:
        factors.discard("neither")
    return " and ".join(sorted(factors, key=order.index))

