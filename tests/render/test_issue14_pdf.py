"""Issue 14: the PDF statement. Later pages carried no payee or period, and a draft
had no watermark; the curve was pushed to page 2 and left page 1 40% blank."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from compplan.render import publish
from compplan.render.locale import Fmt

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


def _page_count(pdf) -> int:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed; .ci/run installs it")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
@pytest.mark.parametrize("plan,data,period,payees,components,appendix", [
    # a rep paid one component (commission) on 4 deals, each split across tiers, with
    # the CSAT bonus not met: the issue's "4 deal lines take 3 pages"; the auditor's
    # appendix asked for (--appendix), the longer print, still one page
    ("ae.yaml", "ae", "2026-Q1", ["ann"], 1, True),
    # the manager plan's reps, paid the rep commission on 2 or 3 lines each and a
    # share of their team's pool (issue 20 put the pool in the manager sample): one
    # page as a rep gets it, without the appendix (with it, its table runs onto page 2)
    ("manager.yaml", "manager", "2026-Q1", ["ana", "bo", "cal", "dee", "ed"], 2, False),
])
def test_a_short_sample_statement_is_one_a4_page(tmp_path, plan, data, period, payees,
                                                 components, appendix, engine):
    """Page 1 was 40% blank (the curve's drawing kept its full height beside the
    summary) and the auditor's appendix spilled over: a statement of one or two
    components and a few lines now fits on one A4 page, curve, lines and appendix
    (asked for) included."""
    from compplan.cli.run import compile_or_exit
    from compplan.engine.run import run_plan
    from compplan.periods import parse_period
    from compplan.render import rows

    from compplan.render import chromium

    from .conftest import ROOT
    if engine == "chromium" and chromium.available():
        pytest.skip(f"no Chromium to print with: {chromium.available()}")
    compiled = compile_or_exit(str(ROOT / "plans" / plan))
    folder = ROOT / "plans" / "data" / data
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period(period))
    report = publish.write_result(result, compiled, folder, tmp_path, formats=("pdf",),
                                  pdf_engine=engine, appendix=appendix)
    checked = 0
    for entry in report.entries:
        if payees is not None and entry.payee not in payees:
            continue
        paid = [c for c, amount in result.payee(entry.payee).components.items() if amount]
        assert len(paid) == components, (entry.payee, paid)
        files = dict(entry.files)
        assert "pdf" in files, entry.problems
        assert _page_count(report.out / files["pdf"]) == 1, entry.payee
        # in the payee's words: the samples' payees read en, vi, pl or ms
        said = Fmt(entry.locale, compiled.plan.currency)
        text = " ".join("".join(_pages(report.out / files["pdf"], "-raw")).split())
        assert said._("Your point on the payout curve") in text  # the curve is on it too
        # and the appendix, printed where asked for
        assert (said._("For auditors: the plan's rules behind each amount") in text
                and "sha256" in text) == appendix
        checked += 1
    assert checked


def test_chromium_prints_the_payee_and_period_on_every_page_and_the_draft_mark(
        history, tmp_path):
    """The engine `compplan statements` prints a run with where Chromium is installed:
    the same promises as WeasyPrint's PDF (payee, period and page n / N at every page's
    top and foot, DRAFT across each page of a draft)."""
    from compplan.render import chromium
    if chromium.available():
        pytest.skip(f"no Chromium to print with: {chromium.available()}")
    store, _, feb = history
    report = publish.write_run(store, feb, tmp_path, formats=("pdf",), payees=["ann"],
                               pdf_engine="chromium")
    pdf = files_of(report, "ann")["pdf"]
    pages = _pages(pdf)
    assert len(pages) >= 1
    for n, page in enumerate(pages, 1):
        assert page.lstrip().startswith("Ann Archer (ann) · 2026-02"), page[:200]
        assert re.search(rf"\b{n}\s*/\s*{len(pages)}\s*$", page.rstrip()), page[-200:]
    raw = _pages(pdf, "-raw")
    assert len(raw) == len(pages) and all("DRAFT" in page for page in raw)



def test_issue14_weasyprint_too_names_payee_period_and_page_n_of_n_with_the_draft_mark(
        history, tmp_path):
    """Where Chromium is not installed the PDF is WeasyPrint's: the same promises
    (tested above for Chromium, the engine chosen where it is): every later page
    starts with the payee and period, every page ends with n / N, DRAFT on each."""
    store, _, feb = history
    report = publish.write_run(store, feb, tmp_path, formats=("pdf",), payees=["ann"],
                               pdf_engine="weasyprint")
    pdf = files_of(report, "ann")["pdf"]
    pages = _pages(pdf)
    assert len(pages) >= 2  # ann's February statement runs onto a second page
    for n, page in enumerate(pages, 1):
        if n > 1:
            assert page.lstrip().startswith("Ann Archer (ann) · 2026-02"), page[:200]
        assert re.search(rf"\b{n}\s*/\s*{len(pages)}\s*$", page.rstrip()), page[-200:]
    raw = _pages(pdf, "-raw")
    assert len(raw) == len(pages) and all("DRAFT" in page for page in raw)


def test_issue14_statements_printed_together_number_their_own_pages(tmp_path):
    """Chromium prints a batch of statements (chromium.BATCH) as one document, split into
    a PDF each (chromium.write_pdfs): each PDF numbers its own pages n / N (written
    after the split, in Helvetica: /CPn), names its own payee and period at the top of
    every later page, and has the DRAFT watermark on every page. The AE sample's
    payees in a run not approved, in batches of 5 (ann ben cara dev eli, fay gus): of a
    batch, those of one language are printed together (ann, ben, dev), the others alone
    (a document has one watermark: test_issue14_a_batch_keeps_each_readers_own_draft_word)
    and numbered by Chromium itself; every PDF numbers its own pages either way."""
    from compplan.cli.run import compile_or_exit
    from compplan.engine.run import run_plan
    from compplan.periods import parse_period
    from compplan.render import chromium, rows

    from .conftest import ROOT

    if chromium.available():
        pytest.skip(chromium.available())
    compiled = compile_or_exit(str(ROOT / "plans" / "ae.yaml"))
    folder = ROOT / "plans" / "data" / "ae"
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    report = publish.write_result(result, compiled, folder, tmp_path, formats=("pdf",),
                                  pdf_engine="chromium")
    assert not report.problems
    together = set()
    for i in range(0, len(report.entries), chromium.BATCH):
        batch = report.entries[i:i + chromium.BATCH]
        together |= {e.payee for e in batch
                     if sum(o.locale == e.locale for o in batch) > 1}
    assert together == {"ann", "ben", "dev"}
    for entry in report.entries:
        path = files_of(report, entry.payee)["pdf"]
        if entry.payee in together:
            assert b"/CPn" in path.read_bytes(), entry.payee  # printed in a batch
        pages = _pages(path)
        for n, page in enumerate(pages, 1):
            last = [ln for ln in page.splitlines() if ln.strip()][-1]
            assert re.fullmatch(rf"\s*{n}\s*/\s*{len(pages)}\s*", last), (entry.payee, last)
            if n > 1:
                assert page.lstrip().startswith(f"{entry.name} ({entry.payee}) · 2026-Q1")
        draft = {"en": "DRAFT", "vi": "NHÁP", "pl": "PROJEKT", "ms": "DRAF"}[entry.locale]
        assert all(draft in p for p in _pages(path, "-raw")), entry.payee


def test_issue14_a_batch_keeps_each_readers_own_draft_word(published):
    """February's four payees read en, vi, pl and ms: a document carries one watermark
    on all its pages, so statements are printed together only with the same one."""
    # (pdftotext reads the rotated "BẢN NHÁP" as two lines)
    words = {"ann": "DRAFT", "bob": "NHÁP", "cyd": "PROJEKT", "dee": "DRAF"}
    for payee, word in words.items():
        raw = _pages(files_of(published, payee)["pdf"], "-raw")
        assert all(word in p for p in raw), payee
        if payee != "ann":
            assert not any("DRAFT" in p for p in raw), payee
