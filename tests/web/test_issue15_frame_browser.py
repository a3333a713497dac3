"""Issue 15: the portal's frame in the reader's language, in Debian's chromium at 390 and
1280 px, with axe-core: a Vietnamese rep (rita, field sample) from the login page to her
statement and disputes, a Polish rep's statement (tom), a Vietnamese manager (max of the
team plan, given `locale: vi`), an error page, and finance's runs table with a plan read
in Vietnamese. No serious or critical axe violation on any of them.

Figures as in test_issue15_frame_locale.py: rita's March total 1,425.00 (1.425,00 US$);
the AE run's 56,480.00 (56.480,00 US$ in Vietnamese).
"""
import re

import pytest

from test_issue15_axe import SCREENS, run_of, serious
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures


def menu_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("header nav a, header nav button").all_inner_texts()]


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_a_vietnamese_rep_reads_the_portal_in_vietnamese(web, browser, site,  # noqa: F811
                                                                  screen):
    found = {}
    page = log_in(browser, site, "rita", locale="vi-VN", **SCREENS[screen])
    expect(page).to_have_url(re.compile(r"/plans/field-2026/payees/rita$"))
    expect(page.locator("a.skip")).to_have_text("Chuyển đến nội dung")
    assert menu_texts(page) == ["Số liệu của tôi", "Khiếu nại của tôi", "Chỉ tiêu",
                                "Đăng xuất rita"]
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found["payee"] = serious(page)
    page.click("text=Khiếu nại của tôi")  # "My disputes"
    expect(page).to_have_url(re.compile(r"/disputes$"))
    expect(page.locator("h1")).to_have_text("Khiếu nại của tôi")
    expect(page.locator("table.team thead th")).to_have_text(
        ["#", "Người nhận", "Dòng bảng kê", "Số tiền", "Trạng thái"])
    found["disputes"] = serious(page)
    run = run_of(web, "field-2026")
    page.goto(site + f"/runs/{run}/payees/rita")
    expect(page.locator("h1")).to_have_text("Bảng kê: Rita Ruiz")
    expect(page.locator("#statement-total")).to_have_text(re.compile(r"^1\.425,00\s+US\$$"))
    expect(page.locator("#question-1")).to_have_text("Thắc mắc về dòng này")
    found["statement"] = serious(page)
    page.click("#question-1")
    expect(page.locator("form button[type=submit]").last).to_have_text("Gửi khiếu nại")
    found["line"] = serious(page)
    response = page.goto(site + "/plans/field-2026/payees/tom")  # not hers: 404
    assert response.status == 404
    # the refusal's own sentence, in her words (security.Refused params)
    expect(page.locator("main h1")).to_have_text(
        "Không có người nhận 'tom' trong field-2026 mà bạn được xem")
    found["404"] = serious(page)
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_the_login_page_in_the_browsers_language(browser, site, screen):  # noqa: F811
    page = browser.new_context(locale="pl-PL", **SCREENS[screen]).new_page()
    page.goto(site + "/login")
    expect(page.locator("h1")).to_have_text("Zaloguj się")
    expect(page.locator("a.skip")).to_have_text("Przejdź do treści")
    page.fill("input[name=login]", "tom")
    page.fill("input[name=password]", "not his password")
    page.click("button[type=submit]")
    expect(page.locator("[role=alert]")).to_have_text(
        "Ten login i hasło nie pasują do żadnego konta.")
    assert serious(page) == []


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_a_polish_reps_statement(web, browser, site, screen):  # noqa: F811
    page = log_in(browser, site, "tom", **SCREENS[screen])
    page.goto(site + f"/runs/{run_of(web, 'field-2026')}/payees/tom")
    expect(page.locator("h1")).to_have_text("Zestawienie: Tom Tan")
    assert menu_texts(page) == ["Moje wyniki", "Moje reklamacje", "Cele", "Wyloguj tom"]
    expect(page.locator("#statement-total")).to_have_text(re.compile(r"^[\d\s]+,\d\d\sUSD$"))
    assert serious(page) == []


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_a_vietnamese_manager_and_finances_runs(web, browser, site,  # noqa: F811
                                                         screen):
    web.portal.plans["team-2026"].run.prep.payees["max"]["locale"] = "vi"
    page = log_in(browser, site, "max", **SCREENS[screen])
    expect(page).to_have_url(re.compile(r"/plans/team-2026/team$"))
    assert menu_texts(page) == ["Nhóm", "Khiếu nại của tôi", "Chỉ tiêu", "Đăng xuất max"]
    expect(page.locator("a.skip")).to_have_text("Chuyển đến nội dung")
    found = {"team": serious(page)}
    page.click("text=Bo Berg")  # bo's page: his words (English), max's frame
    expect(page).to_have_url(re.compile(r"/plans/team-2026/payees/bo$"))
    assert page.locator("header.top").get_attribute("lang") == "vi"
    assert menu_texts(page)[0] == "Nhóm"
    found["bo"] = serious(page)
    # finance: each run's total in its plan's format (ae-2026 read as vi)
    object.__setattr__(web.portal.plans["ae-2026"].compiled.plan, "locale", "vi")
    fin = log_in(browser, site, "finance", **SCREENS[screen])
    fin.goto(site + "/admin/runs")
    ae = run_of(web, "ae-2026")
    expect(fin.locator(f"#run-{ae} .run-total")).to_have_text(re.compile(r"^56\.480,00\s+US\$$"))
    assert fin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    found["runs"] = serious(fin)
    assert {k: v for k, v in found.items() if v} == {}
