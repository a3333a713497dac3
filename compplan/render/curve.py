"""Payout against attainment for one payee profile: what plan designers look at first.

The curve is the engine's own output, never a second description of the plan: for each
point, data for one payee is made up (the profile's payees row, targets and KPIs kept
as they are; its first transaction resized, or repeated where the measure counts
transactions, until the measure lands where wanted), run through the compiled plan, and plotted as (the measure the engine worked
out, the pay it gave). Tier bounds come from the plan's rate tables (moved onto the
x axis through the engine's own measures where a table's basis is another measure);
caps and gates are marked where the engine's lines show them start.
"""
from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from decimal import Decimal

from ..engine import pay as pay_mod
from ..engine.data import ROW, Table, load_inline
from ..engine.ir import CompiledPlan, MeasureStep
from ..engine.python.compile import Env
from ..engine.money import CONTEXT, minor_unit, round_to, unsigned_zero
from ..engine.prepare import prepare
from ..engine.run import run_plan
from ..engine.settle import frequency_column
from ..engine.tables import tables_of
from ..lang import ast
from ..lang.types import RATIO
from ..periods import Period, parse_period

MAX_COPIES = 400
# Where the measure grows with a transaction's size, a point is ONE made-up transaction
# resized until the measure lands at the point's x, not i copies of one of size `step`
# (issue 14). Both are pay the plan gives for made-up data, worked out by the engine;
# they differ only by each line's rounding (one line rounded once against i lines each
# rounded: at most 4 cents on 1,800 points of 60 generated AE payees), and one
# transaction a point is a ninth of the engine's work (about 34 made-up transactions a
# curve, the probe's included, not about 300: 12.3 to 5.5 ms of CPU a curve). It also
# makes a curve from the rate tables, where one is worked out without the engine, equal
# to the engine's to the cent: one credit split across the tiers and rounded once is
# what tiers.split and the plan's rounding give.
# Components that move pay between periods (a hold paid later, what a later run carries):
# a curve shows what the plan pays for one period's results, so they are left out.
TIMING = ("held", "released", "adjustment", "clawback", "draw", "paid_earlier")
# Points without an engine run each (Quick, issue 14): where the plan allows it
# (quick_refusal), a curve's made-up payee is prepared once and each point is its pay
# worked out again with the credit resized. Tests set it False to compare with the runs.
QUICK = True


class Profile:
    """One payee's rows, as a data folder or a scenario holds them (source column names).

    A statement's profile holds the payee's typed rows, as the engine read them from
    the data folder (`typed`): the made-up tables are built from those, not written out
    as text and parsed again (13% of a curve's CPU; the same points, see
    test_issue14_curve_typed). Their text (`rows`) is made when it is first read, and
    from then on it is the profile: whatever a reader changes in it (an --set value, a
    table emptied) is what the curve is made from."""

    def __init__(self, payee: str, period: Period, rows: dict[str, list[dict]] | None = None,
                 typed: dict[str, list[dict]] | None = None,
                 compiled: CompiledPlan | None = None):
        self.payee, self.period = payee, period
        self._rows, self.typed, self._compiled = rows, typed, compiled
        self.quick = None  # its Quick, once made (None: not yet; False: runs it is)

    @property
    def rows(self) -> dict[str, list[dict]]:
        if self._rows is None:
            self._rows = {name: [_inline(self._compiled, name, r) for r in rs]
                          for name, rs in (self.typed or {}).items()}
        self.typed = None  # the text is the profile now
        return self._rows


@dataclass
class Point:
    x: Decimal
    total: Decimal  # the period's pay: every component but the TIMING ones
    components: dict[str, Decimal]
    limited: list[str]  # components with a cap or floor line here
    measures: dict[str, object]
    paid: set[str] = field(default_factory=set)  # earnings that gave a line here
    # each component before its cap or floor line (the same as components where none)
    unlimited: dict[str, Decimal] = field(default_factory=dict)
    # the payee's own tier tables (bounds from targets.meetings): engine/tables.py
    tables: dict = field(default_factory=dict)


@dataclass
class Marker:
    kind: str  # tier | cap | floor | gate
    x: Decimal
    label: str
    y: Decimal | None = None
    bound: Decimal | None = None  # a tier bound, in the basis's own terms
    rates: tuple[Decimal, Decimal] | None = None  # below and above a tier bound
    per_unit: bool = False


@dataclass
class Curve:
    plan: str
    measure: str
    measure_kind: str | None
    payee: str
    period: str
    currency: str
    points: list[Point] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # measure, earning -> its words
    components: set[str] | None = None  # the components its pay adds up (None: all)
    # how its points were made, so one more can be (point_at): "size" (i copies of a
    # transaction resized) or "count" (i copies), the measure for one copy, the step
    mode: str = ""
    one_x: Decimal | None = None
    step: Decimal | None = None
    top: Decimal | None = None
    base: "Curve | None" = None  # the shared curve this payee's copy was made from
    quick: "Quick | None" = None  # its profile's made-up payee, for one more point


