"""Golden files for `compplan diff`: what a reviewer reads, byte for byte.

`golden/ae_v3.yaml` is the AE plan as shipped; `golden/ae_v4.yaml` is the same plan
rewritten the way plans change in review: a richer top of the tier table (tier 3 12% ->
14%, the top band capped at 200% and a 20% band above it), a lower CSAT gate written
in the other order, a higher cap, a param renamed, a column added, the deals input
reflowed into block style with its keys reordered, comments changed. Only the changes
in meaning may show. `NAME.expected` is exactly what

    compplan diff tests/diff/golden/ae_v3.yaml tests/diff/golden/ae_v4.yaml [--format F]

prints from the repository's top folder. When the output is improved on purpose,
regenerate and review the diff by eye:

    COMPPLAN_UPDATE_GOLDEN=1 python -m pytest tests/diff/test_diff_golden.py
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("COMPPLAN_UPDATE_GOLDEN") == "1"
OLD, NEW = "tests/diff/golden/ae_v3.yaml", "tests/diff/golden/ae_v4.yaml"


@pytest.mark.parametrize("fmt, name", [("text", "ae_v3_v4.expected"),
                                       ("markdown", "ae_v3_v4.md")])
def test_plan_diff_output(fmt, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(cli, ["diff", OLD, NEW, "--format", fmt])
    assert r.exit_code == 1, r.output  # differences, like diff(1)
    path = GOLDEN / name
    if UPDATE:
        path.write_text(r.output, encoding="utf-8")
    assert r.output == path.read_text(encoding="utf-8")

