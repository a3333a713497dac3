"""Results of a run: per payee, components and line items that carry their provenance.

A line says which rule made it (with the plan file's line and column), for which payee,
from which data rows, with which inputs, by which formula with its values filled in,
how a tier split it, and how it was rounded. Totals are sums of the rounded lines.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..cells import CsvWriter
from ..errors import Problem
from .money import fmt_money, minor_unit
from .tiers import Portion


# The part of a line's amount that fell in one tier (tier 0: below the first tier).
TierPart = Portion

# What made a line, as the `kind` column of lines.csv and the store says it:
LINE_KINDS = {
    "credit": "an earning paid on one credit (a deal, an order line)",
    "bonus": "an earning paid once per payee (a bonus, an override, a pool share)",
    "cap": "an earning's cap, or a cap on the payee's total, taking pay back down",
    "floor": "an earning's floor, or a floor on the payee's total, raising pay",
    "hold": "pay held back (under the component 'held') until a condition or period",
    "release": "pay held back in an earlier period that is now due",
    "adjustment": "a recomputed earlier, paid period's difference, paid now",
    "clawback": "pay taken back on a transaction paid in an earlier period",
    "draw": "the draw topping pay up to the guarantee",
    "recovery": "a recoverable draw taken back from pay above the guarantee",
    "true-up": "year-to-date pay already paid in earlier periods, taken off",
    "dispute": "a dispute's settlement, paid in the period it was resolved",
}


@dataclass(slots=True, kw_only=True)
class Line:
    """One item of a payee's statement. Built by keyword: sixteen fields, most of them
    optional, are too many to pass by position without mixing them up."""

    number: int  # 1-based within the payee's statement
    payee: str
    component: str  # the earning's name
    kind: str  # one of LINE_KINDS
    amount: Decimal  # rounded, in the plan currency
    exact: Decimal  # before rounding
    rule: str  # FILE:LINE:COL of the rule that made it
    formula: str
    sources: list[str] = field(default_factory=list)  # "deals:D-1001"
    inputs: dict[str, object] = field(default_factory=dict)  # the values its rule read
    tiers: list[TierPart] = field(default_factory=list)
    basis_before: Decimal | None = None
    basis_after: Decimal | None = None
    rounding: str = ""
    date: object = None  # the transaction's date (datetime.date)
    note: str = ""


@dataclass
class PayeeResult:
    payee: str
    name: str = ""
    currency: str = ""
    cost_center: str = ""  # from the payees table's cost_center column, for payroll
    components: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)
    lines: list[Line] = field(default_factory=list)
    measures: dict[str, str] = field(default_factory=dict)  # as shown
    measure_values: dict[str, object] = field(default_factory=dict)  # exact
    warnings: list[str] = field(default_factory=list)
    line_count: int = 0  # kept when a streaming writer drops the lines themselves
    draw: Decimal | None = None  # the draw this payee is guaranteed, if the plan has one
    # which period of the payee's draw this is, from their start date (None: no start)
    draw_period: int | None = None
    # tier tables whose bounds read the payee (to: targets.meetings), as built for this
    # payee: what shows or reads their bounds (curves, stakes, forecast) asks them here
    tables: dict = field(default_factory=dict)
    # per-credit earnings marked `reuse` (engine/reuse.py) worked out without a warning,
    # each with where its credit lines are in `lines` (start, stop): a live batch may
    # keep those before its first new credit (engine/pay.py)
    clean: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass
class RunResult:
    plan: str
    plan_name: str
    plan_version: str
    period: str
    currency: str
    payees: list[PayeeResult] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((p.total for p in self.payees), Decimal(0))

    def payee(self, payee_id: str) -> PayeeResult | None:
        for p in self.payees:
            if p.payee == payee_id:
                return p
        return None

    def line_count(self) -> int:
        return sum(max(p.line_count, len(p.lines)) for p in self.payees)


def tier_dicts(tiers, number=str) -> list[dict]:
    """A line's tier split as JSON holds it (exact amounts as text, by `number`)."""
    return [{"tier": t.tier, "amount": number(t.amount), "rate": number(t.rate),
             "pays": number(t.pays)} for t in tiers]


