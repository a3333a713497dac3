"""Statements as PDF with headless Chromium (through Playwright), for runs of many.

Measured on the 2-core machine (README, Speed): WeasyPrint took about 1.3 s of CPU to
lay out a statement of 70 lines, Chromium about 0.15 s, so `compplan statements`
prints with Chromium where it can (Playwright installed, a chromium executable found)
and with WeasyPrint otherwise. One browser and one tab per process, kept for every
statement that process prints (a forked worker starts its own and closes it when it is
done: parallel.at_worker_exit). The portal keeps WeasyPrint: its PDFs are made in
threads, and a Playwright browser belongs to the thread that started it.

Chromium has no `string-set`: the payee and period at the top of each page are an
@page margin box of their own, its text written into a style added to the page (a
header template cost about 8 ms of Chromium's CPU a PDF); page n / N at the bottom is
the stylesheet's @page margin box.
"""
from __future__ import annotations

import atexit
import os
import shutil
from pathlib import Path

PRINT_WIDTH = 703  # px: A4's 210 mm less the 12 mm margins each side, at 96 px an inch
_state: dict = {}  # pid -> (playwright, browser, page): never a parent's, after a fork


def executable() -> str | None:
    """The chromium to print with: $COMPPLAN_CHROMIUM, or chromium on the PATH."""
    own = os.environ.get("COMPPLAN_CHROMIUM")
    if own:
        return own if Path(own).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def available() -> str | None:
    """None if PDFs can be printed with Chromium, else why not."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as e:
        return f"Playwright is not installed ({e})"
    if executable() is None:
        return "no chromium executable (set COMPPLAN_CHROMIUM)"
    return None


def _page():
    got = _state.get(os.getpid())
    if got is None:
        from playwright.sync_api import sync_playwright
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=executable(),
                                     args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page()
        # laid out for print from the start, at the A4 text width: set_content lays the
        # page out for the screen at 1280 px, and pdf() again for paper; with print media
        # and the paper's width the first layout is the one printed (measured: 25% less
        # of Chromium's CPU a statement, the PDFs' text the same)
        tab.emulate_media(media="print")
        tab.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
        got = _state[os.getpid()] = (pw, browser, tab)
        if len(_state) == 1:
            atexit.register(close)
        from .parallel import at_worker_exit
        at_worker_exit(close)
    return got[2]


def close() -> None:
    """Close this process's browser (if it started one)."""
    got = _state.pop(os.getpid(), None)
    if got is not None:
        pw, browser, _ = got
        try:
            browser.close()
        finally:
            pw.stop()


def _css_string(text: str) -> str:
    """`text` as a CSS string: anything but letters, digits and plain punctuation
    written as a hex escape (so no quote, backslash or `</style>` can end it)."""
    keep = set(" ·()–-,.:/")
    return '"' + "".join(c if c.isalnum() or c in keep else f"\\{ord(c):x} "
                         for c in text) + '"'


def running_style(running: str) -> str:
    """The style that prints `running` at the top of every page, the first included
    (the stylesheet's own @top-left reads string-set, which Chromium lacks)."""
    box = (f"content: {_css_string(running)}; font-size: 8pt; color: #666; "
           "font-family: 'DejaVu Sans', sans-serif;")
    return (f"<style>@page {{ @top-left {{ {box} }} }} "
            f"@page :first {{ @top-left {{ {box} }} }}</style>")


def write_pdf(page_html: str, path: Path, running: str = "") -> str | None:
    """Print the page to `path` as A4; `running` is the text at the top of each page
    (payee and period). A problem (text) if it could not be printed."""
    why = available()
    if why:
        return f"PDF not written: {why}"
    try:
        tab = _page()
        if running:
            page_html = page_html.replace("</head>", running_style(running) + "</head>", 1)
        tab.set_content(page_html, wait_until="load")
        # the auditor's section, where asked for, is folded away on screen and an
        # appendix on paper (WeasyPrint prints a <details> open; Chromium as it is)
        if "<details" in page_html:  # printed with its appendix (html.print_page)
            tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        # page n / N and the running text: the page's own @page margin boxes
        tab.pdf(path=str(path), format="A4", print_background=True,
                margin={"top": "12mm", "bottom": "13mm", "left": "12mm", "right": "12mm"})
    except Exception as e:  # noqa: BLE001 - any print failure is reported, not raised
        return f"PDF not written: {type(e).__name__}: {e}"
    return None
