"""Issue 15: a manager no open period pays (the field sample's mia: her reps rita and
sid are paid on field-2026, she is not) found "No open period pays you at the moment."
on her home page and nothing else; her target round, and its report, were a menu away.
Now the home page lists the rounds she takes part in, each linking its page and, for a
manager, its report."""
import re

import pytest

from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures


def _round_id(web) -> int:
    html = web.client("admin").get("/targets/rounds").text
    return int(re.search(r'<a href="/targets/rounds/(\d+)">Field sales, March 2026</a>',
                         html).group(1))


def test_issue15_mias_home_links_her_round_and_its_report(web):
    rid = _round_id(web)
    mia = web.client("mia")
    home = mia.get("/", follow_redirects=False)
    assert home.status_code == 200
    assert "No open period pays you at the moment." in home.text
    rounds = home.text[home.text.index('id="home-rounds"'):]
    assert f'<a href="/targets/rounds/{rid}">Field sales, March 2026</a>' in rounds
    assert f'href="/targets/rounds/{rid}/report"' in rounds
    assert "field-2026 · 2026-03 · answers by Feb 27, 2026" in rounds
    # both links open for her: her team's lines, and the report of them
    page = mia.get(f"/targets/rounds/{rid}")
    assert page.status_code == 200 and "rita" in page.text and "sid" in page.text
    assert mia.get(f"/targets/rounds/{rid}/report").status_code == 200


def test_issue15_the_home_rounds_in_the_browsers_language(web):
    # mia has no payee row: the frame is in her browser's language (words.own_words)
    home = web.client("mia").get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9"}).text
    assert "trả lời trước 27 thg 2, 2026" in home and ": báo cáo</a>" in home


@pytest.mark.parametrize("screen", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 900}}], ids=["390px", "1280px"])
def test_issue15_mia_opens_her_round_report_from_home(browser, site, screen):  # noqa: F811
    page = log_in(browser, site, "mia", **screen)
    expect(page.locator("h1")).to_have_text("Your plans")
    page.locator("#home-rounds a.button").first.click()
    expect(page).to_have_url(re.compile(r"/targets/rounds/\d+/report$"))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
