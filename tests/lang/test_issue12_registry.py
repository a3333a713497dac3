"""Issue 12 item 1: one registry of functions (compplan/lang/functions.py). Each function
is one record (name, arity, type rule, Python implementation, SQL form, docs row) and
the checker, both engines and docs/language.md read it. These tests fail when a
function is given to one engine and not the other, when the docs' table drifts from
the records, and they hold that a function marked Python-only is refused by the SQL
engine when the plan compiles, at the call, while the Python engine runs it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from compplan.engine.python.functions import FORMS as PYTHON_FORMS
from compplan.errors import Pos
from compplan.lang import ast, check_file
from compplan.lang import functions
from compplan.lang.functions import BY_NAME, BY_VALUE, REGISTRY, doc_table

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.ir import compile_plan  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402
from compplan.engine.run import run_plan  # noqa: E402
from compplan.engine.sql import decimals as dec  # noqa: E402
from compplan.engine.sql.choose import choose_engine  # noqa: E402
from compplan.engine.sql.cover import REFUSED, refusals  # noqa: E402
from compplan.engine.sql.decimals import Num  # noqa: E402
from compplan.engine.sql.exprs import ExprCompiler  # noqa: E402
from compplan.engine.sql.functions import FORMS as SQL_FORMS  # noqa: E402

LANGUAGE_MD = Path(__file__).resolve().parents[2] / "docs" / "language.md"
AT = Pos("test", 1, 1)


def test_issue12_every_function_of_values_has_both_forms_or_says_why_not():
    for f in REGISTRY.values():
        if f.kind in BY_VALUE:
            assert f.python is not None, f"{f.name}: no Python implementation"
            assert f.type_rule is not None, f"{f.name}: no type rule"
            # a SQL form, or a reason there is none: never both, never neither
            assert (f.sql is None) != (f.python_only is None), \
                f"{f.name}: give a SQL form or say why it is Python-only"
        else:  # compiled where each engine compiles what it reads
            assert f.python is f.sql is f.python_only is f.type_rule is None, f.name
    assert set(PYTHON_FORMS) == set(BY_NAME)
    assert set(SQL_FORMS) == {n for n in BY_NAME if REGISTRY[n].sql is not None}


def test_issue12_docs_functions_table_is_the_registry():
    text = LANGUAGE_MD.read_text()
    section = text[text.index("### Functions"):]
    table = section[section.index("| Function |"):]
    table = table[:table.index("\n\n")]
    assert table == doc_table(), \
        "docs/language.md's functions table differs from the registry: paste in " \
        "`python -m compplan.lang.functions`"


def test_issue12_every_function_is_documented_in_the_table_or_a_named_section():
    headings = set(re.findall(r"^#+ (.+)$", LANGUAGE_MD.read_text(), re.M))
    for f in REGISTRY.values():
        assert (f.doc is None) != (f.see is None), f.name
        if f.see is not None:
            assert f.see in headings, f"{f.name}: no heading '{f.see}' in docs/language.md"


def test_issue12_the_choosing_functions_are_the_ones_of_the_agreeing_type_rule():
    # percent.py reads the arguments of these as the values the call may give
    assert set(functions.PICKS) == {"min", "max", "clamp", "coalesce"}


# One worked example per function of values, run through both engines' forms made from
# the registry. A function added to the registry without an example here fails the
# first test: each new function is shown to mean the same on both engines.
EXAMPLES = {
    "min": ([Decimal("80000.00"), Decimal("75000.5")], [], Decimal("75000.5")),
    "max": ([Decimal("-1"), Decimal("0.25")], [], Decimal("0.25")),
    "clamp": ([Decimal("2.5"), Decimal("0"), Decimal("2")], [], Decimal("2")),
    "coalesce": ([None, None, Decimal("3")], [], Decimal("3")),
    "abs": ([Decimal("-400.10")], [], Decimal("400.10")),
    "round": ([Decimal("0.12345")], [4], Decimal("0.1235")),      # half up at the 5
    "floor": ([Decimal("2.99")], [], Decimal("2")),
    "ceil": ([Decimal("2.01")], [], Decimal("3")),
    "year": ([dt.date(2026, 3, 31)], [], 2026),
    "month": ([dt.date(2026, 3, 31)], [], 3),
    "day": ([dt.date(2026, 3, 31)], [], 31),
    "quarter": ([dt.date(2026, 3, 31)], [], 1),
    "weekday": ([dt.date(2026, 3, 30)], [], 1),                   # a Monday
    "days_between": ([dt.date(2026, 1, 1), dt.date(2026, 3, 31)], [], 89),  # 30 + 28 + 31
}


def test_issue12_every_function_of_values_has_a_worked_example():
    assert set(EXAMPLES) == set(BY_NAME)


def _call(name: str, values: list, places: list) -> ast.Call:
    extra = [ast.Number(AT, Decimal(p)) for p in places]
    return ast.Call(AT, name, [ast.Ref(AT, (f"a{i}",)) for i in range(len(values))] + extra)


def _sql_value(name: str, values: list, places: list):
    n = _call(name, values, places)
    refs = [a for a in n.args if isinstance(a, ast.Ref)]

    def literal(v, i):
        if v is None:
            return Num("CAST(NULL AS DECIMAL(38,4))", 4)
        if isinstance(v, dt.date):
            return Num(f"DATE '{v.isoformat()}'", None)
        return dec.literal(v)
    by_ref = {id(r): literal(v, i) for i, (r, v) in enumerate(zip(refs, values))}
    con = duckdb.connect()
    for m in dec.MACROS:
        con.execute(m)
    num = ExprCompiler(lambda r: by_ref[id(r)], lambda c: None).sql(n)
    with dec.statement() as lets:
        return con.execute(f"SELECT {lets.select()}{num.sql}").fetchone()[0]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_issue12_worked_example_same_on_both_engines(name):
    values, places, want = EXAMPLES[name]
    n = _call(name, values, places)
    args = [(lambda env, row, v=v: v) for v in values]
    args += [(lambda env, row, p=p: Decimal(p)) for p in places]
    assert PYTHON_FORMS[name](args, n)(None, None) == want
    if REGISTRY[name].sql is not None:
        assert Decimal(_sql_value(name, values, places)) == Decimal(want)


# ------------------------------------------------------------------ Python-only
HEAD = """plan: t
name: T
version: 1
effective: {from: 2026-01-01, to: 2026-12-31}
period: quarter
currency: USD
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
credits:
  bookings: {from: deals, value: amount}
