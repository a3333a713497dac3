"""Text cells that a spreadsheet cannot run.

A CSV or xlsx file the project writes is opened in Excel or LibreOffice by payroll,
finance and reps. A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` as a
formula (and a leading tab or carriage return can hide one), so a payee named
`=HYPERLINK("http://x","y")` or a formula text such as `-2+3` would run or be
computed when the file is opened ("CSV injection", OWASP).

The rule, in every writer:

- CSV: a TEXT cell that starts with one of those characters gets a single quote in
  front (`'=HYPERLINK(...)`), as OWASP advises; a spreadsheet shows it as text.
- xlsx: a text cell is always written as a string, never as a formula (openpyxl would
  take any text starting with `=` as one), with the cell's quote-prefix flag set when it
  starts with one of those characters, as a spreadsheet does when you type `'=...`;
  the text itself is kept exactly.
- Numbers stay numbers: an amount we write (a Decimal or an int, such as -2.50) is not
  text and is never prefixed; only values that are text (names, ids, formulas shown as
  text, notes) are. Dates, booleans and empty cells pass as they are.

Files that are the engine's own input (a data folder's CSV the store writes for a run
to read back) are data, not exports: they keep values exactly, since a quote would
change an id or a name the run matches on; they are never handed to a spreadsheet.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Iterable

# what a spreadsheet takes as the start of a formula, or hides one behind
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_TRIGGER_SET = frozenset(TRIGGERS)
_PLAIN_TYPES = (Decimal, int, float, bool, dt.date, dt.datetime, dt.time)


def risky(text: str) -> bool:
    """True for text a spreadsheet would read as (or could hide) a formula."""
    return text.startswith(TRIGGERS)


def text_cell(value):
    """A value for a CSV cell: text that would run gets a leading quote; numbers, dates,
    booleans and None are returned as they are (the csv module writes them exactly)."""
    if value is None or isinstance(value, _PLAIN_TYPES):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if risky(text) else text


def restore(text: str) -> str:
    """The text of a cell as we wrote it before the quote: for reading back a sheet of
    ours (a target sheet that comes back edited). One quote before a character that
    would run is the mark `text_cell` added, and what a spreadsheet hides too."""
    if text.startswith("'") and risky(text[1:]):
        return text[1:]
    return text


def csv_row(values: Iterable) -> list:
    """A row for csv.writer with every text cell made safe (plain text, the common
    case, takes a short path: a run writes a row like this for every line)."""
    return [("'" + v if v[:1] in _TRIGGER_SET else v) if type(v) is str else text_cell(v)
            for v in values]


class CsvWriter:
    """csv.writer for our files: every text cell made safe (unless `data`), and a
    carriage return inside a cell quoted even when lines end in a bare newline (the
    csv module quotes only the characters of its line terminator, so `\n` files would
    carry a raw CR that cuts the row in two for the next reader)."""

    def __init__(self, fh, lineterminator: str = "\r\n", data: bool = False):
        self._fh, self._data, self._lf = fh, data, lineterminator == "\n"
        if self._lf:
            # rows are formatted with CRLF (so CR and LF in cells are quoted), then the
            # row's own CRLF is written as LF
            self._buf = io.StringIO()
            self._csv = csv.writer(self._buf, lineterminator="\r\n")
        else:
            self._csv = csv.writer(fh, lineterminator=lineterminator)

    def writerow(self, values: Iterable) -> None:
        row = values if self._data else csv_row(values)
        if not self._lf:
            self._csv.writerow(row)
            return
        self._buf.seek(0)
        self._buf.truncate()
        self._csv.writerow(row)
        self._fh.write(self._buf.getvalue()[:-2] + "\n")

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for r in rows:
            self.writerow(r)


def xlsx_append(ws, values: Iterable) -> None:
    """Append a row to an openpyxl worksheet: text as string cells (never formulas),
    quote-prefixed when risky; amounts (Decimal) as their exact text, as the project's
    sheets have always held them; other numbers, dates and booleans as they are."""
    prepared, texts = [], []
    for v in values:
        if isinstance(v, Decimal):
            prepared.append(str(v))
            texts.append(False)
        elif v is None or isinstance(v, _PLAIN_TYPES):
            prepared.append(v)
            texts.append(None)
        else:
            v = v if isinstance(v, str) else str(v)
            prepared.append(v)
            texts.append(risky(v))
    ws.append(prepared)
    row = ws.max_row
    for col, prefix in enumerate(texts, start=1):
        if prefix is None:
            continue
        cell = ws.cell(row, col)
        cell.data_type = "s"  # openpyxl makes any text starting with '=' a formula
        if prefix:
            cell.quotePrefix = True
