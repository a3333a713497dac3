"""Helpers for holding one engine to another (issue 13): the reason a PostgreSQL test
cannot run, and a stored run's lines in a form two engines' saves compare in.

The engines' results are compared with test_sql_differential.assert_same (every payee,
component, total, measure, warning and line field); a stored run is compared here the
way verify reads it: numbers as numbers (2400.00 in one store is 2400.00 in another),
JSON as what it says (PostgreSQL writes `{"a" : "b"}`, Python `{"a": "b"}`), inputs in
their order. A Spark engine's tests can use both."""
from __future__ import annotations

from decimal import Decimal


def postgres_unavailable() -> str | None:
    """Why no PostgreSQL test can run (no psycopg, no server at COMPPLAN_PG_DSN or
    127.0.0.1:5432/test), or None."""
    try:
        from compplan.engine.sql import postgres
    except ImportError as e:  # duckdb missing
        return f"the SQL engine cannot load ({e})"
    try:
        postgres.connect().close()
    except Exception as e:  # noqa: BLE001 - any failure to connect is the reason
        return f"no PostgreSQL at {postgres.dsn_of()} ({type(e).__name__}: {e})".strip()
    return None


def _number(v):
    return None if v is None else Decimal(str(v))


def stored_lines(store, run_id: int) -> list[tuple]:
    """Every stored line of a run, in payee and number order, as comparable values."""
    from compplan.diff.stored import load_run
    with store.session() as s:
        run = load_run(s, run_id)
    out = []
    for ln in sorted(run.lines, key=lambda ln: (ln.payee, ln.number)):
        out.append((ln.payee, ln.number, ln.component, ln.kind, _number(ln.amount),
                    _number(ln.exact), ln.formula, ln.rule, tuple(ln.sources),
                    tuple((k, str(v)) for k, v in ln.inputs.items()),
                    tuple((t["tier"], _number(t["amount"]), _number(t["rate"]),
                           _number(t["pays"])) for t in ln.tiers),
                    _number(ln.basis_before), _number(ln.basis_after), ln.rounding,
                    ln.date, ln.note, ln.key))
    return out


def inputs_as_numbers(rows: list[tuple]) -> list[tuple]:
    """stored_lines with each input value a number where it is one (an engine writes
    4000.00 where another writes 4000: the same value)."""
    def value(v: str):
        try:
            return Decimal(v)
        except ArithmeticError:
            return v
    return [r[:9] + (tuple((k, value(v)) for k, v in r[9]),) + r[10:] for r in rows]


def assert_same_stored(ref: list[tuple], got: list[tuple]) -> None:
    """Two engines' stored_lines alike: every field, inputs as numbers, the rounding
    text aside (it shows the exact value in each engine's digits, as verify says)."""
    ref, got = inputs_as_numbers(ref), inputs_as_numbers(got)
    assert [r[:4] for r in got] == [r[:4] for r in ref]
    for x, y in zip(ref, got):
        assert x[:13] + x[14:] == y[:13] + y[14:], (x[0], x[1])
