"""Issue 18 in a browser: finance reads the month's accrual and the forecast on a phone,
and a manager opens the team's forecast from the team page (Playwright driving Debian's
chromium, as test_web_browser.py; it skips, saying why, without them). The figures are
worked out in test_issue18_finance_pages.py; issue 15 wrote them with the plan's money
format ($43,660.00: the AE and team plans are English)."""
import re

from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_issue18_finance_reads_the_accrual_and_forecast_on_a_phone(browser, site):  # noqa: F811 (fixtures)
    page = log_in(browser, site, "finance", **PHONE)
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.click("text=Finance")
    expect(page).to_have_url(re.compile(r"/finance$"))
    page.click("text=Account Executive, FY2026")
    expect(page).to_have_url(re.compile(r"/plans/ae-2026/finance$"))
    page.fill("input[name=as_of]", "2026-02-28")
    page.click("#as-of button[type=submit]")
    expect(page).to_have_url(re.compile(r"as_of=2026-02-28$"))
    # 10,400 + 12,500 + 7,800 + 4,800 + 800 + 5,800 + 1,560
    expect(page.locator("#accrual-control-total")).to_have_text("$43,660.00")
    expect(page.locator("#accrual-ties")).to_have_text("ties")
    expect(page.locator("#true-up-total")).to_have_text("$12,820.00")  # 56,480 - 43,660
    ann = page.locator("#forecast-ann td.pay")
    # to date, at pace, low, expected, high
    expect(ann).to_have_text(["$10,400.00", "$20,949.16", "$13,200.00", "$16,080.00",
                              "$18,600.00"])
    # the wide tables scroll inside their boxes: the page itself is no wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_issue18_a_manager_opens_the_teams_forecast(browser, site):  # noqa: F811 (fixtures)
    page = log_in(browser, site, "max", **PHONE)
    expect(page).to_have_url(re.compile(r"/plans/team-2026/team$"))
    page.click("#team-forecast")
    expect(page).to_have_url(re.compile(r"/plans/team-2026/team/forecast$"))
    page.fill("input[name=as_of]", "2026-02-14")
    page.click("#as-of button[type=submit]")
    expect(page.locator("#forecast tbody tr")).to_have_count(3)  # ana, bo, cal
    # with the team pool (test_issue18_finance_pages.py works it out by hand)
    expect(page.locator("#forecast-ana td.pay")).to_have_text(["$7,615.38", "$16,800.00"])
    expect(page.locator("#forecast tfoot td.pay")).to_have_text(["$12,800.00",
                                                                 "$28,000.00"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
