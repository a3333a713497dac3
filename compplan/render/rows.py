"""A payee's own data rows, for what statements, `explain` and curves show of the data.

Pay is confidential: the data folder of a run holds every payee's rows, so whatever is
shown to one payee goes through here first and keeps only that payee's rows (their
payees row, their quotas and KPIs, their transactions). `explain` also shows the rows
behind a line's sources, which for a manager's rollup are the team's deals: those are
named by the line itself, so they are part of the manager's own pay.
"""
from __future__ import annotations

import zlib
from pathlib import Path

from ..datafolder import OutsideFolder, inside
from ..engine.data import ROW, Table, find_file, load_folder, read_records
from ..engine.ir import CompiledPlan
from ..errors import Problem


def load(compiled: CompiledPlan, folder: str | Path) -> tuple[dict[str, Table], list[Problem]]:
    """Every input table of a data folder, typed as the plan reads it."""
    problems: list[Problem] = []
    return load_folder(compiled.plan, folder, problems), problems


def write_dataset(session, dataset_id: str, dest: Path) -> Path:
    """A stored run's data files, written back into a folder (the store keeps them
    compressed, exactly as they were run)."""
    from ..store.models import DatasetFile
    dest.mkdir(parents=True, exist_ok=True)
    for f in session.query(DatasetFile).filter_by(dataset_id=dataset_id):
        inside(dest, f.name).write_bytes(zlib.decompress(f.content))
    return dest


def own_rows(compiled: CompiledPlan, tables: dict[str, Table], payee: str) -> dict[str, list]:
    """The rows of each input that belong to one payee, and nobody else's."""
    out: dict[str, list[dict]] = {}
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        if table is None:
            continue
        col = inp.key if name == "payees" else inp.payee
        if col is None:
            continue
        out[name] = [r for r in table.rows if str(r.get(col)) == payee]
    return out


def rows_by_payee(compiled: CompiledPlan, tables: dict[str, Table]) -> dict[str, dict]:
    """Every payee's own rows (own_rows for each), in one pass over the tables: a run's
    statements read them per payee, and a scan of every table per payee made 10,000
    statements quadratic in the data."""
    out: dict[str, dict[str, list[dict]]] = {}
    names = []
    for name, inp in compiled.plan.inputs.items():
        table = tables.get(name)
        col = inp.key if name == "payees" else inp.payee
        if table is None or col is None:
            continue
        names.append(name)
        for r in table.rows:
            out.setdefault(str(r.get(col)), {}).setdefault(name, []).append(r)
    for own in out.values():  # every input named, as own_rows gives them
        for name in names:
            own.setdefault(name, [])
    return out


def source_rows(compiled: CompiledPlan, tables: dict[str, Table],
                sources: list[str]) -> dict[str, dict]:
    """The rows named by sources like 'deals:A-101' (input name, then the row's key)."""
    wanted: dict[str, set[str]] = {}
    for s in sources:
        name, _, key = s.partition(":")
        wanted.setdefault(name, set()).add(key)
    out: dict[str, dict] = {}
    for name, keys in wanted.items():
        inp = compiled.plan.inputs.get(name)
        table = tables.get(name)
        if inp is None or table is None or not inp.key:
            continue
        for r in table.rows:
            k = str(r.get(inp.key))
            if k in keys:
                out[f"{name}:{k}"] = r
    return out


def shown_columns(row: dict, first: tuple = ()) -> dict[str, object]:
    """A row's columns as a reader sees them (no internal bookkeeping fields), the
    columns named in `first` (key, payee, date) leading."""
    cols = {k: v for k, v in row.items() if not k.startswith("_") and k != ROW}
    return {**{k: cols[k] for k in first if k in cols}, **cols}


def locales(compiled: CompiledPlan, folder: str | Path, column: str = "locale") -> dict:
    """Each payee's `locale` cell in the payees file (read raw: the plan need not declare
    the column, since it changes no pay)."""
    inp = compiled.plan.inputs.get("payees")
    if inp is None or not inp.key:
        return {}
    try:
        path = find_file(Path(folder), "payees", inp)
    except OutsideFolder:
        return {}
    if path is None:
        return {}
    header, records = read_records(path)
    key_col = inp.rename.get(inp.key, inp.key)
    loc_col = inp.rename.get(column, column)
    if key_col not in header or loc_col not in header:
        for _ in records:  # let the reader close its file
            pass
        return {}
    k, i = header.index(key_col), header.index(loc_col)
    return {cells[k].strip(): cells[i].strip() for _, cells in records
            if len(cells) > max(k, i) and cells[i].strip()}
