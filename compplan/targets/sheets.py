"""Targets in and out of spreadsheets: CSV and xlsx.

Two shapes:

    the target sheet   one row per target version: level, who, kpi, period, product,
                       territory, value, unit, effective_from, effective_to, version,
                       status, method, how. What planners review and edit, and what
                       managers send back bottom-up (`compplan targets import`).
    the plan file      one row per payee and period (and `by` key), a column per KPI
                       target, approved values only, in the shape a plan's targets input
                       reads (`compplan targets export --approved`).

Reading reports every bad cell as FILE:ROW with its column, in one pass. Amounts are
written as text in xlsx too, so no spreadsheet turns a cent into a binary float.
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from ..cells import CsvWriter, restore, xlsx_append
from ..engine.data import MAX_DIGITS, read_records
from ..errors import Problem, did_you_mean
from ..periods import parse_period
from .kpis import Catalogue
from .model import LEVELS, UNITS, Target
from .split import round_half_up
from .versions import day_weighted

LONG = ["level", "who", "kpi", "period", "product", "territory", "value", "unit",
        "effective_from", "effective_to", "version", "status", "method", "how"]
ALIASES = {"payee": "who", "rep_id": "who", "target": "value", "amount": "value"}


def _header(path: Path, aliases: dict = ALIASES) -> tuple[list[str], Iterable]:
    header, rows = read_records(path)
    return [aliases.get(h.strip().lower(), h.strip().lower()) for h in header], rows


def parse_decimal(text: str) -> Decimal:
    s = text.strip().replace(",", "").replace("_", "")
    pct = s.endswith("%")
    v = Decimal(s[:-1] if pct else s)
    if not v.is_finite() or v.adjusted() > MAX_DIGITS:  # 1e400 is a typo, as in data files
        raise InvalidOperation
    return v / 100 if pct else v


def read_targets(path: str | Path, catalogue: Catalogue | None = None
                 ) -> tuple[list[Target], list[Problem]]:
    """A target sheet -> proposed targets; every problem as FILE:ROW with its column."""
    path = Path(path)
    file = str(path)
    header, rows = _header(path)
    problems: list[Problem] = []

    def bad(rownum, column, message, hint=None, code="bad-value"):
        problems.append(Problem(file, None, None, message, hint, code=code, row=rownum,
                                column=column))
    for col in ("who", "kpi", "period", "value"):
        if col not in header:
            bad(1, col, f"column '{col}' is missing", "a target sheet needs who, kpi, "
                "period and value (see compplan targets export)", "missing-column")
    if problems:
        return [], problems
    out: list[Target] = []
    seen: dict[tuple, int] = {}
    for rownum, cells in rows:
        rec = {h: restore((c or "").strip()) for h, c in zip(header, cells)}
        ok = True
        for col in ("who", "kpi", "period", "value"):
            if not rec.get(col):
                bad(rownum, col, f"{col} is empty", code="missing-value")
                ok = False
        if not ok:
            continue
        level = rec.get("level") or "payee"
        if level not in LEVELS:
            bad(rownum, "level", f"'{level}' is not a level", "one of " + ", ".join(LEVELS))
            continue
        try:
            period = parse_period(rec["period"])
        except ValueError as e:
            bad(rownum, "period", str(e), code="bad-period")
            continue
        try:
            value = parse_decimal(rec["value"])
        except (InvalidOperation, ValueError):
            bad(rownum, "value", f"'{rec['value']}' is not a number",
                "expected something like 1250.00, 12 or 85%")
            continue
        kpi = catalogue.get(rec["kpi"]) if catalogue else None
        if catalogue and kpi is None:
            bad(rownum, "kpi", f"unknown KPI '{rec['kpi']}'",
                did_you_mean(rec["kpi"], catalogue.kpis) or
                f"the catalogue {catalogue.file} lists " + ", ".join(catalogue.kpis),
                "unknown-kpi")
            continue
        unit = kpi.unit if kpi else (rec.get("unit") or "number")
        if unit not in UNITS:
            bad(rownum, "unit", f"'{unit}' is not a unit", "one of " + ", ".join(UNITS))
            continue
        if kpi and round_half_up(value, kpi.step) != value:
            bad(rownum, "value", f"{rec['value']} is not a whole number of {kpi.step} "
                f"({kpi.code} is a {unit} target)", code="bad-step")
            continue
        dates = {}
        for col in ("effective_from", "effective_to"):
            if rec.get(col):
                try:
                    d = dt.date.fromisoformat(rec[col])
                except ValueError:
                    bad(rownum, col, f"'{rec[col]}' is not a date", "write YYYY-MM-DD",
                        "bad-date")
                    ok = False
                    continue
                if not period.contains(d):
                    bad(rownum, col, f"{d} is outside {period.label}", code="bad-date")
                    ok = False
                dates[col] = d
        if not ok:
            continue
        t = Target(rec["who"], rec["kpi"], period.label, value, unit, level,
                   rec.get("product", ""), rec.get("territory", ""),
                   how=rec.get("how", ""), method=rec.get("method") or "import",
                   effective_from=dates.get("effective_from"),
                   effective_to=dates.get("effective_to"))
        k = (t.key, t.effective_from)
        if k in seen:
            bad(rownum, "who", f"{t.key} is also on row {seen[k]}",
                "keep one row per target (a change from a date is a row with "
                "effective_from)", "duplicate-key")
            continue
        seen[k] = rownum
        out.append(t)
    return out, problems


def read_history(path: str | Path) -> tuple[dict, dict, list[Problem]]:
    """History: `who, kpi, period, actual` and, optionally, the `target` it was set then.

    Returns ({(who, kpi): {period label: actual}}, the same for targets, problems)."""
    path = Path(path)
    header, rows = _header(path, {"payee": "who", "rep_id": "who"})
    problems: list[Problem] = []
    for col in ("who", "kpi", "period", "actual"):
        if col not in header:
            problems.append(Problem(str(path), None, None, f"column '{col}' is missing",
                                    "history needs who, kpi, period and actual (and may "
                                    "have target)", code="missing-column", row=1, column=col))
    if problems:
        return {}, {}, problems
    actuals: dict[tuple[str, str], dict[str, Decimal]] = {}
    targets: dict[tuple[str, str], dict[str, Decimal]] = {}
    for rownum, cells in rows:
        rec = {h: (c or "").strip() for h, c in zip(header, cells)}
        try:
            label = parse_period(rec.get("period", "")).label
        except ValueError as e:
            problems.append(Problem(str(path), None, None, str(e), code="bad-period",
                                    row=rownum, column="period"))
            continue
        for col, into in (("actual", actuals), ("target", targets)):
            text = rec.get(col, "")
            if col == "target" and not text:
                continue
            try:
                into.setdefault((rec["who"], rec["kpi"]), {})[label] = parse_decimal(text)
            except (InvalidOperation, ValueError):
                problems.append(Problem(str(path), None, None, f"'{text}' is not a number",
                                        "expected something like 1250.00 or 12",
                                        code="bad-value", row=rownum, column=col))
    return actuals, targets, problems


def long_rows(targets: Iterable[Target]) -> list[list]:
    return [[t.level, t.who, t.kpi, t.period, t.product, t.territory, t.value, t.unit,
             t.effective_from.isoformat() if t.effective_from else "",
             t.effective_to.isoformat() if t.effective_to else "", t.version, t.status,
             t.method, t.how] for t in targets]


def write_table(path: str | Path, header: list[str], rows: list[list],
                sheet: str = "targets", data: bool = False) -> Path:
    """CSV or xlsx by the file's suffix, written whole then moved into place.

    Text cells cannot run in a spreadsheet (compplan.cells). `data=True` is for a file
    a plan reads back (the plan file): its CSV keeps every value exactly, as the engine
    matches payees and keys on them; its xlsx cells are still never formulas."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix.lower() == ".xlsx":
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        xlsx_append(ws, header)
        for r in rows:
            xlsx_append(ws, r)
        wb.save(tmp)
    else:
        buf = io.StringIO()
        w = CsvWriter(buf, lineterminator="\n", data=data)
        w.writerow(header)
        w.writerows(rows)
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path


