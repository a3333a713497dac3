"""A stored history to render: January saved, approved and paid; February saved as a
draft (its statements are the ones tested), on the plan in fixture/plan.yaml.

Worked by hand (quota 50,000 for ann; tiers 3% to 50%, 6% to 100%, 9% above; 20% of
each commission line held until the invoice is paid; cap 250% of target incentive):

    January   ann  A-1 30,000: 0 -> 60%:  750.00 + 300.00 = 1,050.00, 210.00 held
                   A-2 40,000: 60 -> 140%: 1,200.00 + 1,800.00 = 3,000.00, 600.00 held
                   quota bonus 500.00 (140% >= 100%)              paid 3,740.00
              bob  B-1 90,000 on 40,000: 600 + 1,200 + 4,500 = 6,300.00, capped at
                   2,500.00 (-3,800.00); 20% of what is paid held: 6,300.00 x
                   2,500/6,300 x 20% = 500.00; bonus 500.00     paid 2,500.00
    February  ann  A-3 20,000: 0 -> 40%: 600.00, 120.00 held; A-1 and A-2 invoices
                   paid, so 210.00 + 600.00 released                  1,290.00
              bob  B-2 12,345.67: 370.3701 -> 370.37, 74.07 held; 500.00 released:
                   370.37 - 74.07 + 500.00 = 796.30
              cyd  C-2 33,333.33: 900.00 + 199.9998 -> 1,100.00, 220.00 held; 60.00
                   released; locale pl
              dee  D-2 7,777.77: 233.3331 -> 233.33, 46.67 held; D-1 invoice still
                   open; locale ms
"""
from __future__ import annotations

import html as html_mod
import os
import re
from pathlib import Path

import pytest

from compplan.engine.ir import compile_plan
from compplan.lang import check_file
from compplan.store import lifecycle, open_store

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture"
PLAN_NAME = "tests/render/fixture/plan.yaml"  # as rules name it: FILE:LINE:COL
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("COMPPLAN_UPDATE_GOLDEN") == "1"


def compiled_plan():
    return compile_plan(check_file(FIXTURE / "plan.yaml", display_name=PLAN_NAME))


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """(store, January's run id, February's run id)."""
    db = tmp_path_factory.mktemp("store") / "compplan.db"
    store = open_store(f"sqlite:///{db}")
    compiled = compiled_plan()
    here = os.getcwd()
    os.chdir(ROOT)  # the plan is saved under the name its rules carry
    try:
        jan = lifecycle.save_run(store, compiled, FIXTURE / "jan", "2026-01", "tester")
        lifecycle.approve(store, jan.run.id, "controller")
        lifecycle.mark_paid(store, jan.run.id, "payroll")
        feb = lifecycle.save_run(store, compiled, FIXTURE / "feb", "2026-02", "tester")
    finally:
        os.chdir(here)
    yield store, jan.run.id, feb.run.id
    store.close()


@pytest.fixture(scope="session")
def published(history, tmp_path_factory):
    """February's statements, every format, written once for the tests that read them."""
    from compplan.render import publish
    store, _, feb = history
    out = tmp_path_factory.mktemp("statements")
    report = publish.write_run(store, feb, out)
    return report


def files_of(report, payee: str) -> dict[str, Path]:
    entry = next(e for e in report.entries if e.payee == payee)
    return {fmt: report.out / rel for fmt, rel in entry.files}


def page_text(page: str) -> str:
    """What a reader sees on a page: the text without tags, one block a line (the
    payout curve's drawing stands as one word: it is tested on its own)."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<svg.*?</svg>", "[payout curve]", page, flags=re.S)
    page = re.sub(r"\s+", " ", page)
    page = page.replace("<br>", "; ")
    page = re.sub(r"</(?:tr|p|h\d|li|div|table|title)>", "\n", page)
    page = re.sub(r"</t[dh]>", " | ", page)
    text = html_mod.unescape(re.sub(r"<[^>]+>", "", page))
    out = []
    for ln in text.splitlines():
        cells = [" ".join(c.split()) for c in ln.split(" | ")]
        ln = " | ".join(c for c in cells if c)
        if ln:
            out.append(ln)
    return "\n".join(out) + "\n"


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote new golden file {path}; review it and run again")
    assert actual == path.read_text(encoding="utf-8"), \
        f"{name} differs (COMPPLAN_UPDATE_GOLDEN=1 rewrites it; review the diff)"
