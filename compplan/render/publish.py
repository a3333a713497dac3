"""Write a run's statements: a folder per payee (HTML, PDF, CSV, JSON) and an index
page for admins.

Each payee's folder holds their statement and nothing else, so it can be sent to them
as it is; the index, which lists everyone's pay, sits beside the folders and is for
comp admins and finance. Whatever goes wrong for one payee (a PDF that cannot be laid
out, a curve the profile cannot draw, an unknown locale) is reported on the index and
in the returned report; the other payees' statements are still written.
"""
from __future__ import annotations

import copy
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from babel.numbers import get_currency_precision

from ..engine.ir import CompiledPlan
from ..engine.money import places_of
from ..engine.results import PayeeResult, RunResult
from ..periods import parse_period
from . import curve, html, parallel, pdf, rows, stored, svgchart, tables
from .locale import Fmt, resolve, shared
from .statement import Header, Note, Statement, YearToDate, build

FORMATS = ("html", "pdf", "csv", "json")
CURVE_NOTE = ("The curve is the plan worked out by the engine for a payee like you (your "
              "targets, your first transaction that counts, repeated or resized); the dot "
              "is your pay for this period.")


@dataclass
class Entry:
    """One payee's line on the admins' index."""

    payee: str
    name: str
    locale: str
    lines: int
    total: Decimal
    currency: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (format, relative path)
    problems: list[str] = field(default_factory=list)


@dataclass
class Report:
    out: Path
    index: Path | None
    entries: list[Entry]

    @property
    def problems(self) -> list[str]:
        return [f"{e.payee}: {p}" for e in self.entries for p in e.problems]


class _Context:
    """What every payee's statement of one run shares."""

    def __init__(self, compiled: CompiledPlan, header: Header, data_dir: Path | None,
                 formats=FORMATS, curves: bool = True, pdf_engine: str = "auto",
                 appendix: bool = False):
        self.compiled, self.header, self.formats, self.curves = compiled, header, formats, curves
        self.appendix = appendix  # the PDF prints the auditor's section (html.print_page)
        self.pdf_engine = pdf.engine_for_runs(pdf_engine) if "pdf" in formats else None
        self.tables, self.locales = {}, {}
        if data_dir is not None:
            self.tables, _ = rows.load(compiled, data_dir)
            self.locales = rows.locales(compiled, data_dir)
        step = compiled.plan.rounding.to
        self.step_places = places_of(step) if step else 0
        self.places = max(get_currency_precision(compiled.plan.currency), self.step_places)
        self.period = parse_period(header.period)
        self.default, self.default_problem = resolve(compiled.plan.locale)
        self.described = described_rows(compiled, self.tables)
        self.curves_seen: dict = {}  # curves shared by payees alike (a worker's own copy)
        self.drawings: dict = {}  # those curves drawn, per language (svgchart.Drawing)
        self._by_payee: dict | None = None  # rows.rows_by_payee, built on first use
        self._managers: dict | None = None  # payee -> their manager, built on first use

    def index_rows(self) -> None:
        """Index every input's rows by payee, once: done before the workers are forked,
        they share it (each built its own copy before, the same work twice)."""
        if self._by_payee is None:
            self._by_payee = rows.rows_by_payee(self.compiled, self.tables)

    def own_rows(self, payee: str) -> dict[str, list[dict]]:
        """The payee's own rows of each input (indexed for the whole run, once)."""
        self.index_rows()
        got = self._by_payee.get(payee)
        return dict(got) if got is not None else rows.own_rows(self.compiled, self.tables,
                                                               payee)

    def team_row(self, name: str, payee: str) -> dict | None:
        """The first row of input `name` that a payee below `payee` was credited with,
        where that input's credits roll up to their managers: a manager's curve
        resizes it as their own (their measure counts the team's rows, and they have
        none of their own). None where there is no such row or no rollup."""
        plan = self.compiled.plan
        payees, inp = plan.inputs.get("payees"), plan.inputs.get(name)
        if payees is None or not payees.manager or inp is None or not inp.payee or \
                not any(c.spec.rollup and c.spec.from_ == name for c in self.compiled.credits):
            return None
        if self._managers is None:
            self._managers = {str(r.get(payees.key)): str(r.get(payees.manager) or "")
                              for r in self.tables["payees"].rows} \
                if "payees" in self.tables else {}
        for r in self.tables[name].rows if name in self.tables else ():
            boss, seen = self._managers.get(str(r.get(inp.payee)), ""), set()
            while boss and boss not in seen:  # up the reporting line, once round a loop
                if boss == payee:
                    return r
                seen.add(boss)
                boss = self._managers.get(boss, "")
        return None

    def places_for(self, st: Statement) -> int:
        """The fewest decimals a statement shows money with: its currency's, or the plan's
        rounding step's where the payee is paid in the plan's currency."""
        own = get_currency_precision(st.currency)
        return max(own, self.step_places) if st.currency == self.compiled.plan.currency \
            else own


