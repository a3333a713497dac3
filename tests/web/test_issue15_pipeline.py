"""Issue 15: the estimator takes a pipeline, several deals at once, paid together as the
period would pay them: the tiers and the cap apply to their running total, and each
deal's share is what it adds after the ones listed before it.

Figures by hand, the AE plan's ann (plans/data/ae): quota 200,000, booked 225,000
(112.5%), commission 15,000, marginal tiers 4% to 50%, 8% to 100%, 12% to 150%
(300,000), 16% above; the commission is capped at 50,000 (250% of 20,000).
Deals 50,000, 100,000, 100,000 (platform, new), in that order:
  1: 225,000 -> 275,000, all at 12%: 6,000.00
  2: 275,000 -> 375,000: 25,000 x 12% + 75,000 x 16% = 3,000 + 12,000 = 15,000.00
  3: 375,000 -> 475,000: 100,000 x 16% = 16,000, but the commission would be 15,000 +
     6,000 + 15,000 + 16,000 = 52,000: capped at 50,000, so 14,000.00
  together 35,000.00 (2,000.00 cut by the cap).
In the other order (100,000, 100,000, 50,000): 13,000 (75,000 x 12% + 25,000 x 16%),
16,000, then 8,000 less the cap's 2,000 = 6,000: the same 35,000.00.
"""
import re

import pytest

from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

EST = "/plans/ae-2026/payees/ann/estimate"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}}


def pipeline(web, amounts):
    params = [("input", "deals"), ("format", "json")]
    for a in amounts:
        params += [("amount", a), ("product", "platform"), ("type", "new")]
    return web.client("ann").get(EST, params=params).json()


def test_issue15_a_pipelines_deals_are_paid_together(web):
    a = pipeline(web, ["50000", "100000", "100000"])
    assert a["earns"] == "35000.00" and a["capped"] is True
    assert [(d["deal"], d["amount"], d["earns"]) for d in a["deals"]] == [
        ("Deal 1", "$50,000.00", "$6,000.00"), ("Deal 2", "$100,000.00", "$15,000.00"),
        ("Deal 3", "$100,000.00", "$14,000.00")]
    s = a["sentences"]
    assert s[0] == "These 3 deals, $250,000.00 in all, on Mar 31, 2026 earn $35,000.00 " \
        "together."
    assert "Deal 1 lands in tier 3 (12%, 100% to 150%)." in s
    assert "Deal 2 spans tier 3 (12%, 100% to 150%) and tier 4 (16%, above 150%): each " \
        "part is paid at its tier's rate." in s
    assert "Together they hit the cap on Commission: Commission stops at $50,000.00, so " \
        "$2,000.00 of what they would pay is not paid." in s
    assert "Together they do not open CSAT bonus: CSAT score is 84, 1 short of 85." in s


def test_issue15_the_order_moves_the_shares_not_the_total(web):
    a = pipeline(web, ["100000", "100000", "50000"])
    assert [d["earns"] for d in a["deals"]] == ["$13,000.00", "$16,000.00", "$6,000.00"]
    assert a["earns"] == "35000.00"


def test_issue15_a_pipeline_deal_with_a_bad_amount_is_named(web):
    a = web.client("ann").get(EST, params=[
        ("input", "deals"), ("format", "json"), ("amount", "50000"), ("product", "platform"),
        ("type", "new"), ("amount", "lots"), ("product", "platform"), ("type", "new")])
    assert a.status_code == 422
    assert a.json()["rejected"][0]["reason"].startswith("Deal 2: 'lots' is not an amount")


def test_issue15_add_a_deal_without_javascript(web):
    page = web.client("ann").get(EST, params={"input": "deals", "amount": "50000",
                                              "product": "platform", "type": "new",
                                              "add": "1"}).text
    assert page.count('<fieldset class="deal"') == 2
    assert 'value="50000"' in page  # the first deal kept
    assert "estimate-result" not in page  # not answered yet


@pytest.mark.parametrize("screen", [PHONE, DESK], ids=["390px", "1280px"])
def test_issue15_a_pipeline_in_a_browser(browser, site, screen):  # noqa: F811
    page = log_in(browser, site, "ann", **screen)
    expect(page.locator("#estimator")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    for i, amount in enumerate(["50000", "100000", "100000"]):
        if i:
            page.click("#estimator [data-add-deal]")
        deal = page.locator("#estimator fieldset.deal").nth(i)
        expect(deal.locator("legend")).to_have_text(f"Deal {i + 1}")
        deal.locator("input[name=amount]").fill(amount)
    page.click("#estimator button[type=submit]:not([data-add-deal])")
    answer = page.locator("#estimate-answer")
    expect(answer).to_contain_text("These 3 deals, $250,000.00 in all")
    expect(answer.locator("table.deals tbody tr")).to_have_count(3)
    expect(answer.locator("table.deals tfoot")).to_contain_text("$35,000.00")
    assert page.evaluate("window.notReloaded === true")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert re.search(r"/payees/ann$", page.url)
