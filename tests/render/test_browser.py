"""Statements opened as a person would: the HTML in headless Chromium (Debian's
chromium), the PDF turned into page images with pdftoppm. Each must render: an image of
sane size that is not blank, and the statement's text in what the browser built.

.ci/run installs chromium and poppler-utils; elsewhere these tests skip and say why.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from .conftest import files_of

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
         *args], capture_output=True, text=True, timeout=120)


def _not_blank(png: Path, min_w: int, min_h: int) -> None:
    with Image.open(png) as im:
        w, h = im.size
        assert w >= min_w and h >= min_h, im.size
        colours = im.convert("L").getextrema()
        assert colours[0] < 100 and colours[1] > 200, "the page looks blank"


def test_the_html_statement_renders_in_chromium(published, tmp_path):
    page = files_of(published, "cyd")["html"]  # Polish: diacritics and odd separators
    shot = tmp_path / "page.png"
    r = _chromium(tmp_path, "--window-size=1000,1800", f"--screenshot={shot}",
                  page.as_uri())
    assert shot.exists(), r.stderr[-2000:]
    _not_blank(shot, 1000, 1800)
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "Zestawienie wynagrodzenia" in dom  # the page's own title, in Polish
    assert "Cyd Czarnecka (cyd)" in dom
    assert "940,00" in dom  # cyd's total for February
    assert "<svg" in dom  # the payout curve, drawn inline


def test_the_pdf_statement_renders_to_page_images(published, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils; .ci/run does)")
    pdf = files_of(published, "bob")["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pages) <= 6
    for p in pages:
        _not_blank(p, 400, 560)  # A4 at 50 dpi: 413 x 585
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Bob Bui (bob)" in text and "796,30" in text