def described_rows(compiled: CompiledPlan, tables: dict) -> dict[str, dict]:
    """'deals:A-101' -> its row, for the inputs whose rows a `describe:` names for
    people (read once for the run, not per payee)."""
    out = {}
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if not inp.describe or not inp.key or table is None:
            continue
        for r in table.rows:
            out[f"{name}:{r.get(inp.key)}"] = r
    return out


def statement_for(ctx: _Context, pr: PayeeResult, ytd: YearToDate | None) -> Statement:
    """One payee's statement, with their own point on the payout curve where it can be
    drawn from their own data."""
    own = ctx.own_rows(pr.payee)
    code, problem = resolve(ctx.locales.get(pr.payee), ctx.default)
    behind = {s: ctx.described[s] for ln in pr.lines for s in ln.sources
              if s in ctx.described}
    st = build(pr, ctx.compiled, ctx.header, code, ytd, own, source_rows=behind)
    st.problems = [p for p in (ctx.default_problem, problem) if p]
    if ctx.curves:
        _add_curve(ctx, st, own)
    return st


def paid_measures(compiled: CompiledPlan, st: Statement) -> list[tuple[str, set[str]]]:
    """What a payee's curve can be drawn against, best first: on a plan paid on several
    measures (a bonus per KPI), the measure behind most of their pay, with only the
    components that move with it; the plan's attainment measure first when it moves
    every component (or on a tie)."""
    default, _ = curve.pick_measure(compiled)
    earnings = {e.name for e in compiled.earnings}
    if default is not None and curve.depends_on(compiled, default) >= earnings:
        return [(default, earnings)]
    paid = {k.name: k.amount for k in st.components if k.name in earnings}
    bases = [b for b in (curve._basis_measure(compiled, n) for n in compiled.tier_tables) if b]
    ratios = [m.name for m in st.measures if m.kind == "ratio"
              and m.display in (None, "percent")]
    ranked = []
    for i, name in enumerate(dict.fromkeys(([default] if default else []) + bases + ratios)):
        moved = curve.depends_on(compiled, name)
        if moved:
            pay = sum((paid.get(n, Decimal(0)) for n in moved), Decimal(0))
            ranked.append((-pay, i, name, moved))
    return [(name, moved) for _, _, name, moved in sorted(ranked, key=lambda r: r[:2])]


# On a statement (84 mm wide in print): tier bounds, gates, where a cap starts and the
# payee's x come on top, so the line bends where the plan does; each point is a made-up
# payee the engine pays (41 of them were two thirds of a statement's time with its
# curve; 21 to 13 saved a fifth of a curve's CPU, issue 14)
CURVE_POINTS = 13


def _shared_curve(ctx: _Context, profile, measure: str, comps: set[str], x):
    """The curve for a profile, worked out once for every payee with the same
    signature (curve.signature) and the same measure, plus the payee's own point."""
    key = (measure, frozenset(comps), curve.signature(ctx.compiled, profile))
    base = ctx.curves_seen.get(key)
    if base is None or (x is not None and x * Decimal("1.1") > base.top):
        base = curve.compute(ctx.compiled, profile, measure, CURVE_POINTS,
                             reach=x, components=comps)
        if x is None or base.top is None or x * Decimal("1.1") <= base.top:
            ctx.curves_seen[key] = base
        return base
    c = copy.copy(base)
    c.payee, c.points, c.base = profile.payee, list(base.points), base
    if x is not None and not base.problems:
        p = curve.point_at(ctx.compiled, profile, base, x)
        if isinstance(p, str):
            c.problems = [p]
        elif p.x is not None:
            c.points = sorted(c.points + [p], key=lambda q: q.x)
    return c


