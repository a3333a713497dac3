"""Journal lines, as a general ledger imports them, and the files they go to.

An entry is a set of lines that balance: the debits add up to the credits, to the cent.
A negative amount to book (an accrual that goes down, a clawback) is written on the
other side as a positive figure, as accountants write it, never as a negative debit.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..cells import CsvWriter, xlsx_append

COLUMNS = ["entry", "date", "account", "cost_centre", "debit", "credit", "currency", "memo"]
ZERO = Decimal(0)


@dataclass
class JournalLine:
    entry: str  # the entry it belongs to: "accrual 3", "amortization 2026-03"
    date: dt.date
    account: str
    cost_centre: str
    debit: Decimal
    credit: Decimal
    currency: str
    memo: str

    def row(self) -> list:
        return [self.entry, self.date.isoformat(), self.account, self.cost_centre,
                self.debit, self.credit, self.currency, self.memo]


def pair(entry: str, date: dt.date, debit_account: str, credit_account: str,
         cost_centre: str, amount: Decimal, currency: str, memo: str) -> list[JournalLine]:
    """Two lines moving `amount` from the credit account to the debit account; with a
    negative amount the sides swap. Nothing for zero."""
    if amount == 0:
        return []
    if amount < 0:
        debit_account, credit_account, amount = credit_account, debit_account, -amount
    return [JournalLine(entry, date, debit_account, cost_centre, amount, ZERO, currency,
                        memo),
            JournalLine(entry, date, credit_account, cost_centre, ZERO, amount, currency,
                        memo)]


def totals(lines: list[JournalLine]) -> tuple[Decimal, Decimal]:
    return (sum((ln.debit for ln in lines), ZERO), sum((ln.credit for ln in lines), ZERO))


def write_table(path: str | Path, columns: list[str], rows: list[list], fmt: str = "csv",
                sheet: str = "sheet", control: list[list] | None = None) -> Path:
    """Write rows as CSV (text cells that cannot run, compplan.cells) or xlsx (a second
    sheet, `control`, holds the control totals), atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "xlsx":
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        xlsx_append(ws, columns)
        for r in rows:
            xlsx_append(ws, r)
        if control:
            ctl = wb.create_sheet("control")
            for r in control:
                xlsx_append(ctl, r)
        wb.save(tmp)
    else:
        buf = io.StringIO()
        w = CsvWriter(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path


def write(lines: list[JournalLine], path: str | Path, fmt: str = "csv") -> Path:
    debit, credit = totals(lines)
    return write_table(path, COLUMNS, [ln.row() for ln in lines], fmt, "journal",
                       [["lines", len(lines)], ["debits", debit], ["credits", credit]])
