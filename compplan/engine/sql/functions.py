"""The SQL engine's form of each function of values, compiled from the registry's SQL
forms (compplan/lang/functions.py, one record per function: `Function.sql`).

A form takes the expression compiler and the call and gives the call as a `Num` (SQL
text and its decimal scale), meaning exactly what the record's Python implementation
means: a missing argument makes the value missing (SQL's least() and greatest() skip
NULLs, so such forms are `guarded`), coalesce() works its arguments out in turn (each
compiled under the guard that those before it are missing, for the division-by-zero
warnings), and rounding is the language's, not the database's (rounding.py). What
differs between dialects is asked of dialect.py through the form's hooks (`{part}`,
`{days}`). tests/lang/test_functions.py holds the engines to each other on generated
values.
"""
from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Callable

from . import dialect
from ...lang import ast
from ...lang.functions import BY_NAME, BY_VALUE, REGISTRY, Function, Sql, places_of
from . import decimals as dec, rounding
from .decimals import Num

Form = Callable[["ExprCompiler", ast.Call], Num]  # noqa: F821 (exprs.py imports this)


class NotRun(Exception):
    """A call this engine cannot run (the plan is refused at the call's position)."""


def _scale(args: list[Num]) -> int | None:
    scales = [a.scale for a in args if a.scale is not None]
    return max(scales) if scales and len(scales) == len(args) else None


def _lazy_args(ex, n: ast.Call) -> list[Num]:
    """Each argument compiled only while those before it are missing (coalesce)."""
    args: list[Num] = []
    for a in n.args:
        with contextlib.ExitStack() as stack:
            for before in args:
                stack.enter_context(ex.guarded(f"{before.sql} IS NULL"))
            args.append(ex.sql(a))
    return args


# rounding.py's names of the language's modes
def _rounded(ex, n: ast.Call, mode: str) -> Num:
    places = places_of(n)
    r = rounding.round_to(ex.sql(n.args[0]), Decimal(1).scaleb(-places), mode)
    if r is None:
        raise NotRun(f"{n.name}() to {places} places")
    return r


def compile_call(ex, n: ast.Call, form: Sql) -> Num:
    """A call of a function of values as SQL, by its record's form."""
    if form.rounding is not None:
        return _rounded(ex, n, form.rounding)
    args = _lazy_args(ex, n) if form.lazy else [ex.sql(a) for a in n.args]
    if form.aligned:
        args = dec.align(*args)
    texts = [a.sql for a in args]
    hooks = {"args": ", ".join(texts)}
    d = dialect.current()
    if form.part is not None:
        hooks["part"] = d.date_part(form.part)
    if "{days}" in form.template:
        hooks["days"] = d.days_between(texts[0], texts[1])
    sql = form.template.format(*texts, **hooks)
    if form.guarded:
        nulls = " OR ".join(f"{t} IS NULL" for t in texts)
        sql = f"(CASE WHEN {nulls} THEN NULL ELSE {sql} END)"
    return Num(sql, _scale(args) if form.scale == "args" else form.scale)


def _form(f: Function) -> Form:
    return lambda ex, n: compile_call(ex, n, f.sql)


# name -> form, for every function of values with a SQL form (the others are refused
# when a plan compiles: cover.py)
FORMS: dict[str, Form] = {name: _form(REGISTRY[name]) for name in BY_NAME
                          if REGISTRY[name].sql is not None}


def python_only(name: str) -> str | None:
    """Why a function of values has no SQL form (None: it has one, or is not one)."""
    f = REGISTRY.get(name)
    return f.python_only if f is not None and f.kind in BY_VALUE and f.sql is None else None