def on_curve(cx: Decimal, cy: Decimal, x: Decimal, y: Decimal) -> bool:
    """Whether the engine's point (cx, cy) is the payee's (x, y), but for rounding: the
    made-up transactions are whole cents and each line is rounded on its own, so x
    may differ in its 4th significant digit and pay by a few cents (0.1% at most)."""
    return abs(cx - x) <= abs(x) * Decimal("1e-4") and \
        abs(cy - y) <= max(Decimal("0.10"), abs(y) * Decimal("0.001"))


def counted_first(compiled: CompiledPlan, own: dict, st: Statement) -> dict:
    """The payee's rows with, in each transaction input, the first row a line of theirs
    was paid on put first: the curve repeats or resizes a payee's first transaction,
    and where that one counts for nothing (a services deal, say) the measure never
    moved and a payee got no curve (9 of 60 generated AE payees)."""
    sources = {s for ln in st.lines for s in ln.sources}
    if not sources:
        return own
    tx, _ = curve.roles(compiled)
    out = dict(own)
    for name in tx:
        inp, rows_ = compiled.plan.inputs[name], own.get(name) or []
        first = next((i for i, r in enumerate(rows_) if f"{name}:{r.get(inp.key)}"
                      in sources), None)
        if first:  # None: no row of it paid; 0: it is first already
            out[name] = [rows_[first]] + rows_[:first] + rows_[first + 1:]
    return out


def _add_curve(ctx: _Context, st: Statement, own: dict) -> None:
    """The payee's point on their payout curve. The dot is their own x and pay; the
    engine works out the curve at that very x too, and a curve that does not pass
    through the dot (pay that hangs on more than the measure drawn) is not drawn."""
    c, team_only = None, set()
    own = counted_first(ctx.compiled, own, st)
    # a curve repeats or resizes the first transaction of each input and reads no other
    # (curve.roles): only that one is turned back into a data file's text
    tx, _ = curve.roles(ctx.compiled)
    own = {name: rs[:1] if name in tx else rs for name, rs in own.items()}
    for name in tx:  # a manager with no transaction of their own: one of their team's
        if not own.get(name):
            row = ctx.team_row(name, st.payee)
            if row is not None:
                own[name] = [row]
    paid = {k.name: k.amount for k in st.components}
    for measure, comps in paid_measures(ctx.compiled, st)[:3]:
        # what they are paid on their team's pay (a manager's override) does not move
        # with their own measure: not on the curve, nor in the dot's y
        team_only = {n for n in curve.through_team_only(ctx.compiled, measure)
                     if paid.get(n)}
        comps = comps - team_only
        profile = curve.profile_from_rows(ctx.compiled, own, st.payee, ctx.period)
        x = next((m.value for m in st.measures if m.name == measure), None)
        x = Decimal(x) if isinstance(x, (Decimal, int)) and not isinstance(x, bool) \
            else None
        c = _shared_curve(ctx, profile, measure, comps, x)
        if not c.problems and c.points:
            break
    if c is None or c.problems or not c.points:
        st.problems.append("no payout curve: " + (c.problems[0] if c and c.problems
                                                   else "no points"))
        return
    y = sum((k.amount for k in st.components if k.name in comps
             and k.name not in curve.TIMING), Decimal(0))
    if x is not None:
        at = min(c.points, key=lambda p: abs(p.x - x))
        if not on_curve(at.x, at.total, x, y):
            st.problems.append(f"no payout curve: the pay drawn against {measure} at "
                               f"{at.x} is {at.total}, the payee's is {y}")
            return
    f = shared(st.locale, st.currency, ctx.places_for(st))  # the page's Fmt, too
    c.names = {m.name: m.label for m in st.measures} | {k.name: f._(k.label)
                                                        for k in st.components}
    if team_only:  # a manager's: the components drawn that pay them
        c.names["total pay"] = " + ".join(f._(k.label) for k in st.shown_components
                                          if k.name in comps and (k.amount or k.lines))
    elif comps != {e.name for e in ctx.compiled.earnings}:
        c.names["total pay"] = " + ".join(f._(k.label) for k in st.components
                                          if k.name in comps)
    st.curve = c
    st.curve_own = (x, y) if x is not None else None
    st.curve_svg = _curve_svg(ctx, c, f, st.curve_own)
    st.curve_note = Note(CURVE_NOTE)


