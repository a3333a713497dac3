"""Input tables: CSV (or .xlsx) files, or a scenario's inline rows, read into typed rows.

Each cell is parsed by its declared column type into exact values (Decimal for money and
numbers, never float). Every problem names the file, the row (the header is row 1) and
the column, and all problems are collected in one pass.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from .. import datafolder
from ..datafolder import OutsideFolder, inside
from ..errors import CompplanError, Problem, did_you_mean
from ..lang.model import Input, Plan
from ..lang.types import COLUMN_TYPES

ROW = "_row"  # the row number in its file (header = 1)


@dataclass
class Table:
    name: str
    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


# A number with more digits before the point than this (1e18 and up) is no amount or
# count, but a typo or an attack: 1e999999 would pass as finite and then fail rounding
# (or, as an integer, take seconds to build)
MAX_DIGITS = 17


def parse_cell(kind: str, text: str):
    """Text -> typed value; ValueError with what was expected."""
    s = text.strip()
    if kind in ("money", "number", "ratio", "integer"):
        raw = s
        if kind == "ratio" and s.endswith("%"):
            raw = s[:-1].strip()
        if _THOUSANDS.match(raw):
            raw = raw.replace(",", "")
        raw = raw.replace("_", "")
        try:
            v = Decimal(raw)
        except InvalidOperation:
            raise ValueError(_expect(kind)) from None
        if not v.is_finite() or v.adjusted() > MAX_DIGITS:
            raise ValueError(_expect(kind))
        if kind == "ratio" and s.endswith("%"):
            v = v / 100
        if kind == "integer":
            if v != v.to_integral_value():
                raise ValueError(_expect(kind))
            return int(v)
        return v
    if kind == "date":
        try:
            return dt.date.fromisoformat(s[:10]) if len(s) >= 10 else dt.date.fromisoformat(s)
        except ValueError:
            raise ValueError(_expect(kind)) from None
    if kind == "boolean":
        low = s.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(_expect(kind))
    return s


def _expect(kind: str) -> str:
    return {"money": "an amount; expected something like 1250.00",
            "number": "a number; expected something like 12.5",
            "ratio": "a percentage; expected something like 8% or 0.08",
            "integer": "a whole number", "date": "a date; expected YYYY-MM-DD",
            "boolean": "true or false"}[kind]


def _declared(inp: Input) -> dict[str, str]:
    """Every column the plan reads from this input, with its type word."""
    cols = {c: COLUMN_TYPES[str(t)] for c, t in inp.columns.items()}
    for role, kind in (("key", "text"), ("payee", "text"), ("date", "date"),
                       ("period", "text"), ("currency", "text"), ("manager", "text"),
                       ("start", "date"), ("end", "date")):
        col = getattr(inp, role)
        if col and col not in cols:
            cols[col] = kind
    return cols


def declared_columns(inp: Input) -> dict[str, str]:
    """Every column the plan reads from this input, with its type word (public: the SQL
    engine types its tables by it)."""
    return _declared(inp)


def find_file(folder: Path, name: str, inp: Input) -> Path | None:
    """The input's file in the folder, or None; OutsideFolder (a ValueError) when the
    plan's `file:` (or a symlink) leads outside the folder (compplan.datafolder)."""
    if inp.file:
        p = inside(folder, inp.file)
        return p if p.exists() else None
    for ext in (".csv", ".xlsx"):
        p = Path(folder) / (name + ext)
        if p.exists():
            return inside(folder, name + ext)
    return None


class UnreadableFile(CompplanError):
    """A data file that cannot be read at all (not text in its encoding, not a workbook,
    a cell too long): one problem at FILE[:ROW], with what to do."""

    def __init__(self, file: str, message: str, hint: str, row: int | None = None):
        super().__init__([Problem(file, None, None, message, hint, code="unreadable-file",
                                  row=row)])


# Excel on Windows saves "CSV" in the machine's code page; cp1252 is Western Europe's
ENCODING_HINT = ("save it from Excel as 'CSV UTF-8', or set its encoding on {where} "
                 "(e.g. 'encoding: cp1252', Excel on Windows in Western Europe)")
SAVE_AS_UTF8 = "save it from Excel as 'CSV UTF-8'"
CHUNK = 1 << 16


