"""Issue 15, accessibility: axe-core (the axe.min.js that axe-playwright-python ships,
installed with the test extras: nothing is fetched at test time) run in Debian's
chromium on every kind of portal page, at 390 and 1280 px: no serious or critical
violation of WCAG 2.2 A/AA (contrast, names, target size ...). Also: the skip link
leads to the content, and the rep's page has a live region for new figures.
"""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from compplan.store.models import Run
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

axe_pkg = pytest.importorskip("axe_playwright_python",
                              reason="pip install -e '.[test]' installs axe-core")
AXE = (Path(axe_pkg.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# bypass_csp: the portal's policy (script-src 'self') rightly refuses the test's own
# script; the pages are checked as they are otherwise
SCREENS = {"390px": {"viewport": {"width": 390, "height": 844}, "is_mobile": True,
                     "has_touch": True, "bypass_csp": True},
           "1280px": {"viewport": {"width": 1280, "height": 900}, "bypass_csp": True}}


def run_of(web, plan):
    with web.store.session() as db:
        return db.execute(select(Run.id).where(Run.plan_id == plan,
                                               Run.status != "replaced")).scalar_one()


def serious(page) -> list[str]:
    page.add_script_tag(content=AXE)
    got = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                        " resultTypes: ['violations']})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + json.dumps([n["target"] for n in v["nodes"][:3]])
            for v in got["violations"] if v["impact"] in ("serious", "critical")]


def pages(web):
    ae, team = run_of(web, "ae-2026"), run_of(web, "team-2026")
    return {
        "ann": ["/plans/ae-2026/payees/ann",
                "/plans/ae-2026/payees/ann/estimate?input=deals&amount=250000&product="
                "platform&type=new", f"/runs/{ae}/payees/ann", "/disputes"],
        "max": ["/plans/team-2026/team", "/plans/team-2026/team/sales",
                "/plans/team-2026/team/forecast", "/plans/team-2026/payees/bo"],
        "finance": ["/admin", "/admin/runs", f"/runs/{ae}/review",
                    f"/runs/{ae}/review/confirm?action=approve", "/finance",
                    "/plans/field-2026/payees/tom", f"/runs/{team}/payees/ana",
                    "/admin/audit", "/admin/check"],
    }


@pytest.mark.parametrize("screen", SCREENS.values(), ids=SCREENS.keys())
def test_issue15_axe_finds_nothing_serious(browser, site, web, screen):  # noqa: F811
    found = {}
    login = browser.new_context(**screen).new_page()
    login.goto(site + "/login")
    found["/login"] = serious(login)
    for account, urls in pages(web).items():
        page = log_in(browser, site, account, **screen)
        page.wait_for_load_state()
        for url in urls:
            response = page.goto(site + url)
            assert response.status == 200, url
            found[url] = serious(page)
    bad = {url: v for url, v in found.items() if v}
    assert not bad, json.dumps(bad, indent=1)


def test_issue15_the_skip_link_and_the_live_region(browser, site):  # noqa: F811
    page = log_in(browser, site, "ann", **SCREENS["390px"])
    page.wait_for_load_state("load")  # a Tab before the page is ready lands nowhere
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.locator("#live-status").get_attribute("aria-live") == "polite"
    assert page.locator("#estimate-answer").get_attribute("aria-live") == "polite"