def _curve_svg(ctx: _Context, c, f: Fmt, own) -> str:
    """The payee's curve as SVG: the curve they share with payees alike drawn once per
    language (svgchart.drawing), their dot added to it; drawn whole where their pay is
    above what the shared drawing's axis holds."""
    base = c.base or c
    key = (id(base), f.code, f.places, tuple(sorted(c.names.items())))
    d = ctx.drawings.get(key)
    if d is None:
        named = copy.copy(base)
        named.names = c.names  # in this reader's language
        d = ctx.drawings[key] = svgchart.drawing(named, f)
    if own is None:
        return d.svg
    if own[1] > d.top:
        d = svgchart.drawing(c, f, own)
    return svgchart.with_dot(d, c, own, f)


def _safe(pid: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", pid) or "_"
    base, n = name, 2
    while name.lower() in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name.lower())
    return name


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@dataclass
class _Print:
    """A statement's PDF waiting to be printed with others of its batch (chromium.BATCH)."""

    page: str
    folder: Path
    stem: str
    running: str
    entry: Entry


def write_payee(ctx: _Context, st: Statement, folder: Path,
                prints: list[_Print] | None = None) -> Entry:
    """The payee's own folder: their statement in every format asked for. With
    `prints`, the PDF is left to print_all (several statements in one document)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{ctx.header.plan_id}-{ctx.header.period}-{folder.name}"
    entry = Entry(st.payee, st.name, st.locale, len(st.lines), st.total, st.currency,
                  problems=list(st.problems))
    page = html.statement_html(st, ctx.places_for(st))
    if "html" in ctx.formats:
        _write(folder / f"{stem}.html", page)
    if "pdf" in ctx.formats:
        h, f = ctx.header, shared(st.locale, st.currency, ctx.places_for(st))
        period = h.period + (f" ({f.date(h.period_start)} – {f.date(h.period_end)})"
                             if h.period_start else "")
        job = _Print(html.print_page(page, st, ctx.appendix), folder, stem,
                     f"{st.name} ({st.payee}) · {period}", entry)
        if prints is not None:
            prints.append(job)
        else:
            tmp = folder / f"{stem}.pdf.tmp"
            _printed(job, pdf.write_statement(job.page, tmp, job.running, ctx.pdf_engine))
    if "csv" in ctx.formats:
        _write(folder / f"{stem}.csv", tables.lines_csv(st))
    if "json" in ctx.formats:
        _write(folder / f"{stem}.json", tables.statement_json(st))
    _files(ctx, entry, folder, stem)
    return entry


def _files(ctx: _Context, entry: Entry, folder: Path, stem: str) -> None:
    entry.files = [(fmt, f"{folder.name}/{stem}.{fmt}") for fmt in ctx.formats
                   if (folder / f"{stem}.{fmt}").exists()]


def _printed(job: _Print, problem: str | None) -> None:
    tmp = job.folder / f"{job.stem}.pdf.tmp"
    if problem:
        job.entry.problems.append(problem)
        tmp.unlink(missing_ok=True)
    else:
        tmp.replace(job.folder / f"{job.stem}.pdf")


def print_all(ctx: _Context, prints: list[_Print]) -> None:
    """Print the statements' PDFs in one Chromium document, split into a PDF each
    (chromium.write_pdfs), and name them on their entries."""
    from . import chromium
    problems = chromium.write_pdfs([(j.page, j.folder / f"{j.stem}.pdf.tmp", j.running)
                                    for j in prints])
    for job, problem in zip(prints, problems):
        _printed(job, problem)
        _files(ctx, job.entry, job.folder, job.stem)


def _index(ctx: _Context, out: Path, entries: list[Entry]) -> Path:
    total = sum((e.total for e in entries), Decimal(0))
    path = out / "index.html"
    _write(path, html.index_html(ctx.header, entries, total, ctx.places))
    return path


def write_run(store, run_id: int, out: str | Path, formats=FORMATS, curves: bool = True,
              payees: list[str] | None = None, progress=None, started=None,
              pdf_engine: str = "auto", appendix: bool = False) -> Report:
    """Every payee's statement of a stored run (or only `payees`), and the index.
    `started(n)` is told how many statements there are, `progress(k)` as k more are
    written (in this process, whichever worker wrote them). `appendix`: the PDFs print
    the auditor's section too (the HTML always has it, folded away)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    with store.session() as session, tempfile.TemporaryDirectory() as tmp:
        sr = stored.open_run(session, run_id)
        data = rows.write_dataset(session, sr.run.dataset_id, Path(tmp))
        ctx = _Context(sr.compiled, sr.header, data, formats, curves, pdf_engine, appendix)
        work = []  # read everything from the store first: the second process cannot
        for pid, _name in stored.payee_ids(session, run_id):
            if payees is None or pid in payees:
                work.append((stored.payee_result(session, run_id, pid),
                             stored.year_to_date(session, sr.run, pid),
                             out / _safe(pid, taken)))
    if started:
        started(len(work))
    entries = _map(ctx, lambda w, prints: write_payee(ctx, statement_for(ctx, w[0], w[1]),
                                                      w[2], prints), work, progress)
    return Report(out, _index(ctx, out, entries), entries)