def read_records(path: Path, encoding: str | None = None, where: str | None = None
                 ) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    """(header, rows as (row number, cells)) from a CSV or an xlsx file.

    Raises UnreadableFile, also while the rows are read: a file that is not text in its
    encoding, binary data, a broken workbook, a cell longer than the csv module takes.
    """
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    encoding = encoding or "utf-8"
    file = str(path)
    utf8 = codecs.lookup(encoding).name == "utf-8"
    try:
        with path.open("rb") as raw:
            head = raw.read(CHUNK)
        _refuse_binary(file, head, encoding, where)
        # read at the csv module's speed; only a file that turns out not to be text in
        # its encoding is read again, line by line, to name the line
        fh = path.open(newline="", encoding="utf-8-sig" if utf8 else encoding)
    except OSError as e:
        raise UnreadableFile(file, f"cannot be read: {e.strerror or e}",
                             "check the path and that the file is readable") from None
    reader = csv.reader(fh)

    def not_text() -> UnreadableFile:
        fh.close()
        return _bad_line(path, encoding, utf8, where)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        return [], iter(())
    except UnicodeDecodeError:
        raise not_text() from None
    except csv.Error as e:
        fh.close()
        raise _csv_problem(file, e, 1) from None

    def rows():
        with fh:
            i = 1
            try:
                for i, rec in enumerate(reader, start=2):
                    if not rec or all(not c.strip() for c in rec):
                        continue
                    yield i, rec
            except UnicodeDecodeError:
                raise not_text() from None
            except csv.Error as e:
                raise _csv_problem(file, e, i + 1) from None
    return [h.strip() for h in header], rows()


def _bad_line(path: Path, encoding: str, utf8: bool, where: str | None) -> UnreadableFile:
    """The first line of the file that is not text in its encoding, as a problem."""
    decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else encoding)()
    n = 0
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as e:
                byte = raw[e.start:e.start + 1]
                seen = byte.decode("cp1252", errors="replace") if utf8 else ""
                shown = f" ('{seen}' in cp1252)" if seen.isprintable() and seen != "\ufffd" \
                    else ""
                return UnreadableFile(
                    str(path), f"not {'UTF-8' if utf8 else encoding} text: byte "
                    f"0x{byte.hex()} at position {e.start + 1} of the line{shown}",
                    (ENCODING_HINT.format(where=where) if where else SAVE_AS_UTF8) if utf8
                    else "check the file's encoding and set it on the input with "
                    "'encoding:'", row=n)
    return UnreadableFile(str(path), f"not {'UTF-8' if utf8 else encoding} text: the file "
                          "ends in the middle of a character",
                          "the file may be cut short: export it again", row=n)


def _refuse_binary(file: str, head: bytes, encoding: str, where: str | None) -> None:
    """A workbook, a PDF or UTF-16 text is not CSV: say what the file seems to be."""
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(file, "this is an Excel workbook (or a zip file), not CSV",
                             f"name it .xlsx (and set 'file:' on {where}), or export it "
                             "as CSV" if where else "name it .xlsx, or export it as CSV")
    if b"\x00" not in head or codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(file, "this is UTF-16 text (Excel's 'Unicode Text'), not UTF-8",
                             f"set 'encoding: utf-16' on {where}, or save it from Excel "
                             "as 'CSV UTF-8'" if where else SAVE_AS_UTF8)
    raise UnreadableFile(file, "this file holds binary data, not CSV text",
                         "export the table as CSV (UTF-8) or .xlsx")


def _csv_problem(file: str, e: csv.Error, row: int) -> UnreadableFile:
    text = str(e)
    if "field larger than field limit" in text:
        return UnreadableFile(file, f"a cell is longer than "
                              f"{csv.field_size_limit():,} characters",
                              "is this the right file? an unclosed quote (\") makes the "
                              "rest of the file one cell", row=row)
    return UnreadableFile(file, f"cannot be read as CSV: {text}",
                          "export the table as CSV again", row=row)


def _read_xlsx(path: Path):
    try:
        import openpyxl
    except ImportError as e:  # pragma: no cover - declared as a dependency
        raise RuntimeError("reading .xlsx needs openpyxl: pip install openpyxl") from e
    file = str(path)

    def broken(e: Exception) -> UnreadableFile:
        # openpyxl fails in many ways on a damaged file (zip, XML, missing parts):
        # each means the same to whoever sent it; the kind is kept for support
        detail = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        return UnreadableFile(file, f"not a readable Excel workbook ({detail})",
                              "open it in Excel and save it again as .xlsx, or export the "
                              "table as CSV (UTF-8)")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
    except Exception as e:  # noqa: BLE001 - see broken()
        raise broken(e) from None
    if first is None:
        wb.close()
        return [], iter(())
    header = [str(h).strip() if h is not None else "" for h in first]

    def cell(v) -> str:
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return str(v)  # parsed as no number, with the row named
            # spreadsheets hold binary floats; repr gives the shortest exact decimal text
            return repr(v) if v != int(v) else str(int(v))
        return str(v)

    def rows():
        i = 1
        try:
            for i, rec in enumerate(it, start=2):
                cells = [cell(v) for v in rec]
                if all(not c.strip() for c in cells):
                    continue
                yield i, cells
        except UnreadableFile:
            raise
        except Exception as e:  # noqa: BLE001 - see broken()
            raise UnreadableFile(file, f"the workbook cannot be read from here on "
                                 f"({type(e).__name__})", "open it in Excel and save it "
                                 "again as .xlsx, or export the table as CSV (UTF-8)",
                                 row=i + 1) from None
        finally:
            wb.close()
    return header, rows()


