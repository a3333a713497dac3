"""Issue 14 (speed of PDFs): a run's PDFs print the rep's pages; the auditor's appendix
(rule positions, the plan's sha256, formulas in plan syntax) only when asked for
(`compplan statements --appendix`). It was two of a generated statement's seven printed
pages. The HTML file keeps the auditor's section, folded away, byte for byte."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner
from markupsafe import escape

from compplan.cli.main import cli
from compplan.render import chromium, html, publish

from .conftest import files_of

NOTE_EN = ("For auditors: the plan's rules behind each amount are in the last section of "
           "this statement's HTML file, or printed with it on request.")


def _text(pdf) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


def test_the_print_page_leaves_the_appendix_out_and_says_where_it_is(published):
    st_html = files_of(published, "ann")["html"].read_text(encoding="utf-8")
    assert html.AUDIT_OPEN in st_html and "sha256" in st_html  # the HTML keeps it

    class En:  # print_page reads the reader's language from the statement
        locale, currency = "en", "USD"
    short = html.print_page(st_html, En())
    assert "<details" not in short and "sha256" not in short
    assert str(escape(NOTE_EN)) in short
    # everything before and after the auditor's section is the HTML's own
    head, tail = st_html.split(html.AUDIT_OPEN)
    assert short.startswith(head) and short.endswith(tail.split("</details>")[-1])
    assert html.print_page(st_html, En(), appendix=True) == st_html

    class Vi:
        locale, currency = "vi", "VND"
    vi = html.print_page(st_html, Vi())
    assert "Dành cho kiểm toán" in vi and str(escape(NOTE_EN)) not in vi  # in the rep's words


@pytest.mark.skipif(chromium.available() is not None, reason="no Chromium to print with")
def test_a_runs_pdf_has_no_appendix_unless_asked(history, tmp_path):
    store, _, feb = history
    short = publish.write_run(store, feb, tmp_path / "short", formats=("pdf",),
                              payees=["ann"], curves=False, pdf_engine="chromium")
    text = _text(files_of(short, "ann")["pdf"])
    assert "sha256" not in text and "rule " not in text
    assert "in the last section of this statement's HTML file" in text
    assert "Total for the period" in text  # the rep's pages are all there
    full = publish.write_run(store, feb, tmp_path / "full", formats=("pdf",),
                             payees=["ann"], curves=False, pdf_engine="chromium",
                             appendix=True)
    text = _text(files_of(full, "ann")["pdf"])
    assert "For auditors: the plan's rules behind each amount" in text and "sha256" in text


@pytest.mark.skipif(chromium.available() is not None, reason="no Chromium to print with")
def test_statements_appendix_option(history, tmp_path):
    store, _, feb = history
    r = CliRunner().invoke(cli, ["statements", str(feb), "--out", str(tmp_path), "--db",
                                 store.url, "--format", "pdf", "--payee", "ann",
                                 "--no-curve", "--appendix", "--quiet"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    pdf = next(tmp_path.glob("ann/*.pdf"))
    assert "sha256" in _text(pdf)
