"""The portal in a browser, as a person uses it (issue 8): Playwright driving Debian's
chromium against the portal served by uvicorn on loopback.

Skips, saying why, where the browser or Playwright is missing; CI (.ci/run) installs
both, so there these tests run.
"""
import os
import re
import socket
import threading
import time

import pytest

from portal_helpers import PASSWORDS

CHROMIUM = os.environ.get("COMPPLAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright is not installed (pip install playwright)")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)",
                allow_module_level=True)
expect = sync_api.expect


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def site(web):
    """The portal served on a free loopback port for the length of a test."""
    import uvicorn
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def log_in(browser, site, login, **context):
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(15000)
    page.goto(site + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORDS[login])
    page.click("button[type=submit]")
    return page


def period_bar(page):
    return page.locator("#live .bar").last


def test_a_rep_logs_in_and_sees_the_bar_on_a_phone(browser, site):
    page = log_in(browser, site, "ana", viewport={"width": 390, "height": 844},
                  is_mobile=True, has_touch=True)
    expect(page).to_have_url(re.compile(r"/plans/team-2026/payees/ana$"))
    bar = period_bar(page)
    expect(bar.locator("progress")).to_be_visible()
    expect(bar.locator(".bar-value")).to_have_text("116.7%")
    # commission 9,200.00 + her share of team north's pool 2,800.00 (issue 20)
    expect(page.locator("#total")).to_have_text("$12,000.00")
    # nothing wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_ingested_deal_moves_the_bar_without_a_reload(browser, site, web):
    import httpx2 as httpx
    page = log_in(browser, site, "ana")
    expect(period_bar(page).locator(".bar-value")).to_have_text("116.7%")
    page.evaluate("window.notReloaded = true")
    r = httpx.post(site + "/api/plans/team-2026/ingest", headers={
        "Authorization": f"Bearer {web.token}", "Content-Type": "text/csv"},
        content="deal_id,rep_id,close_date,amount,customer\nLIVE-1,ana,2026-03-31,20000,Acme\n")
    assert r.status_code == 200 and r.json()["accepted"] == 1
    # 160,000 of 120,000; the deal is above 100%: 20,000 x 10% = 2,000 more: 11,200;
    # the pool 2% x 330,000 = 6,600.00, her share 6,600 x 160,000 / 330,000 = 3,200.00
    expect(period_bar(page).locator(".bar-value")).to_have_text("133.3%", timeout=15000)
    expect(page.locator("#total")).to_have_text("$14,400.00")
    assert page.evaluate("window.notReloaded === true")


def test_another_reps_page_does_not_open(browser, site):
    page = log_in(browser, site, "ana")
    expect(page.locator("#live")).to_be_visible()
    response = page.goto(site + "/plans/team-2026/payees/bo")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("There is no payee 'bo'")
    assert "Bo Berg" not in page.content()


def test_a_manager_drills_down(browser, site):
    page = log_in(browser, site, "max")
    expect(page).to_have_url(re.compile(r"/plans/team-2026/team$"))
    rows = page.locator("#team tbody tr")
    expect(rows).to_have_count(3)
    page.click("text=Name")  # sort by name
    expect(rows.first).to_contain_text("Ana Alves")
    page.click("text=Bo Berg")
    expect(page).to_have_url(re.compile(r"/plans/team-2026/payees/bo$"))
    expect(page.locator("h1")).to_have_text("Bo Berg")
    expect(period_bar(page).locator("progress")).to_be_visible()


def test_a_dispute_from_open_to_resolved_and_paid_in_the_next_run(browser, site):
    rep = log_in(browser, site, "ana")
    rep.click("#live ~ section >> text=2026-Q1 · run")  # her statement
    expect(rep.locator("#line-1")).to_be_visible()
    rep.click("#question-1")
    rep.fill("textarea[name=comment]", "A-1 was signed at 55,000, not 50,000")
    rep.click("form[action$='/disputes'] button[type=submit]")
    expect(rep.locator("#dispute-status")).to_have_text("open")
    dispute_url = rep.url

    admin = log_in(browser, site, "admin")
    admin.click("text=Disputes")
    admin.click(f"a[href='{dispute_url.replace(site, '')}']")
    admin.fill("textarea[name=answer]", "The order form says 55,000.")
    admin.click("form[action$='/answer'] button[type=submit]")
    expect(admin.locator("#dispute-status")).to_have_text("answered")
    admin.check("input[value=accepted]")
    admin.fill("input[name=amount]", "300.00")  # 5,000 x 6%
    admin.fill("textarea[name=reason]", "5,000 more at 6%")
    admin.click("form[action$='/resolve'] button[type=submit]")
    expect(admin.locator("#dispute-status")).to_have_text("accepted: 300.00 in the next run")

    rep.goto(dispute_url)
    expect(rep.locator("#dispute-status")).to_have_text("accepted: 300.00 in the next run")

    admin.goto(site + "/admin")
    admin.click("#save-team-2026")
    expect(admin).to_have_url(re.compile(r"/admin/runs#run-\d+$"))
    new_run = admin.url.rsplit("-", 1)[1]

    rep.goto(f"{site}/runs/{new_run}/payees/ana")
    line = rep.locator("article.line", has_text="dispute 1 accepted")
    expect(line).to_be_visible()
    expect(line.locator(".amount")).to_have_text("300.00")
    # 9,200.00 commission + 2,800.00 team pool + 300.00 dispute
    expect(rep.locator("#statement-total")).to_contain_text("12,300.00")
