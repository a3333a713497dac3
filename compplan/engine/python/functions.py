"""The Python engine's closures for the functions of values, made from the registry's
Python implementations (compplan/lang/functions.py, one record per function).

A form takes the compiled arguments (closures `(env, row) -> value`) and the call, and
gives the call's closure. A missing argument makes the value missing, as everywhere in
the language (the record is `strict`); coalesce() is not: its implementation gets its
arguments as thunks and works them out in turn, only while those before them are
missing (a division in a later argument is not made, nor warned of, once an earlier
one has a value).
"""
from __future__ import annotations

from typing import Any, Callable

from ...lang import ast
from ...lang.functions import BY_NAME, REGISTRY, Function

Fn = Callable[[Any, Any], Any]
Form = Callable[[list[Fn], ast.Call], Fn]


def closure(f: Function, args: list[Fn], n: ast.Call) -> Fn:
    """The call's closure: the record's implementation over its arguments' closures."""
    impl = f.python(n)
    if not f.strict:
        return lambda env, row: impl(*[(lambda a=a: a(env, row)) for a in args])
    if len(args) == 1:  # the common shapes without a list per row
        (x,) = args
        return lambda env, row: None if (v := x(env, row)) is None else impl(v)
    if len(args) == 2:
        a, b = args

        def two(env, row):
            v, w = a(env, row), b(env, row)
            return None if v is None or w is None else impl(v, w)
        return two

    def many(env, row):
        vals = [a(env, row) for a in args]
        return None if any(v is None for v in vals) else impl(*vals)
    return many


def _form(f: Function) -> Form:
    return lambda args, n: closure(f, args, n)


# name -> form, for every function of values (each has a Python implementation)
FORMS: dict[str, Form] = {name: _form(REGISTRY[name]) for name in BY_NAME
                          if REGISTRY[name].python is not None}
