"""The KPI catalogue: what each target is a target for.

A KPI has a code (the name targets use), a name people read, a unit, the plan measure
that measures it (so history and attainment come from the same rule that pays), the
column of the plan's targets input that holds its target, whether a period's targets
add up from its days (revenue and calls do; coverage and active outlets count distinct
outlets, and lines per call is a ratio, so theirs are set for the whole period),
whether a new hire's target ramps up, and who it applies to (every payee, or those
whose payee column holds one of some values).

    catalogue: field-sales
    kpis:
      revenue:
        name: Revenue
        unit: money
        measure: revenue
        target: revenue_target
        adds_up: true
        ramps: true                  # a new hire's target ramps up (default true)
        applies_to: all              # or {route: [R-North, R-South]}
        display: money               # how its figures are written (default: by unit)

`display:` is percent, ratio, count, money or number (targets/display.py); where the
plan's measure says its own `display:`, the two must agree (check_against_plan).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, did_you_mean
from ..lang.source import load_yaml, read_yaml_file
from .display import DISPLAYS, FITS, display_of
from .model import STEPS, UNITS

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEYS = ("name", "unit", "measure", "target", "adds_up", "ramps", "applies_to",
        "description", "display")


@dataclass
class KPI:
    code: str
    name: str
    unit: str
    measure: str
    target: str  # the plan's column holding its target
    adds_up: bool = True
    ramps: bool = True  # a new hire's target ramps up (not for a ratio such as LPPC)
    applies_to: dict[str, list[str]] = field(default_factory=dict)  # empty: everyone
    description: str = ""
    display: str = ""  # percent | ratio | count | money | number; "" by its unit

    @property
    def shows_as(self) -> str:
        return display_of(self.unit, self.display)

    @property
    def step(self):
        return STEPS[self.unit]

    def applies(self, payee: dict) -> bool:
        return all(str(payee.get(col, "")) in values for col, values in self.applies_to.items())


@dataclass
class Catalogue:
    name: str
    kpis: dict[str, KPI]
    file: str = ""

    def get(self, code: str) -> KPI | None:
        return self.kpis.get(code)


def load_catalogue(path: str | Path) -> tuple[Catalogue, list[Problem]]:
    """A catalogue file -> Catalogue; problems with file, line and column."""
    path = Path(path)
    text, problems = read_yaml_file(path)
    cat = Catalogue(path.stem, {}, str(path))
    if problems:
        return cat, problems
    src, problems = load_yaml(text, str(path))
    if problems:
        return cat, problems
    data = src.data if isinstance(src.data, dict) else {}
    cat.name = str(data.get("catalogue") or path.stem)
    kpis = data.get("kpis")
    if not isinstance(kpis, dict) or not kpis:
        problems.append(Problem.at(src.pos(("kpis",)) if src.has(("kpis",)) else None,
                                   "the catalogue lists no kpis", "add 'kpis:' with one "
                                   "entry per KPI code", code="bad-catalogue", file=str(path)))
        return cat, problems
    for code, spec in kpis.items():
        where = ("kpis", code)
        if not NAME.match(str(code)):
            problems.append(Problem.at(src.key_pos(where), f"'{code}' is not a KPI code",
                                       "letters, digits and _, starting with a letter",
                                       code="bad-catalogue"))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem.at(src.pos(where), f"KPI {code} needs name, unit, "
                                       "measure and target", code="bad-catalogue"))
            continue
        for key in spec:
            if key not in KEYS:
                problems.append(Problem.at(src.key_pos((*where, key)),
                                           f"unknown key '{key}' in KPI {code}",
                                           did_you_mean(str(key), KEYS), code="bad-catalogue"))
        unit = str(spec.get("unit", "number"))
        if unit not in UNITS:
            problems.append(Problem.at(src.pos((*where, "unit")) if "unit" in spec
                                       else src.key_pos(where),
                                       f"unit '{unit}' of KPI {code} is not one of "
                                       + ", ".join(UNITS), did_you_mean(unit, UNITS),
                                       code="bad-catalogue"))
            continue
        for key in ("measure", "target"):
            if not NAME.match(str(spec.get(key) or "")):
                problems.append(Problem.at(src.pos((*where, key)) if key in spec
                                           else src.key_pos(where),
                                           f"KPI {code} needs '{key}:' naming a plan "
                                           + ("measure" if key == "measure" else
                                              "column of the targets input"),
                                           code="bad-catalogue"))
        flags = {}
        for key in ("adds_up", "ramps"):
            flags[key] = str(spec.get(key, "true")).lower()
            if flags[key] not in ("true", "false", "yes", "no"):
                problems.append(Problem.at(src.pos((*where, key)), f"{key} is true or false",
                                           code="bad-catalogue"))
        applies = spec.get("applies_to", "all")
        filt: dict[str, list[str]] = {}
        if isinstance(applies, dict):
            filt = {str(c): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
                    for c, vs in applies.items()}
        elif str(applies) != "all":
            problems.append(Problem.at(src.pos((*where, "applies_to")),
                                       "applies_to is 'all' or {payee column: [values]}",
                                       code="bad-catalogue"))
        display = str(spec.get("display") or "")
        if display and (display not in DISPLAYS or display not in FITS[unit]):
            problems.append(Problem.at(src.pos((*where, "display")),
                                       f"KPI {code} is a {unit}: it cannot be displayed as "
                                       f"'{display}'", f"a {unit} can be displayed as "
                                       + ", ".join(FITS[unit]), code="bad-catalogue"))
            display = ""
        cat.kpis[str(code)] = KPI(str(code), str(spec.get("name") or code), unit,
                                  str(spec.get("measure") or ""), str(spec.get("target") or ""),
                                  flags["adds_up"] in ("true", "yes"),
                                  flags["ramps"] in ("true", "yes"), filt,
                                  str(spec.get("description") or ""), display)
    return cat, problems


def check_against_plan(cat: Catalogue, compiled) -> list[Problem]:
    """Every KPI's measure must be a measure of the plan, and its target a column of one
    of the plan's one-row-per-payee inputs."""
    plan = compiled.plan
    problems = []
    columns = {c for inp in plan.inputs.values() if inp.payee and not inp.key
               for c in inp.columns}
    for kpi in cat.kpis.values():
        if kpi.measure not in plan.measures:
            problems.append(Problem(cat.file, None, None, f"KPI {kpi.code}: the plan "
                                    f"{plan.plan} has no measure '{kpi.measure}'",
                                    did_you_mean(kpi.measure, plan.measures),
                                    code="unknown-measure"))
        if kpi.target not in columns:
            problems.append(Problem(cat.file, None, None, f"KPI {kpi.code}: no target input "
                                    f"of {plan.plan} has a column '{kpi.target}'",
                                    did_you_mean(kpi.target, columns), code="unknown-column"))
        measure = plan.measures.get(kpi.measure)
        shown = getattr(measure, "display", None)
        if kpi.display and shown and kpi.display != shown:
            problems.append(Problem(cat.file, None, None, f"KPI {kpi.code} is displayed as "
                                    f"{kpi.display}, but {plan.plan}'s measure {kpi.measure} "
                                    f"as {shown}", "give both one display: a target and the "
                                    "month's figure are written alike", code="display-differs"))
    return problems


def display_for(kpi: KPI, compiled=None) -> str:
    """A KPI's display kind: the catalogue's, else its plan measure's, else its unit's."""
    if kpi.display:
        return kpi.display
    measure = compiled.plan.measures.get(kpi.measure) if compiled is not None else None
    return display_of(kpi.unit, getattr(measure, "display", None))
