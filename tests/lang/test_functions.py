"""The language's functions are declared once (compplan/lang/functions.py) and each engine
gives a form for every function of values (issue 12 item 1: one registry of functions
instead of four places). The two engines' forms mean the same on generated values:
missing in, missing out; coalesce takes the first value; rounding half up; ISO weekdays.
"""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compplan.engine.functions import FORMS as PYTHON_FORMS
from compplan.lang import ast
from compplan.lang.checked import KEYWORDS
from compplan.lang.functions import BY_NAME, FUNCTIONS, REGISTRY, SHOWS_CALL
from compplan.errors import Pos

duckdb = pytest.importorskip("duckdb", reason="the SQL engine needs duckdb")

from compplan.engine.sql import decimals as dec  # noqa: E402
from compplan.engine.sql.decimals import Num  # noqa: E402
from compplan.engine.sql.exprs import ExprCompiler  # noqa: E402
from compplan.engine.sql.functions import FORMS as SQL_FORMS  # noqa: E402

CON = duckdb.connect()
for _m in dec.MACROS:
    CON.execute(_m)
AT = Pos("test", 1, 1)


def test_every_function_of_values_has_a_form_in_each_engine_and_no_other():
    assert set(BY_NAME) == set(PYTHON_FORMS) == set(SQL_FORMS)


def test_the_table_is_the_checker_s_and_names_no_keyword():
    assert set(FUNCTIONS) == set(REGISTRY)
    assert not set(FUNCTIONS) & KEYWORDS
    assert set(SHOWS_CALL) <= set(BY_NAME)
    for f in REGISTRY.values():
        assert f.most is None or f.fewest <= f.most, f.name
        assert (f.type_rule is not None) == (f.name in BY_NAME), f.name


def _python(name: str, values: list, extra: list[ast.Node]):
    n = ast.Call(AT, name, [ast.Ref(AT, (f"a{i}",)) for i in range(len(values))] + extra)
    args = [(lambda env, row, v=v: v) for v in values]
    args += [(lambda env, row, e=e: e.value) for e in extra]
    return PYTHON_FORMS[name](args, n)(None, None)


DATE_FUNCTIONS = ("year", "month", "day", "quarter", "weekday", "days_between")


def _sql_literal(v, name: str) -> Num:
    if v is None:  # a missing value of the column's type
        return Num("CAST(NULL AS DATE)", None) if name in DATE_FUNCTIONS else \
            Num("CAST(NULL AS DECIMAL(38,4))", 4)
    if isinstance(v, dt.date):
        return Num(f"DATE '{v.isoformat()}'", None)
    return dec.literal(v)


def _sql(name: str, values: list, extra: list[ast.Node]):
    refs = [ast.Ref(AT, (f"a{i}",)) for i in range(len(values))]
    by_ref = {id(r): _sql_literal(v, name) for r, v in zip(refs, values)}
    ex = ExprCompiler(lambda r: by_ref[id(r)], lambda n: None)
    num = ex.sql(ast.Call(AT, name, refs + extra))
    with dec.statement() as lets:
        return CON.execute(f"SELECT {lets.select()}{num.sql}").fetchone()[0]


def _same(name: str, values: list, extra: list[ast.Node] = ()):
    extra = list(extra)
    want, got = _python(name, values, extra), _sql(name, values, extra)
    if want is None or got is None:
        assert want is None and got is None, (name, values, want, got)
    else:
        assert Decimal(got) == Decimal(want), (name, values, want, got)


amounts = st.one_of(st.none(), st.decimals(min_value=-10**12, max_value=10**12, places=4,
                                           allow_nan=False, allow_infinity=False))


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["min", "max", "coalesce"]),
       values=st.lists(amounts, min_size=2, max_size=4))
def test_min_max_coalesce_are_the_same_on_both_engines(name, values):
    _same(name, values)


@settings(max_examples=100, deadline=None)
@given(x=amounts, lo=amounts, hi=amounts)
def test_clamp_is_the_same_on_both_engines(x, lo, hi):
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    _same("clamp", [x, lo, hi])


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(["abs", "floor", "ceil", "round"]), x=amounts,
       places=st.one_of(st.none(), st.integers(0, 3)))
def test_rounding_functions_are_the_same_on_both_engines(name, x, places):
    extra = [ast.Number(AT, Decimal(places))] if name == "round" and places is not None else []
    _same(name, [x], extra)


dates = st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1),
                                      max_value=dt.date(2100, 12, 31)))


@settings(max_examples=100, deadline=None)
@given(name=st.sampled_from(["year", "month", "day", "quarter", "weekday"]), d=dates)
def test_date_parts_are_the_same_on_both_engines(name, d):
    _same(name, [d])


@settings(max_examples=100, deadline=None)
@given(a=dates, b=dates)
def test_days_between_is_the_same_on_both_engines(a, b):
    _same("days_between", [a, b])


@pytest.mark.parametrize("name, values, extra, want", [
    ("round", [Decimal("2.5")], [], Decimal("3")),          # half up, not to even
    ("round", [Decimal("-2.5")], [], Decimal("-3")),        # half away from zero
    ("round", [Decimal("1.005")], [2], Decimal("1.01")),
    ("floor", [Decimal("-1.5")], [], Decimal("-2")),
    ("ceil", [Decimal("-1.5")], [], Decimal("-1")),
    ("min", [Decimal("1"), None], [], None),                # missing in, missing out
    ("coalesce", [None, Decimal("7"), Decimal("9")], [], Decimal("7")),
    ("weekday", [dt.date(2026, 3, 1)], [], 7),              # a Sunday is 7 (ISO)
    ("quarter", [dt.date(2026, 10, 1)], [], 4),
    ("days_between", [dt.date(2026, 1, 31), dt.date(2026, 3, 1)], [], 29),
])
def test_worked_examples(name, values, extra, want):
    extra = [ast.Number(AT, Decimal(p)) for p in extra]
    assert _python(name, values, extra) == want
    got = _sql(name, values, extra)
    assert (got is None and want is None) or Decimal(got) == Decimal(want)