# ---------------------------------------------------------------- profiles

def _inline(compiled: CompiledPlan, name: str, row: dict) -> dict:
    """A typed row back to the source columns and text a data file would hold."""
    inp = compiled.plan.inputs[name]
    out = {}
    for col, v in row.items():
        if col.startswith("_"):
            continue
        out[inp.rename.get(col, col)] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def profile_from_rows(compiled: CompiledPlan, own: dict[str, list[dict]], payee: str,
                      period: Period) -> Profile:
    """A profile from a payee's own typed rows (rows.own_rows of a data folder)."""
    return Profile(payee, period, typed=own, compiled=compiled)


def scenario_profiles(compiled: CompiledPlan) -> list[Profile]:
    """Every payee of every scenario of the plan, as a profile (scenario order)."""
    plan = compiled.plan
    if "payees" not in plan.inputs:
        return []
    key = plan.inputs["payees"].key
    src_key = plan.inputs["payees"].rename.get(key, key)
    out = []
    for sc in plan.scenarios:
        if sc.period is None:
            continue  # a scenario of several periods: its payees are in the others' too
        for person in sc.data.get("payees", []):
            pid = str(person.get(src_key))
            rows = {}
            for name, inp in plan.inputs.items():
                col = inp.key if name == "payees" else inp.payee
                if col is None:
                    continue
                col = inp.rename.get(col, col)
                rows[name] = [dict(r) for r in sc.data.get(name, []) if str(r.get(col)) == pid]
            out.append(Profile(pid, parse_period(str(sc.period)), rows))
    return out


def first_that_moves(compiled: CompiledPlan, profiles: list[Profile],
                     measure: str | None = None) -> Profile | None:
    """The first profile whose transactions move the measure (a scenario's payee with a
    quota and deals, say), so a bare `compplan curve PLAN` draws something."""
    name, _ = pick_measure(compiled, measure)
    for p in profiles:
        one = _run(compiled, p, name, 1, Decimal(1)) if name else None
        if isinstance(one, Point) and one.x:
            return p
    return profiles[0] if profiles else None


def override(profile: Profile, settings: dict[str, str]) -> list[str]:
    """`quotas.amount=100000`: set a column of the profile's row(s) of that table."""
    problems = []
    for target, value in settings.items():
        table, _, col = target.partition(".")
        if not col:
            problems.append(f"'{target}': name a table and a column, like quotas.amount")
            continue
        rows = profile.rows.setdefault(table, [])
        if not rows:
            problems.append(f"'{target}': the profile has no {table} row to set")
            continue
        for r in rows:
            r[col] = value
    return problems


# ---------------------------------------------------------------- the engine, per point

def roles(compiled: CompiledPlan) -> tuple[list[str], set[str]]:
    """Transaction inputs (what is repeated) and split tables (left empty: each
    synthetic transaction is credited whole to the profile's payee)."""
    splits = {c.spec.split.from_ for c in compiled.credits if c.spec.split}
    tx = [n for n, inp in compiled.plan.inputs.items()
          if inp.key and inp.payee and n != "payees" and n not in splits]
    return tx, splits


def _data(compiled: CompiledPlan, profile: Profile, copies: int, scale: Decimal) -> dict:
    plan = compiled.plan
    tx, splits = roles(compiled)
    data: dict[str, list[dict]] = {}
    for name, inp in plan.inputs.items():
        rows = profile.rows.get(name, [])
        if name in splits:
            data[name] = []
        elif name in tx:
            data[name] = _copies(inp, rows[:1], copies, scale, profile.period)
        elif name == "payees":
            data[name] = [_no_manager(inp, r) for r in rows[:1]]
        else:
            data[name] = [dict(r) for r in rows]
    return data


def _no_manager(inp, row: dict) -> dict:
    r = dict(row)
    if inp.manager:
        r[inp.rename.get(inp.manager, inp.manager)] = None  # a team of one
    return r


def _copies(inp, template: list[dict], copies: int, scale: Decimal, period: Period):
    if not template:
        return []
    t = template[0]
    key = inp.rename.get(inp.key, inp.key)
    date_col = inp.rename.get(inp.date, inp.date) if inp.date else None
    money = [inp.rename.get(c, c) for c, kind in inp.columns.items() if kind == "money"]
    out = []
    for i in range(copies):
        r = dict(t)
        r[key] = f"curve-{i + 1:04d}"
        if date_col:
            r[date_col] = period.start.isoformat()
        for c in money:
            if r.get(c) not in (None, ""):
                r[c] = Decimal(str(r[c])) * scale
        out.append(r)
    return out


