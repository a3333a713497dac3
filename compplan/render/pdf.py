"""Statements as PDF (WeasyPrint): the same HTML page, laid out for A4 paper.

WeasyPrint draws with Pango, a system library; where it cannot load, the PDF is not
written and the reason comes back as a problem (the HTML, CSV and JSON still are).
"""
from __future__ import annotations

import logging
from pathlib import Path

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
