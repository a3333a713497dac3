"""A round's approved figures as a file (issue 19), for the portal and the command line.

The file is the plan's own targets input (its payee and period columns, a column per
KPI target) when the round knows that input's shape: taken from the plan when the round
was opened (the portal's open plan, or `targets round open --plan`), or from a plan
given now. Without it, the long sheet `targets import` reads. Only approved versions of
the round's period: a round still open exports nothing.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

from . import store as tstore
from .kpis import KPI, Catalogue
from .sheets import LONG, long_rows, plan_file


class ExportError(Exception):
    def __init__(self, status: int, message: str, hint: str = ""):
        super().__init__(message)
        self.status, self.message, self.hint = status, message, hint


def input_shape(plan, kpi_info: dict) -> dict | None:
    """The one per-payee input of `plan` holding the round's target columns, as JSON-able
    data: {input, file, payee, period, by, columns}; None when no single input does."""
    cols = {v.get("target") for v in kpi_info.values() if v.get("target")}
    if not cols or len(cols) != len(kpi_info):
        return None
    names = [n for n, inp in plan.inputs.items()
             if inp.payee and not inp.key and cols & set(inp.columns)]
    if len(names) != 1:
        return None
    inp = plan.inputs[names[0]]
    return {"input": names[0], "file": inp.file or f"{names[0]}.csv", "payee": inp.payee,
            "period": inp.period, "by": list(inp.by), "columns": list(inp.columns)}


def export_table(store, r, plan=None) -> tuple[str, list[str], list[list]]:
    """(file name, header, rows) of the approved round `r`."""
    if r.status != "approved":
        raise ExportError(409, f"round {r.id} is not approved yet: nothing to export")
    versions = [t for t in tstore.versions(store, r.set_name, status="approved")
                if t.period == r.period]
    info = json.loads(r.kpi_info)
    shape = json.loads(r.targets_input) if r.targets_input else None
    if shape is None and plan is not None:
        shape = input_shape(plan, info)
    if shape is None:
        return f"round-{r.id}-{r.period}.csv", list(LONG), long_rows(versions)
    cols = {v["target"] for v in info.values()}
    missing = [c for c in shape["columns"] if c not in cols and c not in shape["by"]]
    if missing:
        raise ExportError(409, f"the round sets no KPI for column(s) {', '.join(missing)} "
                          f"of the plan's input {shape['input']}",
                          "export the long sheet with compplan targets export")
    cat = Catalogue("round", {k: KPI(k, v.get("name", k), v["unit"], v.get("measure", k),
                                     v["target"], adds_up=False) for k, v in info.items()})
    inp = SimpleNamespace(payee=shape["payee"], period=shape["period"], by=shape["by"],
                          columns=shape["columns"])
    header, rows, _ = plan_file(versions, cat, SimpleNamespace(inputs={shape["input"]: inp}),
                                shape["input"])
    return shape["file"].rsplit("/", 1)[-1], header, rows
