"""YAML data -> the pydantic plan model, with every problem positioned.

pydantic reports each problem with a path (`loc`); the source file maps that path
back to a line and column. A section entry that does not validate is dropped from the
model and its name is remembered as broken, so that the checker can go on with the
rest of the plan without a cascade of errors about it.
"""
from __future__ import annotations

import copy
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import MAX_KEPT, Problem, did_you_mean
from .model import SECTIONS, Plan
from .source import SourceFile

# What a placeholder fills in for a required top-level field that is missing or bad,
# only so the rest of the plan can still be checked (the error is reported).
_PLACEHOLDERS = {"plan": "plan", "name": "", "period": "month", "currency": "XXX"}


# Keys the language once had and no longer does: (section, key) -> what to do instead.
_REMOVED = {
    ("rounding", "per"): "'per' is gone: every pay line is rounded on its own, and an "
                         "earning's total adds up its rounded lines; remove 'per'",
}


def _field_model(model: type[BaseModel], key: str):
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f.annotation
    return None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that the mapping at `loc` is validated against."""
    current: Any = Plan
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            current = _field_model(current, str(part))
        else:
            # dict[str, X] / list[X] / X | None: step into the container's item type
            current = _unwrap(current)
            args = get_args(current)
            if get_origin(current) is dict:
                current = args[1]
            elif get_origin(current) is list:
                current = args[0]
            else:
                return None
        if current is None:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp):
    """X | None -> X; Annotated[X, ...] -> X."""
    if get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    args = get_args(tp)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return tp


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) if loc else "the plan"


def _message(err: dict, src: SourceFile) -> tuple[str, str | None, str]:
    """(message, hint, code) for one pydantic error."""
    loc = tuple(err["loc"])
    kind = err["type"]
    parent = loc[:-1]
    key = loc[-1] if loc else None
    if kind == "extra_forbidden":
        model = _model_at(parent)
        allowed = _keys_of(model) if model else []
        hint = did_you_mean(str(key), allowed)
        removed = _REMOVED.get((parent[-1] if parent else None, key))
        if removed:
            hint = removed
        if any(ch in str(key) for ch in "()[]*+/<>=\"' ") or str(key)[:1].isdigit():
            hint = ("this looks like the rest of an expression: inside '{ ... }' a ',' ends "
                    "the value, so quote the value or write it on its own line")
        if hint is None and allowed:
            hint = "allowed here: " + ", ".join(allowed)
        return f"unknown key '{key}' in {_where(parent)}", hint, "unknown-key"
    if len(loc) >= 2 and loc[-2:] == ("rollup", "levels"):
        return (f"'{err.get('input')}' is not a valid value for {_where(loc)}",
                "write a whole number of levels, 1 or more (1: the direct manager only), "
                "or 'all' for everyone up the chain", "bad-value")
    if kind in ("greater_than", "greater_than_equal"):
        ctx = err.get("ctx", {})
        bound = ctx.get("gt", ctx.get("ge"))
        words = "more than" if kind == "greater_than" else "at least"
        hint = ("the step to round each line to, e.g. 0.01 for cents or 1 for whole units"
                if loc[-1:] == ("to",) and loc[:1] == ("rounding",) else None)
        return (f"{_where(loc)} must be {words} {bound}, not '{err.get('input')}'", hint,
                "bad-value")
    if kind == "missing":
        return (f"{_where(parent)} is missing the required field '{key}'",
                f"add '{key}: ...'", "missing-field")
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        got = err.get("input")
        return (f"'{got}' is not a valid value for {_where(loc)}",
                f"expected one of: {expected}", "bad-value")
    if kind == "string_pattern_mismatch":
        got = err.get("input")
        if loc and loc[-1] == "currency":
            return (f"'{got}' is not a currency code", "write a three-letter ISO code "
                    "such as USD, EUR or VND", "bad-value")
        if loc == ("plan",):
            return (f"'{got}' is not a valid plan id",
                    "a plan id starts with a letter or a digit and uses only letters, "
                    "digits, '.', '-' and '_' (no spaces), e.g. ae-2026.q1", "bad-name")
        return (f"'{got}' is not a valid name for {_where(loc)}",
                "names start with a letter and use letters, digits and '_'", "bad-name")
    if kind == "value_error" and loc and (loc[-1] in ("label", "when_label") or
                                          (len(loc) >= 2 and loc[-2] == "labels")):
        text = str(err.get("ctx", {}).get("error", err["msg"]))
        return f"{_where(loc)}: {text}", None, "bad-label"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return (f"{_where(loc)} must be a mapping of keys to values",
                f"write it as 'key: value' lines indented under '{loc[-1] if loc else ''}'",
                "wrong-type")
    if kind == "list_type":
        return f"{_where(loc)} must be a list", "write each item on a line starting with '- '", \
            "wrong-type"
    if kind in ("string_type",):
        return (f"{_where(loc)} must be a single value, not a list or mapping", None,
                "wrong-type")
    if kind.startswith(("int_", "decimal_", "date_", "bool_")):
        what = {"int": "a whole number", "decimal": "a number", "date": "a date (YYYY-MM-DD)",
                "bool": "true or false"}[kind.split("_")[0]]
        return (f"{_where(loc)} must be {what}, not '{err.get('input')}'", None, "wrong-type")
    return f"{_where(loc)}: {err['msg']}", None, "structure"


def _member_models() -> set[str]:
    """Names of the model classes, which pydantic puts in a loc for a union's member
    (`columns.amount.TextValues` for `amount: moneyy`, where a type word or a list of
    text values may stand)."""
    from . import model
    return {n for n, v in vars(model).items()
            if isinstance(v, type) and issubclass(v, BaseModel)}


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds union-member tags (e.g. 'int', "literal['all']", 'TextValues') to locs
    out = []
    members = _member_models()
    for p in loc:
        if isinstance(p, str) and (p.startswith(("literal[", "function-", "constrained-")) or p in (
                "int", "str", "bool", "date", "decimal") or p in members) and out:
            break
        out.append(p)
    return tuple(out)


def validate_structure(src: SourceFile) -> tuple[Plan | None, set[str], list[Problem]]:
    """Validate the YAML data against the plan model.

    Returns the model (with broken entries dropped, placeholders for broken required
    top-level fields), the names of broken entries, and the problems.
    """
    problems: list[Problem] = []
    data = src.data
    if not isinstance(data, dict):
        problems.append(Problem.at(src.pos(()), "a plan file must be a mapping of keys "
                                   "such as 'plan:', 'name:' and 'earnings:'",
                                   "start with 'plan: my-plan-id'", code="wrong-type"))
        return None, set(), problems
    broken: set[str] = set()
    data = copy.deepcopy(data)
    seen: set[tuple] = set()
    for _attempt in range(4):
        try:
            return Plan.model_validate(data), broken, problems
        except ValidationError as e:
            errors = e.errors(include_url=False)
        for err in errors:
            loc = _clean_loc(tuple(err["loc"]))
            err = dict(err, loc=loc)
            if loc in seen:
                continue
            seen.add(loc)
            if len(problems) >= MAX_KEPT:
                # only counted by the collector: no words or hints worked out for it
                msg, hint, code = f"{err['type']} at {loc}", None, "more-problems"
            else:
                msg, hint, code = _message(err, src)
            if err["type"] == "extra_forbidden":
                pos = src.key_pos(loc)
            elif err["type"] == "missing":
                pos = src.key_pos(loc[:-1]) if loc[:-1] else src.pos(())
            else:
                pos = src.pos(loc)
            problems.append(Problem.at(pos, msg, hint, code=code))
            _drop(data, loc, broken)
    return None, broken, problems


def failed_key(key: str) -> str:
    """How a top-level key that failed (and holds a placeholder) is named among the
    broken names: what depends on it is not checked against the placeholder, so one
    bad `period:` is one error, not one more per scenario. (No plan name has a ':'.)"""
    return key + ":"


def _drop(data: dict, loc: tuple, broken: set[str]) -> None:
    """Remove what failed so the rest validates."""
    if not loc:
        return
    head = loc[0]
    if head in SECTIONS and len(loc) >= 2 and isinstance(data.get(head), dict):
        broken.add(str(loc[1]))
        data[head].pop(loc[1], None)
    elif head in SECTIONS or head == "scenarios":
        data.pop(head, None)
    elif head in _PLACEHOLDERS:
        data[head] = _PLACEHOLDERS[head]
        broken.add(failed_key(head))
    else:
        data.pop(head, None)
