"""Issue 14, "Done when": the demo's statements use labels in all four languages for the
sample plans, and a vi/pl/ms statement carries no untranslated identifier outside the
auditor's section.

The samples are multinational teams: each payees file says who reads Vietnamese,
Polish or Malay (its `locale` column; blank is English), so that every sample of four
payees or more has readers of all four languages (plans/data/*/payees.csv). The test
reads what `compplan demo` wrote for every sample (run once: tests/conftest.py), the
HTML's rep part and the PDF (printed without the auditor's appendix) of each vi/pl/ms
reader, for the plan's names, its English labels and the English of the statements'
catalog (tests/render/untranslated.py). test_issue14_sample_labels.py puts every
payee of every sample in each language in turn; this is the demo as a reader gets it.
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess

import pytest
import yaml

from compplan.cli.run import compile_or_exit
from compplan.periods import parse_period

from .conftest import ROOT
from .untranslated import rep_part, untranslated

SAMPLES = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())["samples"]
ALL_FOUR = {"en", "vi", "pl", "ms"}


def _readers(compiled, data: str) -> dict[str, str]:
    """payee -> the language the payees file gives them (blank: the plan's, English)."""
    key = compiled.plan.inputs["payees"].key
    own = compiled.plan.locale or "en"
    with (ROOT / "plans" / data / "payees.csv").open(encoding="utf-8", newline="") as f:
        return {r[key]: (r.get("locale") or "").strip() or own for r in csv.DictReader(f)}


def _pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


@pytest.mark.parametrize("sample", SAMPLES, ids=[s["plan"] for s in SAMPLES])
def test_issue14_the_demos_statements_are_in_each_payees_language_and_words(
        sample_demo, sample):
    r, out = sample_demo
    assert r.exit_code == 0, r.output
    compiled = compile_or_exit(str(ROOT / "plans" / sample["plan"]))
    folder = out / compiled.plan.plan / parse_period(str(sample["period"])).label / \
        "statements"
    pages = {p.parent.name: p for p in folder.glob("*/*.html")}
    readers = _readers(compiled, sample["data"])
    assert set(pages) == set(readers)
    langs = {pid: re.search(r'<html lang="([^"]+)"', p.read_text(encoding="utf-8"))[1]
             for pid, p in pages.items()}
    assert langs == readers  # each statement in its reader's language
    if len(readers) >= 4:
        assert set(langs.values()) == ALL_FOUR, langs
    else:  # textbook's three, retail's two: English
        assert set(langs.values()) == {"en"}, langs
    pdftotext = shutil.which("pdftotext") is not None
    for pid, lang in sorted(langs.items()):
        if lang == "en":
            continue
        page = pages[pid].read_text(encoding="utf-8")
        rep = " ".join(rep_part(page).split())
        assert untranslated(rep, compiled, lang) == [], (pid, lang, "HTML")
        # what was moved is still there, for auditors, folded away
        assert "sha256" in page.split('<details class="audit"', 1)[1]
        pdf = pages[pid].with_suffix(".pdf")
        assert pdf.is_file(), pid
        if pdftotext:
            text = _pdf_text(pdf)
            assert pid in text and "sha256" not in text  # the rep's pages, no appendix
            assert untranslated(text, compiled, lang) == [], (pid, lang, "PDF")
    if not pdftotext:
        pytest.skip("HTML checked; the PDFs' text needs pdftotext (poppler-utils)")


def test_issue14_the_check_finds_english_on_a_page_said_to_be_vietnamese(sample_demo):
    """The search above can fail: an English reader's page of the AE sample, read as if
    it were Vietnamese, is full of what it looks for."""
    _, out = sample_demo
    compiled = compile_or_exit(str(ROOT / "plans" / "ae.yaml"))
    page = next((out / compiled.plan.plan / "2026-Q1" / "statements" / "ann").glob("*.html"))
    found = untranslated(" ".join(rep_part(page.read_text(encoding="utf-8")).split()),
                         compiled, "vi")
    assert "English label 'Commission'" in found
    assert "English text 'Your point on the payout curve'" in found
    assert "English text 'Total for the period'" in found
