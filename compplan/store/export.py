"""The payout register payroll imports, and the control totals finance checks it by.

One row per payee and earning code (the component), with the amount, currency, period,
run id and cost center. Control totals: payees, lines, total per currency, and the
run's fingerprint, so payroll and finance can agree they hold the same file.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..cells import CsvWriter, xlsx_append
from .db import Store
from .models import PayeeResultRow, Run

COLUMNS = ["payee", "name", "earning_code", "amount", "currency", "period", "run", "cost_center"]


@dataclass
class Register:
    run: Run
    rows: list[list]
    totals: dict[str, Decimal]  # per currency

    def control(self) -> str:
        by_cur = ", ".join(f"{c} {t:,.2f}" for c, t in sorted(self.totals.items()))
        payees = len({r[0] for r in self.rows})
        return (f"run {self.run.id} {self.run.plan_id} {self.run.period} ({self.run.status}): "
                f"{payees} payees, {len(self.rows)} lines, {by_cur}; "
                f"fingerprint {self.run.fingerprint}")


def register(store: Store, run_id: int) -> Register:
    with store.session() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise LookupError(f"there is no run {run_id}; see compplan runs")
        rows, totals = [], {}
        for pr in s.execute(select(PayeeResultRow).where(PayeeResultRow.run_id == run_id)
                            .order_by(PayeeResultRow.payee)).scalars():
            for code, amount in json.loads(pr.components).items():
                amount = Decimal(amount)
                if amount == 0:
                    continue
                rows.append([pr.payee, pr.name, code, amount, pr.currency, run.period, run.id,
                             pr.cost_center])
                totals[pr.currency] = totals.get(pr.currency, Decimal(0)) + amount
        return Register(run, rows, totals)


def write(reg: Register, path: Path, fmt: str) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "xlsx":
        import openpyxl
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "payouts"
        xlsx_append(ws, COLUMNS)
        for r in reg.rows:
            # amounts (Decimal) go in as their exact text, so every cent is kept; payroll
            # systems read them as numbers. Names and codes are text that cannot run.
            xlsx_append(ws, r)
        ctl = wb.create_sheet("control")
        xlsx_append(ctl, ["run", reg.run.id])
        xlsx_append(ctl, ["fingerprint", reg.run.fingerprint])
        for cur, total in sorted(reg.totals.items()):
            xlsx_append(ctl, [f"total {cur}", total])
        wb.save(tmp)
    else:
        buf = io.StringIO()
        w = CsvWriter(buf)  # text cells that cannot run (compplan.cells)
        w.writerow(COLUMNS)
        w.writerows(reg.rows)
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path
