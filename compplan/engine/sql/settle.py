"""Payees settled at their own frequency (issue 20) on the SQL engine.

As the Python engine does it (engine/run.py _by_frequency, engine/settle.py): who is
settled over which period in this run is settlement()'s answer (the same code); each
group's period is run as any period, everyone's figures made (a manager settled
monthly reads the month of reports settled twice a month), and only the group's
payees kept. In DuckDB the others' lines are deleted from the lines table before it is
read, stored or copied, so lines.csv and the store get the kept payees' lines alone;
each group's lines.csv part is written by COPY, and the parts are put together in payee
order by DuckDB. Spark leaves them out itself, as it stages its results (its lines are
read through a view over Parquet, which cannot be deleted from): `keep=None`.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ...errors import CompplanError
from .. import datacheck
from ..plausible import plausibility
from ..prepare import prepare
from ..results import LINE_COLUMNS, RunResult
from .show import CSV_OPTIONS
from ..settle import about_payees, frequency_column, settled_later, settled_note, settlement


def settles_by_frequency(compiled, period) -> bool:
    """Whether a run of `period` settles payees at their own frequency."""
    return bool(frequency_column(compiled)) and period.kind == compiled.plan.period




def keep_in_duckdb(con, payees) -> None:
    """The lines of `payees` alone left in the run's lines table (DuckDB)."""
    con.execute("CREATE TEMP TABLE _kept(p VARCHAR)")
    con.executemany("INSERT INTO _kept VALUES (?)", [[p] for p in sorted(payees)])
    con.execute("DELETE FROM lines WHERE payee NOT IN (SELECT p FROM _kept)")


def run_by_frequency(compiled, tables, period, run_one, lines_csv: Path | None = None,
                     then=None, keep=keep_in_duckdb, data_warnings=None,
                     check=None) -> RunResult:
    """The run of `period`, each group of payees worked out over its own period by
    `run_one(period, lines_csv, then)` (run.run_sql for one period); `lines_csv` and
    `then` as for run_sql. `keep(con, payees)` leaves the group's lines alone in the
    run's lines table before `then` reads it (the PostgreSQL engine gives its own);
    with `keep=None` the engine leaves the others' lines out itself:
    `run_one(period, lines_csv, then, payees)` (Spark, as it stages its results).

    An engine that does not hold every input as rows (Spark keeps the transactions in
    Spark; `tables` holds the small inputs, the payees among them) gives what is read
    of them otherwise: `data_warnings`, the data's warnings in the Python engine's
    order, and `check(period)`, the problems of the run's own period when no group is
    settled over it (by default the Python preparation of `tables`)."""
    s = settlement(compiled, tables, period)
    if s.problems:
        raise CompplanError(s.problems)
    if not any(g.period == period for g in s.groups):
        # the run's own period is still checked (the Python engine prepares it)
        problems = check(period) if check is not None else \
            prepare(compiled, tables, period).problems
        if problems:
            raise CompplanError(problems)
    if data_warnings is None:
        data_warnings = plausibility(compiled, tables) + datacheck.empty_tables(
            compiled, tables) + datacheck.negative_amounts(compiled, tables)
    warnings = list(data_warnings) + \
        settled_later(compiled, period, s.later, tables["payees"].file)
    plan = compiled.plan
    result = RunResult(plan.plan, plan.name, str(plan.version), period.label, plan.currency)
    kept = []
    with tempfile.TemporaryDirectory(prefix="compplan-settle-") as tmp:
        parts = []
        for i, g in enumerate(s.groups):
            def keep_only(con, payees=g.payees):
                keep(con, payees)
                if then is not None:
                    then(con)
            part = Path(tmp) / f"lines_{i}.csv" if lines_csv is not None else None
            if keep is None:  # the engine leaves the others' lines out itself
                sub = run_one(g.period, part, then, g.payees)
            else:
                # lines read back as objects (no file, no store): the others' are left
                # out with their payees below
                hook = keep_only if lines_csv is not None or then is not None else None
                sub = run_one(g.period, part, hook)
            if part is not None:
                parts.append(part)
            for pr in sub.payees:
                if pr.payee in g.payees:
                    if g.period != period:
                        pr.warnings.insert(0, settled_note(g.period))
                    kept.append(pr)
            result.warnings.extend(w for w in sub.warnings if w.code == "runtime" and
                                   about_payees(w, g.payees))
        if lines_csv is not None:
            _merge(parts, lines_csv)
    kept.sort(key=lambda p: p.payee)
    result.payees = kept
    result.warnings[:0] = warnings
    return result


def _merge(parts: list[Path], lines_csv: Path) -> None:
    """The groups' lines.csv parts as one file, in payee and line order (as the Python
    engine writes it), text kept as written."""
    import duckdb
    if not parts:  # nobody is settled in this run: the header alone
        lines_csv.write_bytes((",".join(LINE_COLUMNS) + "\r\n").encode("utf-8"))
        return
    con = duckdb.connect()
    try:
        files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
        con.execute(f"COPY (SELECT * FROM read_csv([{files}], header = true, all_varchar = "
                    "true) ORDER BY payee, CAST(line AS INTEGER)) TO "
                    f"'{str(lines_csv).replace(chr(39), chr(39) * 2)}' {CSV_OPTIONS}")
    finally:
        con.close()
