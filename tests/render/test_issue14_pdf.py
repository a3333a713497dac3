"""Issue 14: the PDF statement. Later pages carried no payee or period, and a draft
had no watermark; the curve was pushed to page 2 and left page 1 40% blank."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from compplan.render import publish

from .conftest import files_of


def _pages(pdf, mode: str = "-layout") -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    text = subprocess.run(["pdftotext", mode, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_every_later_page_names_the_payee_and_the_period(published):
    pages = _pages(files_of(published, "ann")["pdf"])
    assert len(pages) >= 2
    for page in pages[1:]:
        assert page.lstrip().startswith("Ann Archer (ann) · 2026-02"), page[:200]


def test_a_draft_carries_a_watermark_and_a_paid_run_does_not(published, history, tmp_path):
    draft = _pages(files_of(published, "ann")["pdf"], "-raw")  # February: a draft
    assert all("DRAFT" in page for page in draft)  # across every page
    store, jan, _ = history  # January: paid
    report = publish.write_run(store, jan, tmp_path, formats=("pdf",), payees=["ann"])
    paid = "".join(_pages(files_of(report, "ann")["pdf"], "-raw"))
    assert "DRAFT" not in paid
    assert "Ann Archer (ann)" in paid


def test_the_total_summary_and_curve_share_page_one(published):
    first = _pages(files_of(published, "ann")["pdf"])[0]
    assert "Total for the period" in first and "Summary" in first
    assert "Your point on the payout curve" in first
