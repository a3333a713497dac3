"""Statements as PDF: the same HTML page, laid out for A4 paper.

Two engines. WeasyPrint (Python, drawing with Pango) is the one the portal uses; a run's
statements are printed with headless Chromium where it is there (chromium.py), about
nine times less CPU a statement. Where an engine cannot load, the PDF is not written
and the reason comes back as a problem (the HTML, CSV and JSON still are).
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

ENGINES = ("auto", "chromium", "weasyprint")

_weasyprint = None
_why_not: str | None = None
_fonts = None  # one font configuration per process: fontconfig is read once, not per PDF


def available() -> str | None:
    """None if PDFs can be written, else why not."""
    global _weasyprint, _why_not
    if _weasyprint is None and _why_not is None:
        try:
            import weasyprint
            _weasyprint = weasyprint
            # WeasyPrint logs every CSS property it ignores; a statement needs none of that
            logging.getLogger("weasyprint").setLevel(logging.ERROR)
            logging.getLogger("fontTools").setLevel(logging.ERROR)
        except (ImportError, OSError) as e:
            _why_not = f"PDF not written: WeasyPrint cannot load ({e})"
    return _why_not


def write_pdf(html: str, path: Path, base: Path | None = None) -> str | None:
    """Write the page as a PDF; a problem (text) if it could not be."""
    why = available()
    if why:
        return why
    global _fonts
    try:
        if _fonts is None:
            from weasyprint.text.fonts import FontConfiguration
            _fonts = FontConfiguration()
        _weasyprint.HTML(string=html, base_url=str(base or path.parent)).write_pdf(
            str(path), font_config=_fonts)
    except Exception as e:  # noqa: BLE001 - any layout failure is reported, not raised
        return f"PDF not written: {type(e).__name__}: {e}"
    return None


def engine_for_runs(choice: str = "auto") -> str:
    """The engine a run's statements are printed with: as asked, or (auto, or
    $COMPPLAN_PDF_ENGINE) Chromium where it can print, else WeasyPrint."""
    if choice == "auto":
        choice = os.environ.get("COMPPLAN_PDF_ENGINE", "auto")
    if choice == "auto":
        from . import chromium
        return "chromium" if chromium.available() is None else "weasyprint"
    if choice not in ENGINES:
        raise ValueError(f"unknown PDF engine '{choice}': one of {', '.join(ENGINES)}")
    return choice


def write_statement(html: str, path: Path, running: str, engine: str) -> str | None:
    """A statement's PDF with the engine chosen (engine_for_runs); `running`: the payee
    and period each page names at its top (WeasyPrint takes them from the page)."""
    if engine == "chromium":
        from . import chromium
        return chromium.write_pdf(html, path, running)
    return write_pdf(html, path)