def _typed_rows(compiled: CompiledPlan, profile: Profile, copies: int, scale: Decimal,
                pid: str, k: int | None) -> dict[str, list[dict]]:
    """What load_inline makes of _data(...) (with the payee's id `pid`, the k-th
    point's keys), built from the profile's typed rows: the same values, since a data
    file's text of a Decimal, a date or a text parses back to itself."""
    plan = compiled.plan
    tx, splits = roles(compiled)
    out: dict[str, list[dict]] = {}
    for name, inp in plan.inputs.items():
        rows = profile.typed.get(name, [])
        col = inp.key if name == "payees" else inp.payee
        if name in splits:
            made = []
        elif name in tx:
            made = []
            money = [c for c, kind in inp.columns.items() if kind == "money"]
            for i in range(copies if rows else 0):
                r = dict(rows[0])
                r[inp.key] = f"curve-{i + 1:04d}" + ("" if k is None else f"~{k}")
                if inp.date:
                    r[inp.date] = profile.period.start
                for c in money:
                    if r.get(c) is not None:
                        r[c] = Decimal(str(r[c])) * scale
                made.append(r)
        elif name == "payees":
            made = [dict(r) for r in rows[:1]]
            if inp.manager:
                for r in made:
                    r[inp.manager] = None  # a team of one
        else:
            made = [dict(r) for r in rows]
        if col:
            for r in made:
                r[col] = pid
        out[name] = made
    return out


def _tables(compiled: CompiledPlan, profile: Profile, wanted: list[tuple[int, Decimal]],
            ids: list[str], problems: list) -> dict:
    """The made-up payees' tables, one payee an id of `ids` per (copies, scale): from
    the typed rows where the profile has them, else through load_inline as a
    scenario's rows are."""
    plan = compiled.plan
    if profile.typed is not None:
        tables = {name: Table(name, f"curve:{name}") for name in plan.inputs}
        for k, ((copies, scale), pid) in enumerate(zip(wanted, ids)):
            for name, rows in _typed_rows(compiled, profile, copies, scale, pid,
                                          k if len(ids) > 1 else None).items():
                tables[name].rows.extend(rows)
        for table in tables.values():
            for n, r in enumerate(table.rows, 1):
                r[ROW] = n
        return tables
    tx, _ = roles(compiled)
    data: dict[str, list[dict]] = {name: [] for name in plan.inputs}
    for k, ((copies, scale), pid) in enumerate(zip(wanted, ids)):
        for name, rows in _data(compiled, profile, copies, scale).items():
            if len(ids) == 1:
                data[name].extend(rows)
                continue
            inp = plan.inputs[name]
            col = inp.key if name == "payees" else inp.payee
            col = inp.rename.get(col, col) if col else None
            key = inp.rename.get(inp.key, inp.key) if name in tx and inp.key else None
            for r in rows:
                if col:
                    r[col] = pid
                if key:
                    r[key] = f"{r[key]}~{k}"
                data[name].append(r)
    return load_inline(plan, data, "curve", problems)


def _run(compiled: CompiledPlan, profile: Profile, measure: str, copies: int,
         scale: Decimal) -> Point | str:
    q = _quick(compiled, profile) if copies == 1 else None
    if q is not None:
        return q.point(scale, measure)
    problems: list = []
    tables = _tables(compiled, profile, [(copies, scale)], [profile.payee], problems)
    if problems:
        return "; ".join(p.text for p in problems[:3])
    try:
        result = run_plan(compiled, tables, profile.period)
    except Exception as e:  # noqa: BLE001 - a data problem of the made-up profile
        probs = getattr(e, "problems", None)
        return "; ".join(p.text for p in probs[:3]) if probs else str(e)
    return _point(result.payee(profile.payee), profile.payee, measure)


def _point(pr, payee: str, measure: str) -> Point | str:
    if pr is None:
        return f"the engine paid no payee '{payee}'"
    x = pr.measure_values.get(measure)
    comps = {k: v for k, v in pr.components.items() if k not in TIMING}
    limited = sorted({ln.component for ln in pr.lines if ln.kind in ("cap", "floor")})
    paid = {ln.component for ln in pr.lines if ln.kind in ("credit", "bonus")}
    unlimited = dict(comps)
    for ln in pr.lines:
        if ln.kind in ("cap", "floor") and ln.component in unlimited:
            unlimited[ln.component] -= ln.amount
    return Point(Decimal(x) if x is not None else None, sum(comps.values(), Decimal(0)),
                 comps, limited, dict(pr.measure_values), paid, unlimited,
                 dict(pr.tables))


def quick_refusal(compiled: CompiledPlan) -> str | None:
    """Why a curve's points must be engine runs (None: Quick may work them out).

    Quick pays one made-up payee on their own rows, point after point, with the payee
    stage's own steps (measures, earnings, their caps and floors: engine/pay.py); it
    leaves out what a run does around that: other payees' figures (team(), group(),
    pools, rollups), other periods (windows), a cap on the total, currencies, payees
    paid at several frequencies. Those plans keep a run per curve."""
    plan = compiled.plan
    if not alone(compiled) or compiled.groups is not None:
        return "pay reads other payees' figures"
    if any(c.spec.rollup is not None for c in compiled.credits):
        return "credits roll up to managers"
    if compiled.windows:
        return "the plan reads other periods"
    if compiled.total:
        return "a cap or floor on the total"
    if plan.fx is not None or any(inp.currency for inp in plan.inputs.values()):
        return "amounts in several currencies"
    if frequency_column(compiled):
        return "payees paid at several frequencies"
    return None


