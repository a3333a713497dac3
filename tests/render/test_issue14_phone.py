"""Issue 14: a statement reads on a 390 px phone without zoom or sideways scrolling.

Without a viewport meta tag a phone lays the page out at 980 px and shrinks it to 40%
(body text about 5 px); with it, a 7-column lines table is still 665 px wide. So: the
tag, a rule under 480 px that stacks each line as a card, and body text of 16 px. The
HTML is parsed for the tag and the rule; where chromium and Playwright are at hand the
page is opened at 390 and 1280 px and measured as a browser lays it out.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import files_of

CHROMIUM = Path("/usr/bin/chromium")


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.metas: list[dict] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            self.metas.append(dict(attrs))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def _media_blocks(css: str) -> dict[str, str]:
    """Each @media rule's condition and its body (braces matched)."""
    out = {}
    for m in re.finditer(r"@media([^{]+)\{", css):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        out[" ".join(m.group(1).split())] = css[m.end():i - 1]
    return out


def test_the_page_has_a_viewport_tag_and_stacks_lines_under_480px(published):
    for e in published.entries:  # every locale's page
        page = files_of(published, e.payee)["html"].read_text(encoding="utf-8")
        head = _Head()
        head.feed(page)
        viewport = [m for m in head.metas if m.get("name") == "viewport"]
        assert viewport and "width=device-width" in viewport[0]["content"]
        assert "initial-scale=1" in viewport[0]["content"]
        css = "".join(head.css)
        body = re.search(r"(?<![-\w])body\s*\{([^}]*)\}", css).group(1)
        assert re.search(r"font-size:\s*16px", body), body
        narrow = [body for cond, body in _media_blocks(css).items()
                  if re.search(r"max-width:\s*480px", cond)]
        assert narrow, "no rule for screens under 480 px"
        rule = re.search(r"table\.lines[^{]*\btr\b[^{]*\{([^}]*)\}", narrow[0])
        assert rule and "display: block" in rule.group(1)  # rows become cards
        assert re.search(r"table\.lines thead\s*\{\s*display:\s*none", narrow[0])
        # each cell says what it is once the header row is gone
        assert 'data-label="' in page and "attr(data-label)" in narrow[0]


def _browser():
    if not CHROMIUM.exists():
        pytest.skip("chromium is not at /usr/bin/chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as e:
        pytest.skip(f"playwright is not importable ({e})")
    return sync_playwright


MEASURE = """() => {
  const doc = document.documentElement;
  let smallest = 1000, where = '';
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < smallest) { smallest = px; where = el.tagName + '.' + el.className; }
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth,
          body: parseFloat(getComputedStyle(document.body).fontSize),
          smallest: smallest, where: where,
          cards: getComputedStyle(document.querySelector('tr.line')).display};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_fits_the_screen_in_chromium(published, width):
    sync_playwright = _browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 900},
                                    device_scale_factor=1, is_mobile=width < 480,
                                    has_touch=width < 480)
            for e in published.entries:  # en, vi, pl, ms
                page.goto(files_of(published, e.payee)["html"].as_uri())
                m = page.evaluate(MEASURE)
                assert m["scrollWidth"] <= m["clientWidth"] == width, (e.payee, m)
                assert m["body"] >= 16, (e.payee, m)
                assert m["smallest"] >= 12, (e.payee, m)
                assert (m["cards"] == "block") == (width < 480), (e.payee, m)
        finally:
            browser.close()


OVERRUN = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('table.lines th, table.lines td')) {
    if (cell.getClientRects().length === 0) continue;
    if (cell.scrollWidth > cell.clientWidth + 1)
      out.push(cell.className + ': ' + cell.textContent.trim().slice(0, 40));
  }
  return out;
}"""


def test_issue14_printed_lines_keep_to_their_columns(published):
    """Printed (A4: 794 px wide), the lines table has fixed column widths; a longer
    Vietnamese date ("20 thg 1, 2026") or heading ("Doanh số ghi nhận") ran over the
    next column in the vi PDF. Every cell's text now stays inside its own column in
    each of the four languages."""
    sync_playwright = _browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 794, "height": 1123},
                                    device_scale_factor=1)
            page.emulate_media(media="print")
            for e in published.entries:  # en, vi, pl, ms
                page.goto(files_of(published, e.payee)["html"].as_uri())
                assert page.evaluate(OVERRUN) == [], e.payee
        finally:
            browser.close()
