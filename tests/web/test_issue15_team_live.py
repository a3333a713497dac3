"""Issue 15: the team page polls its own team's figures, not the plan's.

Before, the page polled the plan-wide batch number: every batch, whoever it was for,
made every open team page fetch itself again. Now it polls the newest version of its
payees' own figures (LivePlan.payee_version) with an ETag, as a rep's live.json: a batch
for a payee outside the team is a 304, one for a team member moves the table and totals.

The manager plan (plans/data/manager): max's team is ana, bo and cal (team north); dee
and ed report to nia (team south), and vera is above both managers. A deal of dee's
works out dee, nia and vera again, none of max's reports.

Figures by hand for a 30,000 deal of bo's on 31 March (test_issue15_team.py has the
quarter before it: ana 12,000, bo 6,400, cal 7,600; team 26,000, booked 310,000):
  bo   booked 80,000 + 30,000 = 110,000 of 100,000: the deal's first 20,000 at 6% =
       1,200, the 10,000 above quota at 10% = 1,000: commission 4,800 + 2,200 = 7,000;
       gap 0
  pool 2% x 340,000 = 6,800 shared by booked: ana 2,800 (140/340), bo 2,200 (110/340),
       cal 1,800 (90/340)
  earned ana 9,200 + 2,800 = 12,000; bo 7,000 + 2,200 = 9,200; cal 5,800 + 1,800 = 7,600
  team 28,800; booked 340,000 of 300,000 = 113.3%; gap 0
"""
import time

import pytest

from test_issue15_axe import SCREENS, serious
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

TEAM = "/plans/team-2026/team/live.json"
INGEST = "/api/plans/team-2026/ingest"
DEE = "deal_id,rep_id,close_date,amount,customer\nSOUTH-1,dee,2026-03-31,10000,Acme\n"
BO = "deal_id,rep_id,close_date,amount,customer\nNORTH-1,bo,2026-03-31,30000,Acme\n"


def _ingest(web, body, client=None):
    c = client or web.client()
    r = c.post(INGEST, content=body, headers={"Authorization": f"Bearer {web.token}",
                                              "Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    return r


def test_issue15_another_teams_batch_is_a_304_to_the_team_poll(web):
    max_ = web.client("max")
    first = max_.get(TEAM)
    assert first.status_code == 200
    tag, version = first.headers["etag"], first.json()["version"]
    assert max_.get(TEAM, headers={"If-None-Match": tag}).status_code == 304
    _ingest(web, DEE)  # dee, nia and vera worked out again: none of max's reports
    again = max_.get(TEAM, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    # nia's team (as admin sees it) did move
    admin = web.client("admin")
    assert admin.get(TEAM + "?under=nia").json()["version"] == version + 1
    # a deal of bo's: max's team moves, and the page's figures with it
    _ingest(web, BO)
    moved = max_.get(TEAM, headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert moved.json()["version"] == version + 2
    html = max_.get("/plans/team-2026/team").text
    assert f'data-version="{version + 2}"' in html
    from test_issue15_team import cells
    assert cells(html, "team-bo")[1:] == ["110%", "110%", "$100,000.00", "$110,000.00",
                                          "$0.00", "$9,200.00"]
    assert cells(html, "team-total") == ["Team", "113.3%", "113.3%", "$300,000.00",
                                         "$340,000.00", "$0.00", "$28,800.00"]
    # nia's team did not move with bo's deal... but vera's (everyone) did
    assert admin.get(TEAM + "?under=nia").json()["version"] == version + 1
    assert admin.get(TEAM + "?under=vera").json()["version"] == version + 2


def test_issue15_a_rep_cannot_poll_a_team(web):
    assert web.client("ana").get(TEAM).status_code == 403


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_issue15_the_team_page_moves_for_its_own_team_only(browser, site, web,  # noqa: F811
                                                           screen):
    import httpx2 as httpx
    page = log_in(browser, site, "max", **SCREENS[screen])
    expect(page.locator("#team-total")).to_contain_text("$26,000.00")
    polls, pages = [], []
    page.on("response", lambda r: polls.append(r.status) if "/team/live.json" in r.url
            else None)
    page.on("request", lambda r: pages.append(r.url) if r.url.endswith("/team-2026/team")
            else None)
    page.evaluate("window.notReloaded = true")

    def ingest(body):
        r = httpx.post(site + INGEST, content=body, headers={
            "Authorization": f"Bearer {web.token}", "Content-Type": "text/csv"})
        assert r.status_code == 200 and r.json()["accepted"] == 1

    def polled(n):  # wait for n more polls
        seen, deadline = len(polls), time.time() + 10
        while len(polls) < seen + n and time.time() < deadline:
            page.wait_for_timeout(50)
        return polls[seen:seen + n]

    assert polled(1) == [200]  # the first poll: the page's version, with its ETag
    ingest(DEE)
    assert polled(2) == [304, 304]
    assert pages == []  # the page was not fetched again for team south's deal
    expect(page.locator("#team-total")).to_contain_text("$26,000.00")
    ingest(BO)
    # within 2 s of the batch's reply, bo's row and the team's totals are the new ones
    expect(page.locator("#team-total")).to_contain_text("$28,800.00", timeout=2000)
    expect(page.locator("#team-total")).to_contain_text("$340,000.00")
    expect(page.locator("#team-bo")).to_contain_text("$9,200.00")
    expect(page.locator("#team-live")).to_contain_text("Team figures updated")
    assert len(pages) == 1 and page.evaluate("window.notReloaded === true")
    assert serious(page) == []  # the table and trend put in place pass axe too
