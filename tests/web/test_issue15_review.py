"""Issue 15, finance's run review: a run's payees (sortable, searchable), exceptions,
the difference from the last paid run of the plan (compplan.diff.runs), approve and pay
behind a confirmation that names the total and the payee count, and the audit log says
who saw what before approving.

Figures by hand, the AE plan (plans/data/ae). The demo's 2026-Q1 draft pays 56,480.00
to 7 payees (tests/web/test_issue18_finance_pages.py works the total out: ann 15,000,
ben 12,500 (capped at 250% x 5,000), cara 11,900, dev 6,400, eli 1,400, fay 6,520,
gus 2,760). The test pays a 2025-Q4 run first, on the same data with the quotas dated
2025-Q4: its only deal in the quarter is ann's A-099, 30,000 on a 200,000 quota = 15%,
all at 4% = 1,200.00; the others are paid nothing. So the Q1 draft is 55,280.00 more,
and ann moves from 1,200.00 to 15,000.00 (+13,800.00, a big mover).
"""
import json
from decimal import Decimal
import re
import shutil

import pytest
from sqlalchemy import select

from compplan.engine import load_plan
from compplan.store import lifecycle
from compplan.store.models import AuditEntry, Run
from portal_helpers import ROOT, post_confirmed
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def ae_run(web) -> int:
    with web.store.session() as db:
        return db.execute(select(Run.id).where(Run.plan_id == "ae-2026",
                                               Run.status == "draft")).scalar_one()


@pytest.fixture
def paid_q4(web, tmp_path):
    """A paid 2025-Q4 run of the AE plan, before the demo's 2026-Q1 draft."""
    data = tmp_path / "ae"
    shutil.copytree(ROOT / "plans" / "data" / "ae", data)
    quotas = data / "quotas.csv"
    text = quotas.read_text()
    quotas.write_text(text + "".join(line.replace("2026-Q1", "2025-Q4") + "\n"
                                     for line in text.splitlines()[1:]))
    saved = lifecycle.save_run(web.store, load_plan(ROOT / "plans" / "ae.yaml"), data,
                               "2025-Q4", "test")
    assert saved.run.total == 1200
    lifecycle.approve(web.store, saved.run.id, "test")
    lifecycle.mark_paid(web.store, saved.run.id, "test")
    # a plan keeps one draft: saving Q4 replaced the demo's Q1 draft; save it again
    lifecycle.save_run(web.store, load_plan(ROOT / "plans" / "ae.yaml"), data, "2026-Q1",
                       "test")
    return saved.run.id


def test_issue15_the_review_shows_the_difference_from_the_last_paid_run(web, paid_q4):
    run = ae_run(web)
    page = words(web.client("finance").get(f"/runs/{run}/review").text)
    assert f"Run {run}: ae-2026 2026-Q1 draft · $56,480.00 to 7 payees" in page
    assert f"Against run {paid_q4} (2025-Q4, paid $1,200.00): +$55,280.00" in page
    assert "Ann Alvarez $1,200.00 $15,000.00 +$13,800.00" in page
    # exceptions: ben's commission is capped; ann moved by more than a quarter
    assert "Capped : 1 · Ben Brooks" in page
    assert "Big mover : 1 · Ann Alvarez" in page
    assert "Negative pay : 0" in page and "New payee : 0" in page


def test_issue15_payees_sort_and_search(web):
    fin, run = web.client("finance"), ae_run(web)
    html = fin.get(f"/runs/{run}/review?sort=total&order=desc").text
    table = html[html.index('id="review-payees"'):]
    names = re.findall(r'payees/(\w+)">', table)
    assert names == ["ann", "ben", "cara", "fay", "dev", "gus", "eli"]  # 15,000 ... 1,400
    html = fin.get(f"/runs/{run}/review?sort=name&order=asc&q=EN").text
    table = html[html.index('id="review-payees"'):]
    assert re.findall(r'payees/(\w+)">', table) == ["ben", "cara", "gus"]  # Brooks, Chen, Greene
    assert fin.get(f"/runs/{run}/review?sort=bogus").status_code == 400
    assert web.client("ann").get(f"/runs/{run}/review").status_code == 403