class Quick:
    """A profile's made-up payee, prepared once, paid at any size of its transaction
    without a run: what makes a statement's curve cheap (issue 14).

    A curve's point is one made-up transaction resized (ONE_TRANSACTION). Its pay is
    the payee stage's for the made-up payee: the credit made again from the resized row
    (prepare.make_credits: the plan's credit rules), the measures and earnings worked
    out in the plan's order by their compiled expressions (tiered() splits the credit
    across the payee's rate table moved into amount space, as in a run), each line
    rounded by the plan's rule, caps and floors by pay.limit. The payee's factors
    (quota, target incentive, KPIs) and caps are read from their own rows as the run
    reads them, since the made-up payee is prepared from those rows. What a run adds
    (line texts, results, the data's checks) a curve does not draw, and it was most of
    a point's cost: the points are the engine's to the cent (test_issue14_curve_rates).
    """

    def __init__(self, compiled: CompiledPlan, profile: "Profile"):
        plan = compiled.plan
        self.compiled, self.pid, self.period = compiled, profile.payee, profile.period
        problems: list = []
        tables = _tables(compiled, profile, [(1, Decimal(1))], [profile.payee], problems)
        if problems:
            raise ValueError("; ".join(p.text for p in problems[:3]))
        with decimal.localcontext(CONTEXT):
            self.prep = prepare(compiled, tables, profile.period)
        if self.prep.problems:
            raise ValueError("; ".join(p.text for p in self.prep.problems[:3]))
        tx, _ = roles(compiled)
        self.rows = {n: tables[n].rows[0] for n in tx if tables[n].rows}
        self.money = {n: [c for c, kind in plan.inputs[n].columns.items() if kind == "money"]
                      for n in self.rows}
        self.env = pay_mod.payee_env(compiled, self.prep, profile.period, self.pid)
        made = {c.name for c in compiled.credits} | set(self.rows)
        self.kept = {k: v for k, v in self.env.sets.items() if k not in made}
        self.raw = {n: self.env.sets[n][0] for n in self.rows if self.env.sets.get(n)}
        # the credit rules, each on the resized row as prepare.make_credits applies them
        # (no split, window or rollup: quick_refusal): (rule, input, its credit at size 1)
        self.credits = []
        for c in compiled.credits:
            first = (self.env.sets.get(c.name) or [None])[0]
            if c.spec.from_ in self.rows and first is not None:
                self.credits.append((c, c.spec.from_, first))
            elif c.spec.from_ in self.rows:  # a rule the transaction does not meet at size 1
                raise ValueError(f"credit {c.name}: not made at the profile's size")
        self.credit_env = Env(compiled.params, profile.period.attrs(), self.prep.payees,
                              compiled.python)
        self.credit_env.payee_of_row = lambda row: self.env.payee
        self.cache = dict(self.env.cache)
        self.step = plan.rounding.to or minor_unit(plan.currency)
        self.mode = plan.rounding.mode
        self.round = pay_mod.rounder(self.step, self.mode)

    def _resized(self, scale: Decimal) -> dict[str, Table]:
        out = {}
        for name, row in self.rows.items():
            r = dict(row)
            for c in self.money[name]:
                if r.get(c) is not None:  # as _typed_rows resizes: outside the engine's context
                    r[c] = Decimal(str(r[c])) * scale
            out[name] = Table(name, f"curve:{name}")
            out[name].rows.append(r)
        return out

    def point(self, scale: Decimal, measure: str) -> "Point | str":
        """The made-up payee's pay with their transaction `scale` times its size."""
        rows = self._resized(scale)
        try:
            with decimal.localcontext(CONTEXT):
                return self._pay(rows, measure)
        except Exception as e:  # noqa: BLE001 - a data problem of the made-up profile
            return str(e)

    def _pay(self, rows: dict[str, Table], measure: str) -> "Point":
        compiled, env = self.compiled, self.env
        sets = dict(self.kept)
        for name, base in self.raw.items():  # an input the plan reads as a set itself
            sets[name] = [{**base, **rows[name].rows[0]}]
        cenv = self.credit_env
        for c, source, first in self.credits:
            row = rows[source].rows[0]
            if c.when is not None and cenv.fns.fast(c.when)(cenv, row) is not True:
                sets[c.name] = []
                continue
            sets[c.name] = [{**first, **row, "value": cenv.fns.fast(c.value)(cenv, row)}]
        env.sets = sets
        env.cache, env.measures, env.earnings, env.warnings = dict(self.cache), {}, {}, []
        comps, limited, paid, unlimited = {}, [], set(), {}
        for e in compiled.steps:
            if isinstance(e, MeasureStep):
                env.measures[e.name] = env.fns.fast(e.expr)(env, None)
                continue
            total, lines = self._earn(e)
            unlimited[e.name] = total
            for kind in ("cap", "floor"):
                expr = getattr(e, kind)
                value = env.fns.fast(expr)(env, None) if expr is not None else None
                if value is not None:  # pay._limit's arithmetic, without its line's text
                    value = round_to(Decimal(value), self.step, self.mode)
                    if pay_mod.limits(kind, value, total):
                        total = value
                        if e.name not in limited:
                            limited.append(e.name)
            env.earnings[e.name] = total
            comps[e.name] = total
            if lines:
                paid.add(e.name)
        comps = {k: v for k, v in comps.items() if k not in TIMING}
        x = env.measures.get(measure)
        return Point(Decimal(x) if x is not None else None, sum(comps.values(), Decimal(0)),
                     comps, sorted(limited), dict(env.measures), paid,
                     {k: v for k, v in unlimited.items() if k in comps}, tables_of(env))

    def _earn(self, e) -> tuple[Decimal, int]:
        """An earning's lines added up, each rounded on its own (pay._earn's sum)."""
        env, total, lines = self.env, Decimal(0), 0
        if e.spec.each:
            when = env.fns.fast(e.when) if e.when is not None else None
            for row in env.sets.get(e.spec.each, ()):
                if when is not None and when(env, row) is not True:
                    continue
                env.splits, env.basis_trace = None, None
                v = env.fns.fast(e.value)(env, row)
                if v is not None:
                    total += self._line(v)
                    lines += 1
            return total, lines
        if e.when is not None and env.fns.fast(e.when)(env, None) is not True:
            return total, 0
        env.splits, env.basis_trace = None, None
        v = env.fns.fast(e.value)(env, None)
        return (Decimal(0), 0) if v is None else (self._line(v), 1)

    def _line(self, value) -> Decimal:
        if value.__class__ is not Decimal:
            value = Decimal(value)
        return unsigned_zero(self.round(unsigned_zero(value)))


