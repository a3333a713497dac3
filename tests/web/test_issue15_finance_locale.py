"""Issue 15: finance's own pages (/finance, /plans/X/finance and the forecast tables) are
in the reader's words and numbers, from the statements' catalogs: finance reads a plan in
its `locale:` (the default of its statements, as the run review does), a manager the team
forecast in their own payee's locale.

The AE plan declares no locale; the tests give its compiled plan `locale: vi`, as the
YAML line would (as test_issue15_review_locale.py does), and max's payees row `locale:
pl`. Vietnamese writes '.' between thousands and ',' for decimals, the currency after
the amount (10.400,00 US$); Polish a no-break space between thousands and "USD".

The figures are those worked by hand in test_issue18_finance_pages.py (accrued as of
2026-02-28, forecast as of that day with the pipeline):
    ann's accrual 100,000 x 4% + 80,000 x 8% = 4,000 + 6,400 = 10,400.00
    control total 10,400 + 12,500 + 7,800 + 4,800 + 800 + 5,800 + 1,560 = 43,660.00
    true-up 56,480.00 - 43,660.00 = 12,820.00; CSAT bonus 2,100 - 1,000 = 1,100.00
    ann's forecast: 180,000 / 200,000 = 90% to date, 10,400.00; at pace 274,576.27 /
        200,000 = 137.3%, 20,949.16; low 210,000 = 105%, 13,200.00; expected 234,000 =
        117%, 16,080.00; high 255,000 = 127.5%, 18,600.00; each crosses tier 2 -> 3
    the plan: 43,660.00 / 74,750.50 / 46,460.00 / 52,360.00 / 55,960.00
    max's team (2026-02-14): ana 75% 7,615.38, at pace 150% 16,800.00; the team
        12,800.00 and 28,000.00
"""
import re

import pytest

from test_issue15_axe import SCREENS, serious
from test_issue18_finance_pages import AE, _by_id, _cells, _text
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

NBSP = "\u00a0"


def vietnamese(web):
    # the plan model is frozen; this portal's copy is the test's own (the app is new)
    object.__setattr__(web.portal.plans["ae-2026"].compiled.plan, "locale", "vi")


def plain(text: str) -> str:
    """No-break spaces (Babel's, between an amount and its currency) as spaces."""
    return text.replace(NBSP, " ").replace("\u202f", " ")


def test_issue15_the_finance_page_in_the_plans_language(web):
    vietnamese(web)
    html = web.client("finance").get(AE).text
    assert '<html lang="vi">' in html
    text = plain(_text(html))
    assert "Tài chính: Account Executive, FY2026" in text  # "Finance: {plan}"
    assert "Khoản trích trước của tháng" in text  # "The month's accrual"
    assert "chưa ghi sổ gì trước đó" in text  # "nothing booked before"
    assert plain(_by_id(html, "accrual-as-of")) == "28 thg 2, 2026"
    assert [plain(c) for c in _cells(html, "accrual-ann")] == [
        "Ann Alvarez ann", "West", "10.400,00 US$", "", "10.400,00 US$"]
    assert plain(_by_id(html, "accrual-control-total")) == "43.660,00 US$"
    assert _by_id(html, "accrual-ties") == "khớp"  # "ties"
    assert plain(_by_id(html, "true-up-total")) == "12.820,00 US$"
    assert "(bản nháp)" in _by_id(html, "true-up")  # "(draft)"
    assert "Thưởng CSAT 1.100,00 US$" in plain(_by_id(html, "true-up-components"))
    # the forecast: percentages with a decimal comma, the crossings in words
    ann = [plain(c) for c in _cells(html, "forecast-ann")]
    assert ann[1:11] == ["90%", "10.400,00 US$", "137,3%", "20.949,16 US$", "105%",
                         "13.200,00 US$", "117%", "16.080,00 US$", "127,5%",
                         "18.600,00 US$"]
    assert "thấp: ae_tiers bậc 2 → 3" in ann[11]  # "low: ae_tiers tier 2 -> 3"
    assert "dự kiến: ae_tiers bậc 2 → 3, csat_bonus: đạt điều kiện" in \
        _cells(html, "forecast-cara")[11]  # "expected: ... csat_bonus: gate met"
    plan = [r for r in re.findall(r'<tr class="forecast-total">(.*?)</tr>', html, re.S)
            if "Kế hoạch ae-2026" in r]  # "Plan {plan}"
    assert re.findall(r"[\d.]+,\d\d US\$", plain(_text(plan[0]))) == [
        "43.660,00 US$", "74.750,50 US$", "46.460,00 US$", "52.360,00 US$",
        "55.960,00 US$"]
    assert "tiến độ theo ngày lịch" in _by_id(html, "forecast-basis")  # "calendar days"
    # no English text of the page's own is left
    for english in ("The month's accrual", "Control total", "True-up", "Forecast as of",
                    "Tiers, gates, caps crossed", "at pace", "gate met"):
        assert english not in text, english