measures:
  booked: sum(bookings)
earnings:
  bonus:
    value: abs(booked - 1000) * 10%
"""

DATA = {"payees": [{"rep_id": "r1", "name": "Ann"}],
        "deals": [{"deal_id": "d1", "rep_id": "r1", "close_date": "2026-02-01",
                   "amount": "400.00"},
                  {"deal_id": "d2", "rep_id": "r1", "close_date": "2026-03-01",
                   "amount": "200.00"}]}


def test_issue12_a_python_only_function_is_refused_by_the_sql_engine_at_the_call(
        tmp_path, monkeypatch):
    abs_ = REGISTRY["abs"]
    monkeypatch.setitem(REGISTRY, "abs", dataclasses.replace(
        abs_, sql=None, python_only="no SQL form in this test"))
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD)
    checked = check_file(str(path))
    assert checked.ok, [p.text for p in checked.problems.errors]
    compiled = compile_plan(checked)

    problems = refusals(compiled)
    line = HEAD.splitlines().index("    value: abs(booked - 1000) * 10%") + 1
    col = "    value: abs(booked - 1000) * 10%".index("abs(") + 1
    assert [(p.code, p.line, p.col) for p in problems] == [(REFUSED, line, col)]
    assert "abs() (no SQL form in this test)" in problems[0].message
    choice = choose_engine(compiled, parse_period("2026-Q1"))
    assert choice.engine == "python" and f"plan.yaml:{line}:{col}" in choice.why

    # the Python engine runs it: booked 400 + 200 = 600; |600 - 1000| = 400; 10% = 40.00
    tables = load_inline(compiled.plan, DATA, "t", [])
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    assert [p.total for p in result.payees] == [Decimal("40.00")]


def test_issue12_with_its_sql_form_the_same_plan_is_not_refused(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(HEAD)
    compiled = compile_plan(check_file(str(path)))
    assert refusals(compiled) == []