def tier_text(tiers) -> str:
    """A line's tier split in one cell: `tier 2: 10000 x 0.06 = 600.00; ...`."""
    return "; ".join(f"tier {t.tier}: {t.amount} x {t.rate} = {t.pays}" for t in tiers)


def line_details(ln, number=str) -> dict:
    """The parts of a line's JSON that only some lines have (tiers, running basis,
    rounding, date, note); shared by result files and statements. `number` writes the
    exact values (lines.jsonl: exact_text, lines.csv's one form from both engines)."""
    d: dict = {}
    if ln.tiers:
        d["tiers"] = tier_dicts(ln.tiers, number)
    if ln.basis_before is not None:
        d["basis_before"], d["basis_after"] = number(ln.basis_before), number(ln.basis_after)
    for key in ("rounding", "date", "note"):
        v = getattr(ln, key)
        if v:
            d[key] = _plain(v)
    return d


def _line_dict(ln: Line) -> dict:
    """A line of lines.jsonl: the values lines.csv writes, in the same one form from
    both engines (exact_text: no trailing zeros), as JSON."""
    d = {"payee": ln.payee, "line": ln.number, "component": ln.component,
         "kind": ln.kind, "amount": str(ln.amount), "exact": exact_text(ln.exact),
         "formula": ln.formula, "inputs": {k: _input_text(v) for k, v in ln.inputs.items()},
         "sources": ln.sources, "rule": ln.rule, **line_details(ln, exact_text)}
    if ln.rounding:
        d["rounding"] = _rounding_text(ln)
    return d


def _plain(v):
    """A value as JSON holds it: amounts and dates as text, exact."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    return str(v)


def summary_dict(result: RunResult) -> dict:
    """The run and each payee's components, totals and measures (lines are separate)."""
    return {
        "plan": result.plan, "plan_name": result.plan_name, "version": result.plan_version,
        "period": result.period, "currency": result.currency, "total": str(result.total),
        "payees": [{"payee": p.payee, "name": p.name, "currency": p.currency or result.currency,
                    "total": str(money_text(p.total, p.currency or result.currency)),
                    "lines": max(p.line_count, len(p.lines)),
                    "components": {k: str(money_text(v, p.currency or result.currency))
                                   for k, v in p.components.items()},
                    "measures": p.measures, "warnings": p.warnings} for p in result.payees],
        "warnings": [{"where": w.where, "message": w.message} for w in result.warnings],
    }


def to_json(result: RunResult) -> str:
    """The whole result, lines included, as one JSON document (for small runs and tests)."""
    data = summary_dict(result)
    for p, d in zip(result.payees, data["payees"]):
        d["lines"] = [_line_dict(ln) for ln in p.lines]
    return json.dumps(data, indent=1, ensure_ascii=False)


LINE_COLUMNS = ["payee", "line", "component", "kind", "amount", "exact", "formula", "inputs",
                "sources",
                "tiers", "basis_before", "basis_after", "rounding", "rule", "date", "note"]