def load_table(name: str, inp: Input, header: list[str], records, file: str,
               problems: list[Problem]) -> Table:
    """Typed rows from raw records; problems name file, row and column."""
    table = Table(name, file)
    declared = _declared(inp)
    index: dict[str, int] = {}
    for col in declared:
        source_col = inp.rename.get(col, col)
        if source_col in header:
            index[col] = header.index(source_col)
        else:
            problems.append(Problem(file, None, None, f"column '{source_col}' is missing",
                                    f"the plan reads it as {name}.{col}; add it to the "
                                    "header, or map it with 'rename:'",
                                    code="missing-column", row=1, column=source_col))
    if len(index) < len(declared):
        return table
    key = inp.key
    seen: dict[str, int] = {}
    fast = _fast_converters(declared, index, inp.allowed_values)
    width = max(index.values()) + 1 if index else 0
    for rownum, cells in records:
        # the common case, a clean row, in one tight loop; anything odd takes the slow path
        row = None
        if len(cells) >= width:
            try:
                row = {ROW: rownum}
                for col, i, conv in fast:
                    row[col] = conv(cells[i])
            except (ValueError, ArithmeticError):
                row = None
        if row is None:
            row = _slow_row(inp, declared, index, rownum, cells, file, problems, name)
            if row is None:
                continue
        if key:
            k = row[key]
            if k in seen:
                problems.append(duplicate_key(file, inp, k, seen[k], rownum))
                continue
            seen[k] = rownum
        table.rows.append(row)
    return table


def duplicate_key(file: str, inp: Input, value, first: int, rownum: int) -> Problem:
    """A key seen twice, at its second row (public: the Spark engine's reader, which
    finds duplicates itself, names them in these words)."""
    key = inp.key
    return Problem(file, None, None, f"duplicate {key} '{value}' (first at row {first})",
                   "each row needs its own id", code="duplicate-key", row=rownum,
                   column=inp.rename.get(key, key))


def row_problems(name: str, inp: Input, header: list[str], rownum: int, cells: list[str],
                 file: str) -> list[Problem]:
    """Every problem of one row of a file whose header is `header`, in `validate`'s
    words (public: the Spark engine's reader checks cells in Spark and names the rows
    it finds bad through this, so that both say the same)."""
    declared = _declared(inp)
    index = {col: header.index(inp.rename.get(col, col)) for col in declared
             if inp.rename.get(col, col) in header}
    problems: list[Problem] = []
    _slow_row(inp, declared, index, rownum, cells, file, problems, name)
    return problems


def _text(s: str) -> str:
    s = s.strip()
    if not s:
        raise ValueError("empty")
    return s


def _decimal(s: str) -> Decimal:
    v = Decimal(s)
    if not v.is_finite() or "_" in s or v.adjusted() > MAX_DIGITS:
        raise ValueError("not a plain number")
    return v


def _integer(s: str) -> int:
    return int(s)


_FAST = {"text": _text, "money": _decimal, "number": _decimal, "date": dt.date.fromisoformat,
         "integer": _integer}


def _fast_converters(declared: dict[str, str], index: dict[str, int],
                     allowed: dict[str, tuple[str, ...]]):
    """(column, cell index, converter) for the clean-row loop; a converter raises on
    anything it does not take as it is (empty, thousands separators, percentages, a
    value a text column does not list...)."""
    out = []
    for col, kind in declared.items():
        conv = _FAST.get(kind, lambda s, k=kind: parse_cell(k, _text(s)))
        if col in allowed:
            conv = _one_of(frozenset(allowed[col]))
        out.append((col, index[col], conv))
    return out


def _one_of(values: frozenset):
    def conv(s: str) -> str:
        v = _text(s)
        if v not in values:
            raise ValueError("not listed")
        return v
    return conv


