"""Words for people: labels, display kinds and `describe:` (issue 14).

A rep reads their statement in their language; what the plan calls `coverage` or
`kpis.csat >= 85` means nothing to them. So the parts a rep sees (earnings, their
gates, measures, rate tables, the columns that describe a row) may carry a `label:`, one
text or one per locale, and measures a `display:` kind. This pass checks that labels
name real columns, that a display kind fits the measure's type, and warns when a plan
written for a language other than English leaves a part a rep sees without words in it.
"""
from __future__ import annotations

from ..errors import did_you_mean
from . import ast
from .checked import Checked
from .types import INTEGER, MONEY, NUMBER, RATIO

# display kind -> the measure types it can show
DISPLAY_TYPES = {"percent": (RATIO,), "share": (RATIO,), "ratio": (RATIO, NUMBER), "count": (INTEGER, NUMBER),
                 "money": (MONEY,), "number": (NUMBER, INTEGER, RATIO, MONEY)}
_ROLES = ("key", "payee", "date", "period", "currency", "manager", "start", "end")


def _columns(inp) -> list[str]:
    cols = list(inp.columns)
    cols += [getattr(inp, r) for r in _ROLES if getattr(inp, r) and getattr(inp, r) not in cols]
    return cols


def pass_labels(c: Checked) -> None:
    plan = c.plan
    for name, inp in plan.inputs.items():
        cols = _columns(inp)
        for col in inp.labels:
            if col not in cols:
                c.error(c.source.key_pos(("inputs", name, "labels", col)),
                        f"'{col}' is labelled but is not a column of '{name}'",
                        did_you_mean(col, cols) or "declare it under columns",
                        code="unknown-column")
        for i, col in enumerate(inp.describe):
            if col not in cols:
                c.error(c.source.pos(("inputs", name, "describe", i)),
                        f"'describe: {col}' is not a column of '{name}'",
                        did_you_mean(col, cols) or "name the columns that tell a row "
                        "apart for people, e.g. describe: [customer]",
                        code="unknown-column")
    for name, m in plan.measures.items():
        t = c.symbols.measures.get(name)
        if m.display is None or t is None or name in c.symbols.broken:
            continue
        if t.kind not in DISPLAY_TYPES[m.display]:
            c.error(c.source.pos(("measures", name, "display")),
                    f"'{name}' is {t.kind}, and cannot be displayed as {m.display}",
                    f"{t.kind} can be displayed as " + ", ".join(
                        k for k, kinds in DISPLAY_TYPES.items() if t.kind in kinds),
                    code="wrong-type")
    _warn_unlabelled(c)


def rep_parts(c: Checked):
    """(where it is written, where its label goes, what it is, its name, its label) of
    each part a rep sees on a statement: earnings, their gates, measures, the rate
    tables earnings pay by, and the columns named by `describe:`."""
    plan = c.plan
    for name, e in plan.earnings.items():
        yield ("earnings", name), ("earnings", name, "label"), "earning", name, e.label
        if e.when is not None:
            yield (("earnings", name, "when"), ("earnings", name, "when_label"),
                   "condition of the earning", name, e.when_label)
    for name, m in plan.measures.items():
        yield ("measures", name), ("measures", name, "label"), "measure", name, m.label
    paid_by = {res.name for res in c.resolved.values() if res.kind == "rate"}
    for name, rt in plan.rates.items():
        if name in paid_by:
            yield ("rates", name), ("rates", name, "label"), "rate table", name, rt.label
    for name, inp in plan.inputs.items():
        for i, col in enumerate(inp.describe):
            yield (("inputs", name, "describe", i), ("inputs", name, "labels", col),
                   "column", f"{name}.{col}", inp.labels.get(col))


def _has_words(label, code: str) -> bool:
    """Whether a label gives a reader of `code` words: one text (written in the plan's
    language), or a text for that locale."""
    return label is not None and not (label.per_locale and label.get(code) is None)


def _unworded_names(c: Checked, node, code: str) -> list[str]:
    """The names a condition reads that a statement cannot say in `code`: measures and
    columns without a label in it (params are said by their values)."""
    plan, out = c.plan, []
    for ref in dict.fromkeys(ast.refs(node)):
        res = c.resolved.get(ref)
        if res is None:
            continue
        if res.kind == "measure" and res.name in plan.measures:
            label = plan.measures[res.name].label
        elif res.column and res.kind in ("payee", "payee_table", "column", "set_column"):
            table = "payees" if res.kind == "payee" else res.name
            if table in plan.credits:
                table = plan.credits[table].from_
            inp = plan.inputs.get(table)
            label = inp.labels.get(res.column) if inp is not None else None
        else:
            continue
        if not _has_words(label, code):
            out.append(ref.dotted)
    return out


def _warn_unlabelled(c: Checked) -> None:
    code = (c.plan.locale or "en").replace("-", "_")
    language = code.split("_")[0].lower()
    if language == "en":
        return
    for where, label_at, what, name, label in rep_parts(c):
        if name.split(".")[0] in c.symbols.broken:
            continue
        key = label_at[-1] if label_at[-2] != "labels" else f"labels: {{{label_at[-1]}"
        if label is None and what.startswith("condition"):
            # said with the labels of the names it reads: words unless one has none
            node = c.exprs.get(where)
            unworded = _unworded_names(c, node, code) if node is not None else ["?"]
            if unworded:
                c.problems.warning(
                    c.source.key_pos(where), f"the plan's locale is {code}, but the {what} "
                    f"'{name}' has no label, and reads {', '.join(unworded)}, with no "
                    f"label in {code}: statements show that part as the plan writes it",
                    f"add {key}: {{en: ..., {language}: ...}}, or label what it reads",
                    code="unlabelled")
        elif label is None:
            c.problems.warning(
                c.source.key_pos(where), f"the plan's locale is {code}, but the {what} "
                f"'{name}' has no label: statements show the plan's own name for it",
                f"add {key}: {{en: ..., {language}: ...}}" + ("}" if "{" in key else ""),
                code="unlabelled")
        elif label.per_locale and label.get(code) is None:
            c.problems.warning(
                c.source.pos(label_at), f"the label of the {what} '{name}' has no text "
                f"in {code}, the plan's locale", f"add '{language}: ...' to the label",
                code="unlabelled")
