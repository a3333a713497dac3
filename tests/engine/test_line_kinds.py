"""Every line the engines write has a kind that LINE_KINDS names and explains: the kind
column is what statements, the store's carry-over and finance's capitalisation branch on,
so an unnamed kind would be a line nobody reads right."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compplan.engine import run_files
from compplan.engine.results import LINE_KINDS, Line

PLANS = Path(__file__).resolve().parents[2] / "plans"
SAMPLES = yaml.safe_load((PLANS / "data" / "samples.yaml").read_text(encoding="utf-8"))["samples"]


@pytest.mark.parametrize("entry", SAMPLES, ids=lambda e: e["plan"])
def test_every_sample_line_kind_is_named(entry):
    result = run_files(PLANS / entry["plan"], PLANS / entry["data"], str(entry["period"]))
    kinds = {ln.kind for pr in result.payees for ln in pr.lines}
    assert kinds, "the sample pays nothing"
    assert kinds <= set(LINE_KINDS), kinds - set(LINE_KINDS)


def test_a_line_is_built_by_keyword():
    # sixteen fields, most optional: by position, `rounding` and `date` were easy to swap
    with pytest.raises(TypeError):
        Line(1, "ann", "commission", "credit")  # type: ignore[misc]