def test_issue15_the_finance_index_writes_each_plans_amount_in_its_own_format(web):
    vietnamese(web)
    text = plain(_text(web.client("finance").get("/finance").text))
    # the plans do not share one locale: the page's words stay English, each amount
    # in its own plan's format (ae-2026's accrual in vi, cs-2026's in en)
    assert "Each open period&#39;s latest accrual" in text
    assert "2 as of 28 thg 2, 2026 43.660,00 US$" in text
    assert "$39,950.00" in text


def test_issue15_the_team_forecast_in_the_managers_language(web):
    web.portal.plans["team-2026"].run.prep.payees["max"]["locale"] = "pl"
    html = web.client("max").get("/plans/team-2026/team/forecast?as_of=2026-02-14").text
    assert '<html lang="pl">' in html
    assert "Zespół: Max Moreau: prognoza" in html  # "{name}'s team: forecast"
    assert [plain(c) for c in _cells(html, "forecast-ana")[1:5]] == [
        "75%", "7 615,38 USD", "150%", "16 800,00 USD"]
    total = plain(_text(re.search(r'<tr class="forecast-total">(.*?)</tr>', html,
                                  re.S).group(1)))
    assert total == "Zespół: Max Moreau 12 800,00 USD 28 000,00 USD"  # "Team of {name}"
    assert "w tym tempie: rep_tiers próg 1 → 2" in _cells(html, "forecast-ana")[5]


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_a_vietnamese_finance_reader_in_a_browser(web, browser, site, screen):  # noqa: F811
    vietnamese(web)
    page = log_in(browser, site, "finance", **SCREENS[screen])
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.goto(site + "/finance")
    page.click("text=Account Executive, FY2026")
    expect(page).to_have_url(re.compile(r"/plans/ae-2026/finance$"))
    page.fill("input[name=as_of]", "2026-02-28")
    page.click("#as-of button[type=submit]")  # "Xem" (Show)
    expect(page).to_have_url(re.compile(r"as_of=2026-02-28$"))
    expect(page.locator("#as-of button[type=submit]")).to_have_text("Xem")
    expect(page.locator("#accrual-control-total")).to_have_text(
        re.compile(r"^43\.660,00\s+US\$$"))
    expect(page.locator("#true-up-total")).to_have_text(re.compile(r"^12\.820,00\s+US\$$"))
    expect(page.locator("#forecast-ann td.pay")).to_have_text(
        [re.compile(rf"^{re.escape(a)}\s+US\$$") for a in
         ("10.400,00", "20.949,16", "13.200,00", "16.080,00", "18.600,00")])
    # the wide tables scroll inside their boxes: the page is no wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # and axe finds no serious or critical violation on either finance page
    assert serious(page) == []
    page.goto(site + "/finance")
    assert serious(page) == []
