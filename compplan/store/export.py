"""The payout register payroll imports, and the control totals finance checks it by.

One row per payee and earning code (the component), with the amount, currency, period,
run id and cost center. Control totals: payees, lines, total per currency, and the
run's fingerprint, so payroll and finance can agree they hold the same file.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

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
        ws.append(COLUMNS)
        for r in reg.rows:
            # amounts as text keep every cent exact; payroll systems read them as numbers
            ws.append([*r[:3], str(r[3]), *r[4:]])
        ctl = wb.create_sheet("control")
        ctl.append(["run", reg.run.id])
        ctl.append(["fingerprint", reg.run.fingerprint])
        for cur, total in sorted(reg.totals.items()):
            ctl.append([f"total {cur}", str(total)])
        wb.save(tmp)
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(COLUMNS)
        w.writerows(reg.rows)
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path