def plan_file(versions: Iterable[Target], catalogue: Catalogue, plan, input_name: str,
              period=None) -> tuple[list[str], list[list], list[str]]:
    """(header, rows, notes): the approved targets in the shape `plan.inputs[input_name]`
    reads: its payee and period columns, its `by` columns, and a column for each KPI
    whose target it holds. Each value is the version in force on each day of its period
    (a change mid-period gives the day-weighted value; notes say which). With `period`,
    only targets whose period lies within it."""
    inp = plan.inputs[input_name]
    columns = [c for c in inp.columns if c not in inp.by]
    by_col = {k.target: k for k in catalogue.kpis.values() if k.target in columns}
    keys: dict[tuple, list[Target]] = {}
    for t in versions:
        kpi = catalogue.get(t.kpi)
        if t.level != "payee" or kpi is None or kpi.target not in by_col:
            continue
        p = parse_period(t.period)
        if period is not None and not p.within(period):
            continue
        keys.setdefault((t.who, p.start, p.label, t.product, t.territory, kpi.target),
                        []).append(t)
    cells: dict[tuple, dict[str, Decimal]] = {}
    notes: list[str] = []
    for (who, _, label, product, territory, col), vs in sorted(keys.items()):
        kpi = by_col[col]
        w = day_weighted(vs, parse_period(label), kpi.step, kpi.unit)
        if w is None:
            continue
        if len({v.version for v in vs if v.status == "approved"}) > 1:
            notes.append(f"{who} {kpi.code} {label}: {w.how}")
        value = w.value if kpi.unit != "count" else int(w.value)
        cells.setdefault((who, label, product, territory), {})[col] = value
    header = [inp.payee] + ([inp.period] if inp.period else []) + list(inp.by) + columns
    rows = []
    for (who, label, product, territory), vals in sorted(
            cells.items(), key=lambda kv: (kv[0][0], parse_period(kv[0][1]).start, kv[0][2:])):
        dims = {"product": product, "territory": territory}
        rows.append([who] + ([label] if inp.period else []) +
                    [dims.get(b, "") for b in inp.by] + [vals.get(c, "") for c in columns])
    return header, rows, notes
