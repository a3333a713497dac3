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
import io
import os
import re
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


# Statements printed in one Chromium document and split into a PDF each (issue 14):
# Chromium's fixed cost a document (its layout and paint passes, the PDF's fonts,
# written once) is shared by BATCH statements. Measured on 40 generated AE statements,
# the process tree's CPU (Chromium's included) a PDF, load 14-16: one a document
# 123.5 ms, 5 a document 79.2, 10: 83.0, 20: 85.8 (a bigger document lays out slower).
BATCH = 5
# A4 in points, the stylesheet's bottom and right margins (13 mm, 12 mm): where page
# n / N is written on a statement's pages once the document is split (a document's
# own page counter counts every statement's pages)
A4 = (595.28, 841.89)
RIGHT, BOTTOM = 12 * 72 / 25.4, 13 * 72 / 25.4
NUMBER_FONT = 8  # pt, as the stylesheet's margin boxes
# Helvetica's advance widths (1/1000 em) of what page n / N is written with
_WIDTHS = {**{str(d): 556 for d in range(10)}, " ": 278, "/": 278}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_WATERMARK = re.compile(r'<div class="watermark"[^>]*>.*?</div>', re.S)


def _batch(pages: list[tuple[str, str]]) -> str:
    """One document of several statements' pages: the first's head, each body a
    section on pages of its own name, whose top names its payee and period, and
    without the document's page counter (numbers are written after the split). The
    DRAFT watermark, fixed, is printed on every page from the first statement's."""
    first = pages[0][0]
    head = first[:first.find("<body")]  # the stylesheet; each section has its own lang
    styles, sections = [], []
    for k, (page, running) in enumerate(pages):
        body = _BODY.search(page).group(1)
        if k:
            body = _WATERMARK.sub("", body, count=1)
        box = ("font-size: 8pt; color: #666; font-family: 'DejaVu Sans', sans-serif;")
        styles.append(".cp-start { position: absolute; color: inherit; text-decoration: none; }"
                      if not k else "")
        styles.append(f"@page cp{k} {{ @top-left {{ content: {_css_string(running)}; {box} }} "
                      f"@bottom-right {{ content: none; }} }}")
        lang = re.search(r'<html lang="([^"]*)"', page)
        # a link to the section's own start makes Chromium write a named destination
        # for it: the page each statement begins on, once printed (Chromium writes no
        # outline without a tagged PDF, which costs more)
        sections.append(f'<section id="cp{k}" style="page: cp{k}"'
                        f'{f" lang={chr(34)}{lang.group(1)}{chr(34)}" if lang else ""}>'
                        f'<a href="#cp{k}" class="cp-start">&#8203;</a>{body}</section>')
    return head.replace("</head>", "<style>" + " ".join(styles) + "</style></head>", 1) + \
        "<body>" + "".join(sections) + "</body></html>"


def _number(page, n: int, of: int) -> None:
    """Write `n / of` at the page's bottom right, in the margin, with Helvetica (one of
    the PDF's standard fonts: nothing to embed). The page is a writer's (its content
    streams are added to that writer by pypdf's public replace_contents)."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject,
                               NameObject)
    text = f"{n} / {of}"
    width = sum(_WIDTHS[c] for c in text) * NUMBER_FONT / 1000
    x, y = A4[0] - RIGHT - width, BOTTOM / 2 - NUMBER_FONT / 3
    # the page's own drawing saved and restored around (q ... Q): Chromium's leaves
    # its coordinates flipped, and the number is written in the PDF's own
    before, stream = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    stream.set_data(f"\nQ q 0.4 g BT /CPn {NUMBER_FONT} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q"
                    .encode())
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    fonts[NameObject("/CPn")] = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    contents = page.get("/Contents")
    parts = [] if contents is None else list(contents.get_object()) \
        if isinstance(contents.get_object(), list) else [contents.get_object()]
    # the page's own streams are kept as they are, ours put around them: with no
    # /Contents left first, replace_contents adds each new stream (and the array) to
    # the writer and nulls nothing (the page's streams are the writer's already)
    if contents is not None:
        del page["/Contents"]
    page.replace_contents(ArrayObject([before] + parts + [stream]))


def write_pdfs(items: list[tuple[str, Path, str]]) -> list[str | None]:
    """Print several statements (page HTML, path, running text) as one document and
    write each its own PDF: its pages, numbered n / N of its own. Each statement
    begins on a page of its own, read from the document's named destinations.
    Where that cannot be done (a page that is not a statement, a print failure), each
    is printed alone (write_pdf) and has its own problem, if any."""
    why = available()
    if why:
        return [f"PDF not written: {why}"] * len(items)
    # printed together: statements with the same stylesheet (a head differs from
    # another's by its title only) and the same watermark (one is printed on every
    # page of a document: DRAFT in the reader's language)
    groups: dict = {}
    for i, (html, _, _) in enumerate(items):
        mark = _WATERMARK.search(html)
        key = (_TITLE.sub("", html[html.find("<head"):html.find("<body")]),
               mark.group(0) if mark else "", _BODY.search(html) is not None)
        groups.setdefault(key, []).append(i)
    out: list[str | None] = [None] * len(items)
    for (_, _, body), idx in groups.items():
        got = _print_together([items[i] for i in idx]) if body and len(idx) > 1 else \
            [write_pdf(*items[i]) for i in idx]
        for i, problem in zip(idx, got):
            out[i] = problem
    return out


def _print_together(items: list[tuple[str, Path, str]]) -> list[str | None]:
    try:
        from pypdf import PdfReader, PdfWriter
        tab = _page()
        doc = _batch([(html, running) for html, _, running in items])
        tab.set_content(doc, wait_until="load")
        if "<details" in doc:
            tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        data = tab.pdf(format="A4", print_background=True,
                       margin={"top": "12mm", "bottom": "13mm", "left": "12mm",
                               "right": "12mm"})
        reader = PdfReader(io.BytesIO(data))
        dests = reader.named_destinations
        # each page's number by its object, once (pypdf's own lookup builds it per call)
        number = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
        starts = [number.get(getattr(dests[f"/cp{k}"].page, "idnum", None), -1)
                  if f"/cp{k}" in dests else -1 for k in range(len(items))]
        if starts[0] != 0 or any(b <= a for a, b in zip(starts, starts[1:])):
            raise ValueError(f"{len(starts)} statements found in a document of {len(items)}")
        ends = starts[1:] + [len(reader.pages)]
        for (_, path, _), a, b in zip(items, starts, ends):
            writer = PdfWriter()
            for i in range(a, b):
                writer.add_page(reader.pages[i])
            for n, page in enumerate(writer.pages, 1):
                _number(page, n, b - a)
            with open(path, "wb") as f:
                writer.write(f)
    except Exception:  # noqa: BLE001 - each printed alone, with its own problem
        return [write_pdf(html, path, running) for html, path, running in items]
    return [None] * len(items)