def _quick(compiled: CompiledPlan, profile: "Profile") -> "Quick | None":
    """The profile's Quick (made once), or None where the plan wants runs."""
    if not QUICK or quick_refusal(compiled) is not None:
        return None
    q = getattr(profile, "quick", None)
    if q is None:
        try:
            q = Quick(compiled, profile)
        except Exception:  # noqa: BLE001 - the engine's runs say what is wrong
            q = False
        profile.quick = q
    return q or None


def alone(compiled: CompiledPlan) -> bool:
    """Whether each payee's pay depends on their own rows alone (no team(), group()
    or pool): then made-up payees can be worked out side by side in one run."""
    groups = compiled.groups
    return not compiled.uses_team and not (groups is not None and
                                           (groups.payee_groups or groups.pools))


def _run_all(compiled: CompiledPlan, profile: Profile, measure: str,
             wanted: list[tuple[int, Decimal]]) -> list[Point | str]:
    """[_run(...) for each (copies, scale)], in one engine run where the plan pays each
    payee on their own rows (alone): each point a made-up payee of its own (the
    profile's rows under another id), so the engine's fixed work per run is done once
    (a curve's 25 to 30 runs were a third of a statement's time). Anything the one
    run cannot do is done point by point, as before, with each point's own problem."""
    q = _quick(compiled, profile) if all(c == 1 for c, _ in wanted) else None
    if q is not None:
        return [q.point(s, measure) for _, s in wanted]
    if len(wanted) < 2 or not alone(compiled):
        return [_run(compiled, profile, measure, c, s) for c, s in wanted]
    ids = [f"{profile.payee}~curve{k}" for k in range(len(wanted))]
    problems: list = []
    tables = _tables(compiled, profile, wanted, ids, problems)
    try:
        result = None if problems else run_plan(compiled, tables, profile.period)
    except Exception:  # noqa: BLE001 - worked out point by point below, with its reason
        result = None
    if result is None:
        return [_run(compiled, profile, measure, c, s) for c, s in wanted]
    return [_point(result.payee(pid), profile.payee, measure) for pid in ids]


def pick_measure(compiled: CompiledPlan, name: str | None = None) -> tuple[str | None, str]:
    """The x axis: the named measure, or the first one named *attainment*, or the first
    a tier table is on, or the first ratio measure. (None, why) when there is none."""
    measures = {m.name: m for m in compiled.measures}
    if name:
        return (name, "") if name in measures else (None, f"the plan has no measure '{name}'")
    for m in compiled.measures:
        if "attainment" in m.name:
            return m.name, ""
    for table in compiled.tier_tables:
        basis = _basis_measure(compiled, table)
        if basis is not None:
            return basis, ""
    for m in compiled.measures:
        if m.expr.type is not None and m.expr.type.kind == RATIO:
            return m.name, ""
    return None, "the plan has no attainment (ratio) measure to draw against"


def depends_on(compiled: CompiledPlan, measure: str) -> set[str]:
    """The earnings whose pay moves with a measure (through the measures, earnings and
    rate tables they read)."""
    deps = compiled.checked.deps
    out = set()
    for e in compiled.earnings:
        seen, todo = {e.name}, [e.name]
        while todo:
            for d in deps.get(todo.pop(), ()):
                if d == measure:
                    out.add(e.name)
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
    return out