def _slow_row(inp: Input, declared, index, rownum, cells, file, problems,
              inp_name: str) -> dict | None:
    """One row, cell by cell, with every problem named; None if the row is bad."""
    row: dict[str, Any] = {ROW: rownum}
    bad = False
    for col, kind in declared.items():
        i = index[col]
        text = cells[i] if i < len(cells) else ""
        if not text.strip():
            if col in (inp.manager, inp.start, inp.end):
                row[col] = None  # no manager, no hire or end date: nothing to say
                continue
            if col in (inp.key, inp.payee) or inp.missing == "error":
                problems.append(Problem(file, None, None,
                                        f"'{inp.rename.get(col, col)}' is empty",
                                        "fill it in" + ("" if col in (inp.key, inp.payee)
                                                        else ", or set 'missing: null' or "
                                                        "'missing: zero' on the input"),
                                        code="missing-value", row=rownum,
                                        column=inp.rename.get(col, col)))
                bad = True
                continue
            row[col] = Decimal(0) if inp.missing == "zero" and kind in (
                "money", "number", "ratio") else (0 if inp.missing == "zero" and
                                                  kind == "integer" else None)
            row.setdefault("_defaulted", []).append(col)  # a run warns about it
            continue
        allowed = inp.allowed_values.get(col)
        if allowed is not None and text.strip() not in allowed:
            problems.append(Problem(file, None, None, f"'{text.strip()}' is not one of "
                                    f"{', '.join(allowed)}", did_you_mean(text.strip(), allowed)
                                    or f"correct it, or add it to the values of "
                                    f"inputs.{inp_name}.columns.{col}", code="unknown-value",
                                    row=rownum, column=inp.rename.get(col, col)))
            bad = True
            continue
        try:
            row[col] = parse_cell(kind, text)
        except ValueError as e:
            shown, hint = text.strip(), None
            if "\n" in shown:
                hint = ('the cell runs over several lines: an unclosed quote (") makes the '
                        "rows after it part of the cell")
            if "\n" in shown or len(shown) > 60:
                shown = shown.split("\n")[0][:60] + "..."
            problems.append(Problem(file, None, None, f"'{shown}' is not {e}",
                                    hint, code="bad-value", row=rownum,
                                    column=inp.rename.get(col, col)))
            bad = True
    return None if bad else row


def load_folder(plan: Plan, folder: str | Path, problems: list[Problem]) -> dict[str, Table]:
    folder = Path(folder)
    tables: dict[str, Table] = {}
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "the data folder does not exist",
                                "pass --data with a folder of CSV files", code="io"))
        return tables
    for name, inp in plan.inputs.items():
        shown = str(folder / (inp.file or name + ".csv"))
        try:
            path = find_file(folder, name, inp)
        except OutsideFolder as e:
            problems.append(Problem(shown, None, None, f"input '{name}': {e}",
                                    datafolder.HINT, code="file-outside"))
            continue
        if path is None:
            problems.append(Problem(shown, None, None, f"no file for input '{name}'",
                                    f"add {inp.file or name + '.csv'} (or .xlsx) to the folder",
                                    code="missing-file"))
            continue
        try:
            header, records = read_records(path, inp.encoding, f"inputs.{name}")
            if not header:
                problems.append(Problem(str(path), None, None, "the file is empty",
                                        "export the table with its header row: "
                                        + ", ".join(inp.rename.get(c, c) for c in
                                                    _declared(inp)), code="empty-file"))
                continue
            tables[name] = load_table(name, inp, header, records, str(path), problems)
        except UnreadableFile as e:
            problems.extend(e.problems)
    return tables


def load_inline(plan: Plan, data: dict[str, list[dict]], where: str,
                problems: list[Problem], locate=None) -> dict[str, Table]:
    """A scenario's rows (YAML mappings) through the same typed parsing as files.

    `locate(table, row index, column)` gives the position of a cell in the plan file, so
    a bad value in a scenario is reported at its line and column.
    """
    start = len(problems)
    tables = _load_inline(plan, data, where, problems)
    if locate is not None:
        for i in range(start, len(problems)):
            p = problems[i]
            table = p.file.rsplit(":", 1)[-1] if p.file.startswith(where) else None
            if p.row is not None and table in plan.inputs:
                pos = locate(table, p.row - 1, p.column)
                problems[i] = Problem.at(pos, p.message, p.hint, code=p.code)
    return tables


def _load_inline(plan: Plan, data: dict[str, list[dict]], where: str,
                 problems: list[Problem]) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for name, inp in plan.inputs.items():
        rows = data.get(name, [])
        declared = _declared(inp)
        header = [inp.rename.get(c, c) for c in declared]
        records = []
        for i, r in enumerate(rows):
            records.append((i + 1, ["" if r.get(h) is None else str(r.get(h)) for h in header]))
            for k in r:
                if k not in header:
                    problems.append(Problem(where, None, None,
                                            f"scenario data for '{name}' has unknown column "
                                            f"'{k}'", f"columns: {', '.join(header)}",
                                            code="unknown-column", row=i + 1, column=k))
        tables[name] = load_table(name, inp, header, records, f"{where}:{name}", problems)
    for name in data:
        if name not in plan.inputs:
            problems.append(Problem(where, None, None, f"scenario data names unknown input "
                                    f"'{name}'", code="unknown-name"))
    return tables