def test_issue15_approve_needs_the_confirmation_and_the_log_says_what_was_seen(web):
    fin, run = web.client("finance"), ae_run(web)
    page = fin.get(f"/runs/{run}/review").text
    seen = re.search(r"seen=(\d+)", page).group(1)
    confirm = fin.get(f"/runs/{run}/review/confirm?action=approve&seen={seen}")
    assert "7 payees, $56,480.00" in words(confirm.text)
    # without the figures, or with other figures: refused, the run stays a draft
    csrf = re.search(r'name="csrf" value="([^"]+)"', confirm.text).group(1)
    assert fin.post(f"/admin/runs/{run}/approve", data={"csrf": csrf}).status_code == 400
    assert fin.post(f"/admin/runs/{run}/approve", data={
        "csrf": csrf, "confirm_total": "56480.01", "confirm_payees": "7"}).status_code == 409
    with web.store.session() as db:
        assert db.get(Run, run).status == "draft"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                             confirm.text))
    assert fields["confirm_total"] == "56480.00" and fields["confirm_payees"] == "7"
    assert fin.post(f"/admin/runs/{run}/approve", data=fields).status_code == 200
    with web.store.session() as db:
        assert db.get(Run, run).status == "approved"
        log = list(db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())
    events = [(e.event, e.actor, json.loads(e.payload), e.seq) for e in log
              if e.subject == f"run {run}"]
    reviewed = [e for e in events if e[0] == "run.reviewed"]
    confirmed = [e for e in events if e[0] == "run.confirmed"]
    approved = [e for e in events if e[0] == "run.approved"]
    assert reviewed and confirmed and approved
    assert reviewed[0][1] == "finance" and reviewed[0][2]["total"] == "56480.00"
    assert reviewed[0][2]["payees"] == 7 and reviewed[0][2]["exceptions"] == {"capped": 1}
    assert confirmed[0][2] == {"action": "approve", "total": "56480.00", "payees": 7,
                               "reviewed": int(seen)}
    assert reviewed[0][3] < confirmed[0][3] < approved[0][3]
    # paying goes through its own confirmation
    assert post_confirmed(fin, run, "pay").status_code == 200


@pytest.mark.parametrize("screen", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 900}}], ids=["390px", "1280px"])
def test_issue15_finance_reviews_and_approves_in_a_browser(browser, site, web, paid_q4,  # noqa: F811
                                                           screen):
    run = ae_run(web)
    page = log_in(browser, site, "finance", **screen)
    page.goto(site + "/admin/runs")
    page.click(f"#run-{run} >> text=Review to approve")
    expect(page.locator("#difference-total")).to_have_text("+$55,280.00")
    expect(page.locator("#exception-capped")).to_contain_text("Ben Brooks")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("#review-action")
    expect(page.locator("#confirm-text")).to_have_text("ae-2026 2026-Q1: 7 payees, "
                                                       "$56,480.00 in all.")
    page.click("#confirm-button")
    expect(page.locator(f"#run-{run}")).to_contain_text("approved")


def test_issue15_the_review_lists_the_lines_that_changed(web, paid_q4):
    """ann's lines against the paid 2025-Q4 run (quota 200,000; 4% to 100,000, 8% to
    200,000, 12% to 300,000): Q4 paid A-099, 30,000 x 4% = 1,200.00, which Q1 does not;
    Q1 pays A-101 60,000 x 4% = 2,400.00; A-102 40,000 x 4% + 30,000 x 8% = 4,000.00;
    A-103 50,000 x 8% = 4,000.00; A-104 20,000 x 8% + 25,000 x 12% = 4,600.00; together
    +13,800.00, ann's difference. The biggest moves come first."""
    run = ae_run(web)
    html = web.client("finance").get(f"/runs/{run}/review").text
    table = html[html.index('id="difference-lines"'):html.index("</table>",
                                                               html.index('id="difference-lines"'))]
    rows = [[words(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    ann = [r[1:5] for r in rows if r and r[0] == "Ann Alvarez"]
    # by the size of the move; of two alike, by what they pay for
    assert ann == [
        ["Commission: deals A-104", "—", "$4,600.00", "+$4,600.00"],
        ["Commission: deals A-102", "—", "$4,000.00", "+$4,000.00"],
        ["Commission: deals A-103", "—", "$4,000.00", "+$4,000.00"],
        ["Commission: deals A-101", "—", "$2,400.00", "+$2,400.00"],
        ["Commission: deals A-099", "$1,200.00", "—", "-$1,200.00"]]
    added = sum(Decimal(r[3].replace("$", "").replace(",", "").replace("+", ""))
                for r in ann)
    assert added == Decimal("13800.00")
    # a line still in this run links to it; the removed one cannot
    assert re.search(rf'href="/runs/{run}/payees/ann#line-\d+">Commission: deals A-101',
                     table)
    assert "Commission: deals A-099</td>" in table