def through_team_only(compiled: CompiledPlan, measure: str) -> set[str]:
    """The earnings that move with a measure only through what they read of the payee's
    team: a manager's override, 5% of team(commission), moves with the reps'
    attainment, not with the manager's own. A curve of the payee's own measure leaves
    them out: its made-up payee has no team, and the payee's own figure does not move
    them (issue 14: a manager's curve is their team commission against attainment)."""
    deps = compiled.checked.deps

    def reaches(name: str) -> bool:
        seen, todo = {name}, [name]
        while todo:
            n = todo.pop()
            if n == measure:
                return True
            for d in deps.get(n, ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return False
    out = set()
    for e in compiled.earnings:
        inside, outside = set(), set()
        for x in (e.when, e.value, e.cap, e.floor):
            if x is None:
                continue
            in_team = {id(m) for n in ast.walk(x.node)
                       if isinstance(n, ast.Call) and n.name == "team" for m in ast.walk(n)}
            for r in ast.refs(x.node):
                (inside if id(r) in in_team else outside).add(r.parts[0])
        if e.spec.each:
            outside.add(e.spec.each)
        if any(reaches(n) for n in inside) and not any(reaches(n) for n in outside):
            out.add(e.name)
    return out


def gate_bounds(compiled: CompiledPlan, measure: str) -> list[Decimal]:
    """Where a gate on the measure opens: `measure >= 80%`, `measure >= kpi_gate`."""
    checked, out = compiled.checked, set()
    for e in compiled.earnings:
        if e.when is None:
            continue
        for node in ast.walk(e.when.node):
            if not (isinstance(node, ast.Compare) and node.op in (">=", ">", "<", "<=")):
                continue
            left = checked.resolved.get(node.left) if isinstance(node.left, ast.Ref) else None
            if left is None or left.kind != "measure" or left.name != measure:
                continue
            if isinstance(node.right, ast.Number):
                out.add(node.right.value)
            elif isinstance(node.right, ast.Ref):
                res = checked.resolved.get(node.right)
                value = compiled.params.get(res.name) if res and res.kind == "param" else None
                if isinstance(value, Decimal):
                    out.add(value)
    return sorted(b for b in out if b > 0)


def compute(compiled: CompiledPlan, profile: Profile, measure: str | None = None,
            points: int = 81, up_to: Decimal | None = None,
            reach: Decimal | None = None, components: set[str] | None = None) -> Curve:
    """The curve for a profile, its x axis running to `up_to` (or past the last tier
    bound) and at least past `reach` (the payee's own point, which is one of the
    points worked out). With `components`, pay is those components' only (the ones
    that move with the measure, on a plan paid on several). Problems come back in
    `curve.problems`, never raised."""
    plan = compiled.plan
    name, why = pick_measure(compiled, measure)
    kind = next((m.expr.type.kind for m in compiled.measures if m.name == name
                 and m.expr.type is not None), None)
    curve = Curve(plan.plan, name or "", kind, profile.payee, profile.period.label,
                  plan.currency)
    if name is None:
        curve.problems.append(why)
        return curve
    one, by_size = _run_all(compiled, profile, name, [(1, Decimal(1)), (1, Decimal(2))])
    if isinstance(one, str) or not one.x:
        curve.problems.append(one if isinstance(one, str) else
                              f"{name} stays at 0 with the profile's transactions; the "
                              "curve needs a profile whose transactions move it")
        return curve
    if isinstance(by_size, str):
        curve.problems.append(by_size)
        return curve
    by_count = None  # two transactions, tried only where one resized does not move x
    if not _double(by_size.x, one.x):
        by_count = _run(compiled, profile, name, 2, Decimal(1))
        if isinstance(by_count, str):
            curve.problems.append(by_count)
            return curve
    tables = _payee_tier_tables(compiled, one.tables)
    top = up_to or _extent(compiled, name, tables)
    if reach is not None and reach * Decimal("1.1") > top:
        top = reach * Decimal("1.1")
    step = top / (points - 1)
    curve.one_x, curve.step, curve.top = one.x, step, top
    if _double(by_size.x, one.x):
        curve.mode = "size"
        # each point one transaction, resized so that the measure lands where wanted (see
        # ONE_TRANSACTION); on each tier bound and gate, and just below those where pay
        # may jump, so that steps show as steps; a bound that is also a gate once
        wanted = {i * step for i in range(points)}
        wanted |= set(_bounds_on(compiled, name, tables) + gate_bounds(compiled, name))
        wanted |= {b - step / 100 for b in _jumps_on(compiled, name, tables)}
        if reach:  # the payee's own x, worked out by the engine like every other point
            wanted.add(reach)
        plan_points = [(1, w / one.x) for w in sorted(wanted)]
    elif by_count is not None and _double(by_count.x, one.x):
        curve.mode = "count"
        wanted = [top * i / (points - 1) for i in range(points)] + \
            [b for b in gate_bounds(compiled, name) + _bounds_on(compiled, name, tables)
             if b <= top]
        wanted += [reach] if reach else []
        plan_points = sorted({(min(int(w / one.x + Decimal("0.5")), MAX_COPIES), Decimal(1))
                              for w in wanted})
    else:
        curve.problems.append(f"{name} does not grow in step with the size or the number "
                              "of the profile's transactions; no curve drawn")
        return curve
    curve.components = components
    curve.quick = _quick(compiled, profile) if curve.mode == "size" else None
    for p in _run_all(compiled, profile, name, plan_points):
        if isinstance(p, str):
            curve.problems.append(p)
            return curve
        if p.x is not None:
            curve.points.append(p)
    kinks = _limit_starts(curve.points) if curve.mode == "size" else []
    for p in _run_all(compiled, profile, name, [(1, k / one.x) for k in kinks]):
        if isinstance(p, Point) and p.x is not None:  # a point the curve can do without
            curve.points.append(p)
    curve.points.sort(key=lambda p: p.x)
    if components is not None:
        for p in curve.points:
            p.total = sum((v for k, v in p.components.items() if k in components),
                          Decimal(0))
    curve.markers = _tiers(compiled, curve, tables) + _limits(curve) + \
        _gates(compiled, curve)
    return curve


def _limit_starts(points: list[Point]) -> list[Decimal]:
    """Where a cap (or floor) starts or stops holding a component between two points:
    the x at which the component before its limit reaches the limit, on the straight
    line through the two points (no tier bound or gate lies between two points: each
    is a point). The engine works out one more point there, so the drawn line bends
    where the plan's does, not at the next point (a curve's points are a step of the
    axis apart: 1/12 of it on a statement)."""
    out = set()
    for p, q in zip(points, points[1:]):
        for c in set(p.limited) ^ set(q.limited):
            held = q if c in q.limited else p  # the point the limit holds at
            up, uq = p.unlimited.get(c), q.unlimited.get(c)
            limit = held.components.get(c)
            if None in (up, uq, limit) or up == uq:
                continue
            x = p.x + (limit - up) * (q.x - p.x) / (uq - up)
            if p.x < x < q.x:
                out.add(x)
    return sorted(out)


def _payee_tier_tables(compiled: CompiledPlan, own: dict) -> dict:
    """The tier tables as they apply to the profile's payee: the plan's, and for a table
    whose bounds read the payee (to: targets.meetings) the one their run built."""
    return {name: own.get(name) if table.per_payee else table
            for name, table in compiled.tier_tables.items()
            if not table.per_payee or own.get(name) is not None}


def point_at(compiled: CompiledPlan, profile: Profile, curve: Curve,
             x: Decimal) -> Point | str:
    """One more point of a curve worked out (for the same profile or one like it, see
    signature): the engine's pay where the measure is `x`."""
    if curve.mode == "size":
        copies, scale = 1, x / curve.one_x
        if curve.quick is not None:  # a payee with the curve's signature pays the same
            p = curve.quick.point(scale, curve.measure)
            if isinstance(p, Point) and curve.components is not None:
                p.total = sum((v for k, v in p.components.items()
                               if k in curve.components), Decimal(0))
            return p
    else:
        copies, scale = min(int(x / curve.one_x + Decimal("0.5")), MAX_COPIES), Decimal(1)
    p = _run(compiled, profile, curve.measure, copies, scale)
    if isinstance(p, Point) and curve.components is not None:
        p.total = sum((v for k, v in p.components.items() if k in curve.components),
                      Decimal(0))
    return p


def signature(compiled: CompiledPlan, profile: Profile) -> tuple:
    """What a curve of the profile depends on: its payees row, targets and KPIs, and
    the first transaction of each input (the one repeated), less the ids, names, dates
    and manager the engine pays nothing on. Payees with one signature share a curve."""
    tx, splits = roles(compiled)
    out = []
    typed = profile.typed  # a statement's profile: its typed rows, by the plan's names
    for name, inp in sorted(compiled.plan.inputs.items()):
        if name in splits:
            continue
        drop = {c if typed is not None else inp.rename.get(c, c)
                for c in (inp.key, inp.payee, inp.manager, inp.date) if c} | \
            ({"name"} if name == "payees" else set()) | {ROW, "_defaulted"}
        rows = (typed if typed is not None else profile.rows).get(name, [])
        rows = rows[:1] if name in tx or name == "payees" else rows
        out.append((name, tuple(tuple(sorted((k, str(v)) for k, v in r.items()
                                             if k not in drop)) for r in rows)))
    return (profile.period.label, tuple(out))


def _double(twice, once) -> bool:
    """Whether `twice` is two times `once`, but for the last digits of a division: a
    quotient has 16 places (docs/language.md, "Arithmetic and rounding"), so twice a
    rounded quotient may be 1.5 units of the 16th place from the quotient of twice."""
    if twice is None or once is None:
        return False
    return abs(Decimal(twice) - 2 * Decimal(once)) <= Decimal("2e-16") + \
        abs(Decimal(once)) * Decimal("1e-20")


def _bounds_on(compiled: CompiledPlan, measure: str, tables: dict | None = None
               ) -> list[Decimal]:
    """Where pay changes its slope along the measure: the tier bounds of tables on it
    (`tables`: the payee's, see _tables), and the points of curves read at it (so the
    drawn line bends where the plan's does)."""
    tables = compiled.tier_tables if tables is None else tables
    return sorted({b.high for name, table in tables.items()
                   if _basis_measure(compiled, name) == measure
                   for b in table.bands if b.high is not None and b.high > 0} |
                  {x for x in _curve_points_on(compiled, measure) if x > 0})


def _jumps_on(compiled: CompiledPlan, measure: str, tables: dict | None = None
              ) -> list[Decimal]:
    """Where pay may jump along the measure: its gates, and the bounds of its tier
    tables save those paid only through tiered() in marginal mode (a marginal split is
    continuous at a bound, so no point just below it is needed; a whole table, or
    rate() of any table, changes the rate of the whole amount there)."""
    checked = compiled.checked
    continuous = {name for name, t in compiled.tier_tables.items() if t.mode == "marginal"}
    for node in checked.exprs.values():
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and call.args and call.name != "tiered":
                res = checked.resolved.get(call.args[0])
                if res is not None and res.kind == "rate":
                    continuous.discard(res.name)
    out = set(gate_bounds(compiled, measure))
    tables = compiled.tier_tables if tables is None else tables  # the payee's: _bounds_on
    for name, table in tables.items():
        if name not in continuous and _basis_measure(compiled, name) == measure:
            out |= {b.high for b in table.bands if b.high is not None and b.high > 0}
    return sorted(out)


def _curve_points_on(compiled: CompiledPlan, measure: str) -> set[Decimal]:
    """The x of every point of a curve read at the measure: rate(curve, measure), or
    rate(curve) of a curve whose basis is the measure."""
    checked, out = compiled.checked, set()
    for node in checked.exprs.values():
        for call in ast.walk(node):
            if not (isinstance(call, ast.Call) and call.name == "rate" and call.args):
                continue
            res = checked.resolved.get(call.args[0])
            curve = compiled.curves.get(res.name) if res is not None else None
            if curve is None:
                continue
            on = _measure_of(checked, call.args[1]) if len(call.args) > 1 else \
                _basis_measure(compiled, res.name)
            if on == measure:
                out |= {x for x, _ in curve.points}
    return out


def _measure_of(checked, node) -> str | None:
    res = checked.resolved.get(node) if isinstance(node, ast.Ref) else None
    return res.name if res is not None and res.kind == "measure" else None


def _extent(compiled: CompiledPlan, measure: str, tables: dict | None = None) -> Decimal:
    """How far the x axis runs: 200%, or past the last tier bound on the measure."""
    bounds = _bounds_on(compiled, measure, tables)
    return max([Decimal(2)] + [bounds[-1] * Decimal("1.25")] if bounds else [Decimal(2)])


def _basis_measure(compiled: CompiledPlan, table: str) -> str | None:
    node = compiled.checked.exprs.get(("rates", table, "basis"))
    if isinstance(node, ast.Ref):
        res = compiled.checked.resolved.get(node)
        if res is not None and res.kind == "measure":
            return res.name
    return None


def _tiers(compiled: CompiledPlan, curve: Curve, tables: dict | None = None) -> list[Marker]:
    out = []
    tables = compiled.tier_tables if tables is None else tables
    for name, table in tables.items():
        basis = _basis_measure(compiled, name)
        if basis is None:
            continue
        for band, above in zip(table.bands, table.bands[1:]):
            if band.high is None:
                continue
            x = band.high if basis == curve.measure else _where(curve, basis, band.high)
            if x is not None:
                out.append(Marker("tier", x, f"{name}: {basis}", bound=band.high,
                                  rates=(band.rate, above.rate), per_unit=table.per_unit))
    return out


def _where(curve: Curve, measure: str, value: Decimal) -> Decimal | None:
    """The x at which another measure reaches `value`, between two engine points."""
    pts = [(p.x, p.measures.get(measure)) for p in curve.points]
    for (x0, v0), (x1, v1) in zip(pts, pts[1:]):
        if v0 is None or v1 is None or v0 == v1:
            continue
        if min(v0, v1) <= value <= max(v0, v1):
            return x0 + (x1 - x0) * (Decimal(value) - Decimal(v0)) / (Decimal(v1) - Decimal(v0))
    return None


def _limits(curve: Curve) -> list[Marker]:
    out, seen = [], set()
    for p in curve.points:
        for c in p.limited:
            if c not in seen:
                seen.add(c)
                out.append(Marker("cap", p.x, c, p.components.get(c, p.total)))
    return out


def _gates(compiled: CompiledPlan, curve: Curve) -> list[Marker]:
    out = []
    for e in compiled.earnings:
        if e.when is None or e.spec.each:
            continue
        was = None
        for p in curve.points:
            on = e.name in p.paid
            if was is not None and on != was:
                out.append(Marker("gate", p.x, f"{e.name} {'on' if on else 'off'}"))
            was = on
    return out