def header_of(compiled: CompiledPlan, result: RunResult) -> Header:
    """A run worked out but not stored: no run id, and the plan file's hash as it is now."""
    p = parse_period(result.period)
    digest = hashlib.sha256(Path(compiled.file).read_bytes()).hexdigest() \
        if Path(compiled.file).is_file() else ""
    return Header(result.plan, result.plan_name, result.plan_version, digest, result.period,
                  p.start, p.end, result.currency)


def write_result(result: RunResult, compiled: CompiledPlan, data_dir: str | Path,
                 out: str | Path, formats=FORMATS, curves: bool = True,
                 progress=None, pdf_engine: str = "auto", appendix: bool = False) -> Report:
    """Statements straight from a run in memory (lines kept), without a store."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = _Context(compiled, header_of(compiled, result), Path(data_dir), formats, curves,
                   pdf_engine, appendix)
    taken: set[str] = set()
    work = [(pr, out / _safe(pr.payee, taken)) for pr in result.payees]
    entries = _map(ctx, lambda w, prints: write_payee(ctx, statement_for(ctx, w[0], None),
                                                      w[1], prints), work, progress)
    return Report(out, _index(ctx, out, entries), entries)


def _map(ctx: _Context, fn, work: list, progress) -> list:
    """fn(item, prints) over the work on every core; a browser this process started to
    print PDFs is closed once the run's statements are written (workers close their
    own). With Chromium, the work goes in batches of chromium.BATCH payees whose PDFs
    are printed as one document (print_all)."""
    size = 1
    if ctx.pdf_engine == "chromium":
        from . import chromium
        size = chromium.BATCH

    def batch(items: list) -> list[Entry]:
        prints: list[_Print] | None = [] if size > 1 else None
        entries = [fn(w, prints) for w in items]
        if prints:
            print_all(ctx, prints)
        return entries

    chunks = [work[i:i + size] for i in range(0, len(work), size)]
    if parallel.worth_it(len(chunks)):
        ctx.index_rows()
    try:
        done = parallel.map_over_cores(batch, chunks, progress, weight=len)
        return [e for entries in done for e in entries]
    finally:
        if ctx.pdf_engine == "chromium":
            from . import chromium
            chromium.close()
