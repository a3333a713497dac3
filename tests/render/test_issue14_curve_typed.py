"""Issue 14 (curves cheap enough for 10,000 statements): a statement's curve builds its
made-up payees' tables from the payee's typed rows (curve.Profile.typed) instead of
writing them out as a data file's text and parsing it again. The points must be the
same, value for value: every sample plan's payees, each curve the statements draw."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest
import yaml

from compplan.cli.run import compile_or_exit
from compplan.engine.run import run_plan
from compplan.periods import parse_period
from compplan.render import curve, publish, rows

from .conftest import ROOT

SAMPLES = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())["samples"]


def _seen(c: curve.Curve) -> tuple:
    return (c.problems, c.mode, [(p.x, p.total, sorted(p.components.items()), p.limited,
                                  sorted(p.paid)) for p in c.points])


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_typed_rows_give_the_points_the_text_gives(sample):
    compiled = compile_or_exit(str(ROOT / "plans" / sample["plan"]))
    folder = ROOT / "plans" / sample["data"]
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period(str(sample["period"])))
    ctx = publish._Context(compiled, publish.header_of(compiled, result), folder, ("html",),
                           curves=False)
    drawn = 0
    for pr in result.payees:
        st = publish.statement_for(ctx, pr, None)
        own = publish.counted_first(compiled, ctx.own_rows(pr.payee), st)
        for measure, comps in publish.paid_measures(compiled, st)[:1]:
            typed = curve.profile_from_rows(compiled, own, pr.payee, ctx.period)
            assert typed.typed is not None
            text = copy.deepcopy(typed)
            assert text.rows and text.typed is None  # read as text: the text is used
            x = next((m.value for m in st.measures if m.name == measure), None)
            reach = Decimal(x) if isinstance(x, (Decimal, int)) and \
                not isinstance(x, bool) else None
            a = curve.compute(compiled, typed, measure, 21, reach=reach, components=comps)
            b = curve.compute(compiled, text, measure, 21, reach=reach, components=comps)
            assert _seen(a) == _seen(b), (sample["plan"], pr.payee)
            drawn += bool(a.points)
    # the plans whose payees get a curve at all (cs: its test says why; retail pays
    # on daily subtotals, with no measure a curve is drawn against)
    if sample["plan"] not in ("cs.yaml", "retail.yaml"):
        assert drawn