def exact_text(v) -> str:
    """An exact value as lines.csv writes it: without trailing zeros (4000.000 -> 4000,
    0E+2 -> 0). A Decimal's own text keeps the places its arithmetic happened to leave
    (2400.00 on one line, 4000.000 on the next, 50000.0 for a credit at half), which the
    SQL engine cannot know and no reader needs; both engines write this one form
    (tests/engine/test_issue12_csv_parity.py)."""
    if not isinstance(v, Decimal):
        return "" if v is None else str(v)
    if not v:
        return "0"
    text = format(v, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_text(v, currency: str) -> Decimal:
    """A component or total as payees.csv and results.json write it: a zero (nothing
    paid, or no line at all) at the currency's places, 0.00, as every other amount;
    the Python engine's sum of no lines is a bare 0 and the SQL engine cannot tell the
    two apart."""
    if v is None or not v:
        return Decimal(0).quantize(minor_unit(currency)) if currency else Decimal("0.00")
    return v


def _input_text(v) -> str:
    return exact_text(v) if isinstance(v, Decimal) else _plain(v)


def _exact_cell(v):
    """exact_text as a number cell (a Decimal of those digits), which the csv writer does
    not take for text to make safe: -7500 stays -7500, not '-7500."""
    return Decimal(exact_text(v)) if isinstance(v, Decimal) else v


def _rounding_text(ln: Line) -> str:
    """The rounding note with its exact value as the exact column writes it (the note
    is `<exact> -> <amount> (...)`, made from the Decimal's own text)."""
    head = f"{ln.exact} -> "
    if ln.rounding and isinstance(ln.exact, Decimal) and ln.rounding.startswith(head):
        return f"{exact_text(ln.exact)} -> {ln.rounding[len(head):]}"
    return ln.rounding


def _line_row(ln: Line) -> list:
    return [ln.payee, ln.number, ln.component, ln.kind, ln.amount, _exact_cell(ln.exact),
            ln.formula,
            "; ".join(f"{k}={_input_text(v)}" for k, v in ln.inputs.items()) if ln.inputs
            else "",
            " ".join(ln.sources),
            "; ".join(f"tier {t.tier}: {exact_text(t.amount)} x {exact_text(t.rate)} = "
                      f"{exact_text(t.pays)}" for t in ln.tiers),
            "" if ln.basis_before is None else _exact_cell(ln.basis_before),
            "" if ln.basis_after is None else _exact_cell(ln.basis_after),
            _rounding_text(ln), ln.rule, ln.date or "", ln.note]


class ResultWriter:
    """Streams a run's results into a folder; nothing appears there half-written.

    Lines go to temporary files as each payee is worked out (so a million lines need
    not sit in memory); `close` writes payees.csv and results.json and renames every
    file into place. `abort` removes the temporary files.

        payees.csv    one row per payee: components, total, currency, period
        lines.csv     every line item with its provenance
        lines.jsonl   the same lines as JSON objects, one a line (with jsonl=True)
        results.json  the run, each payee's components, measures and warnings
    """

    def __init__(self, out: Path, jsonl: bool = False, keep_lines: bool = False,
                 suffix: str = ".tmp", header: bool = True, parquet: bool = False):
        self.out = Path(out)
        # payees.parquet beside payees.csv, for an engine that leaves its lines as
        # Parquet (the Spark engine's lines.parquet: a warehouse reads both alike)
        self.parquet = parquet
        # the folders this writer makes, so that an aborted run leaves nothing behind
        self._made = [d for d in [self.out, *self.out.parents] if not d.exists()]
        self.out.mkdir(parents=True, exist_ok=True)
        self.keep_lines = keep_lines
        self.suffix = suffix
        self._csv_fh = (self.out / ("lines.csv" + suffix)).open("w", newline="",
                                                               encoding="utf-8")
        self._csv = CsvWriter(self._csv_fh)  # text cells that cannot run (compplan.cells)
        if header:
            self._csv.writerow(LINE_COLUMNS)
        # where each payee's lines are in the file, kept while they come in id order is
        # not yet broken: a plan with team() pays reports before their manager, and
        # lines.csv lists payees in id order as payees.csv does (close() reorders)
        self._spans: list[tuple[str, int, int]] | None = []
        self._json_spans: list[tuple[str, int, int]] = []  # lines.jsonl's, likewise
        self._in_order = True
        self._jsonl = (self.out / ("lines.jsonl" + suffix)).open("w", encoding="utf-8") \
            if jsonl else None

    # parts: another process writes the lines of some payees; they are appended after
    def part(self, name: str) -> "ResultWriter":
        return ResultWriter(self.out, self._jsonl is not None, suffix=f".part{name}.tmp",
                            header=False)

    def finish(self) -> None:
        self._csv_fh.close()
        if self._jsonl is not None:
            self._jsonl.close()

    def discard(self) -> None:
        self.finish()
        for name in ("lines.csv", "lines.jsonl"):
            (self.out / (name + self.suffix)).unlink(missing_ok=True)

    def absorb(self, part: "ResultWriter") -> None:
        self._spans = None  # a part holds later payees (parallel.py: not for team plans)
        for name, fh in (("lines.csv", self._csv_fh), ("lines.jsonl", self._jsonl)):
            if fh is None:
                continue
            fh.flush()
            with (self.out / (name + part.suffix)).open("r", encoding="utf-8",
                                                        newline="") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
        part.discard()

    def lines_path(self) -> Path:
        """The temporary lines.csv for another writer to fill whole, header included (the
        SQL engine's COPY); `close` moves it into place with the other files, and
        `abort` removes it, as for lines this writer writes."""
        self._csv_fh.close()
        self._spans = None  # the other writer orders its lines
        return self.out / ("lines.csv" + self.suffix)

    def __call__(self, pr: PayeeResult) -> None:
        if self._csv_fh.closed:  # filled by another writer (lines_path): add after it
            self._csv_fh = (self.out / ("lines.csv" + self.suffix)).open(
                "a", newline="", encoding="utf-8")
            self._csv = CsvWriter(self._csv_fh)
        spans = self._spans is not None and bool(pr.lines)
        if spans:
            start = self._csv_fh.tell()
            self._csv.writerows(_line_row(ln) for ln in pr.lines)
            if self._spans and pr.payee < self._spans[-1][0]:
                self._in_order = False
            self._spans.append((pr.payee, start, self._csv_fh.tell()))
        else:
            self._csv.writerows(_line_row(ln) for ln in pr.lines)
        if self._jsonl is not None:
            dumps = json.dumps
            start = self._jsonl.tell()
            self._jsonl.writelines(dumps(_line_dict(ln), ensure_ascii=False) + "\n"
                                   for ln in pr.lines)
            if spans:
                self._json_spans.append((pr.payee, start, self._jsonl.tell()))
        if not self.keep_lines:
            pr.lines = []

    def _reorder(self) -> None:
        """lines.csv's and lines.jsonl's payees in id order, each payee's lines as
        written (read back a payee at a time from the file the lines were streamed to:
        never all in memory)."""
        if self._spans is None or self._in_order:
            return
        files = [("lines.csv", self._spans)]
        if self._jsonl is not None:
            files.append(("lines.jsonl", self._json_spans))
        for name, spans in files:
            path = self.out / (name + self.suffix)
            ordered = self.out / (name + ".order" + self.suffix)
            with path.open("rb") as src, ordered.open("wb") as dst:
                dst.write(src.read(spans[0][1]))  # the header (lines.csv's)
                for _pid, a, b in sorted(spans, key=lambda s: s[0]):
                    src.seek(a)
                    dst.write(src.read(b - a))
            ordered.replace(path)

    def close(self, result: RunResult, lines_ready=None) -> list[Path]:
        """payees.csv and results.json written, then every file moved into place.
        `lines_ready`, if given, is called before the lines files are touched: another
        writer may still be filling lines.csv while payees.csv and results.json are
        written (the SQL engine's COPY in a thread, engine/sql/background.py)."""
        components = _components(result)
        with (self.out / "payees.csv.tmp").open("w", newline="", encoding="utf-8") as fh:
            w = CsvWriter(fh)
            w.writerow(["payee", "name", *components, "total", "currency", "period"])
            for p in result.payees:
                w.writerow([p.payee, p.name, *[money_text(p.components.get(c), p.currency
                                                          or result.currency)
                                               for c in components],
                            money_text(p.total, p.currency or result.currency),
                            p.currency or result.currency, result.period])
        (self.out / "results.json.tmp").write_text(
            json.dumps(summary_dict(result), indent=1, ensure_ascii=False), encoding="utf-8")
        if lines_ready is not None:
            lines_ready()
        self.finish()
        self._reorder()
        names = ["payees.csv", "lines.csv", "results.json"] + \
            (["lines.jsonl"] if self._jsonl is not None else [])
        if self.parquet:
            self._payees_parquet(result, components)
            names.append("payees.parquet")
        for name in names:
            (self.out / (name + ".tmp")).replace(self.out / name)
        # a folder of part files another writer left beside lines.csv (the Spark
        # engine's lines.parquet), replacing the last run's
        for folder in sorted(self.out.glob("*.parquet.tmp")):
            done = self.out / folder.name[:-len(".tmp")]
            shutil.rmtree(done, ignore_errors=True)
            folder.replace(done)
            names.append(done.name)
        return [self.out / n for n in names]

    def _payees_parquet(self, result: RunResult, components: list[str]) -> None:
        """payees.csv's rows as Parquet (by DuckDB, from the file just written): the
        amounts DECIMAL(38, s), s the most places any of them has, so each is exact."""
        import duckdb

        places = 0
        for p in result.payees:
            for v in [p.total, *(p.components.get(c) for c in components)]:
                if isinstance(v, Decimal) and v.is_finite():
                    places = max(places, -v.as_tuple().exponent)
        places = min(places, 38)

        def name(c: str) -> str:
            return '"' + c.replace('"', '""') + '"'
        money = [*components, "total"]
        cols = ["payee", "name"] + [f"CAST(nullif({name(c)}, '') AS DECIMAL(38,{places})) AS "
                                    f"{name(c)}" for c in money] + ["currency", "period"]
        src = str(self.out / "payees.csv.tmp").replace("'", "''")
        dst = str(self.out / "payees.parquet.tmp").replace("'", "''")
        con = duckdb.connect()
        try:
            con.execute(f"COPY (SELECT {', '.join(cols)} FROM read_csv('{src}', header = true, "
                        f"all_varchar = true, normalize_names = false)) TO '{dst}' "
                        "(FORMAT parquet)")
        finally:
            con.close()

    def abort(self) -> None:
        self.finish()
        for tmp in self.out.glob("*.tmp"):
            if tmp.is_dir():  # a folder of part files (lines.parquet)
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink()
        for d in getattr(self, "_made", ()):  # deepest first; parts have none
            try:
                d.rmdir()
            except OSError:
                break  # not empty: something else is in it


def write_results(result: RunResult, out: Path, jsonl: bool = False) -> list[Path]:
    """Write a finished result (lines held in memory) with a ResultWriter."""
    writer = ResultWriter(out, jsonl=jsonl, keep_lines=True)
    for p in result.payees:
        writer(p)
    return writer.close(result)


def _components(result: RunResult) -> list[str]:
    """Component names in the order the plan pays them (first seen, payee by payee)."""
    seen: dict[str, None] = {}
    for p in result.payees:
        for c in p.components:
            seen.setdefault(c, None)
    return list(seen)


def summary_table(result: RunResult) -> str:
    """The per-payee table `run --table` prints: a row a payee, a column a component."""
    components = _components(result)
    head = ["payee", *components, "total"]
    rows = [[p.payee, *[fmt_money(p.components.get(c, Decimal(0))) for c in components],
             fmt_money(p.total)] for p in result.payees]
    totals = ["TOTAL", *[fmt_money(sum((p.components.get(c, Decimal(0))
                                        for p in result.payees), Decimal(0)))
                         for c in components], fmt_money(result.total)]
    widths = [max(len(str(r[i])) for r in [head, *rows, totals]) for i in range(len(head))]

    def fmt(r):
        return "  ".join(str(v).ljust(widths[0]) if i == 0 else str(v).rjust(widths[i])
                         for i, v in enumerate(r))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), sep, *[fmt(r) for r in rows], sep, fmt(totals)]) + "\n"


def component_summary(result: RunResult) -> str:
    """What `run` prints by default, whatever the number of payees: each component's
    total and how many payees it pays, and the run's total."""
    head = ["component", "payees paid", "amount"]
    rows = []
    for c in _components(result):
        amounts = [p.components.get(c, Decimal(0)) for p in result.payees]
        rows.append([c, str(sum(1 for a in amounts if a)), fmt_money(sum(amounts, Decimal(0)))])
    totals = ["TOTAL", str(sum(1 for p in result.payees if p.total)), fmt_money(result.total)]
    widths = [max(len(r[i]) for r in [head, *rows, totals]) for i in range(3)]

    def fmt(r):
        return "  ".join(v.ljust(widths[0]) if i == 0 else v.rjust(widths[i])
                         for i, v in enumerate(r))
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), sep, *[fmt(r) for r in rows], sep, fmt(totals)]) + "\n"
