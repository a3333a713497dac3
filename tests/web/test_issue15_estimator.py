"""Issue 15, the estimator from the plan: fields for the columns the rules read, choices
from the data matched without case, amounts in the payee's locale, the answer in words
(tier, cap, gate) in place without a reload, and without JavaScript at the answer.

Figures by hand, the AE plan's ann (plans/data/ae): quota 200,000, target incentive
20,000 (cap 250% = 50,000), booked 225,000 (A-101..A-104; services A-105 does not
count) = 112.5%, commission 100,000 x 4% + 100,000 x 8% + 25,000 x 12% = 15,000; CSAT 84.
"""
import re
from decimal import Decimal

import pytest

from compplan.render.locale import Fmt
from compplan.web.words import NotAnAmount, parse_money
from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures

EST = "/plans/ae-2026/payees/ann/estimate"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1280, "height": 900}}


def ask(client, **params):
    return client.get(EST, params={"input": "deals", "format": "json", **params})


def test_issue15_fields_are_the_columns_the_rules_read(web):
    page = web.client("ann").get("/plans/ae-2026/payees/ann").text
    form = page[page.index('id="estimator"'):page.index("</form>", page.index('id="estimator"'))]
    assert re.findall(r'name="(\w+)"', form) == ["input", "amount", "product", "type", "add"]
    # the values the data has, most common first (platform 15 rows, analytics 7 ...)
    assert re.findall(r'<option value="(\w+)"', form) == [
        "platform", "analytics", "services", "new", "renewal", "expansion"]


def test_issue15_choices_match_without_case(web):
    ann = web.client("ann")
    # "Services" is the data's "services": it counts nothing (was 2,400 in the issue)
    assert ask(ann, amount="20000", product="Services", type="new").json()["earns"] == "0.00"
    # "Renewal" counts at 50%: 10,000 credited, all in the 12% band = 1,200.00
    # (the issue saw 2,400 for "Renewal" and 1,200 for "renewal")
    for t in ("Renewal", "renewal", "RENEWAL"):
        assert ask(ann, amount="20000", product="platform", type=t).json()["earns"] == \
            "1200.00"


@pytest.mark.parametrize("typed", ["$20,000", "20,000.00", "20000", " USD 20,000 "])
def test_issue15_money_as_typed_in_english(web, typed):
    # 20,000 in the 12% band: 2,400.00
    assert ask(web.client("ann"), amount=typed, product="platform",
               type="new").json()["earns"] == "2400.00"


def test_issue15_money_in_polish():
    pl = Fmt("pl", "PLN")
    assert parse_money("20.000,00", pl) == Decimal("20000.00")
    assert parse_money("20 000,00 zł", pl) == Decimal("20000.00")
    assert parse_money("20\u00a0000", pl) == Decimal("20000")
    assert parse_money("1,5", pl) == Decimal("1.5")
    for bad in ("20k", "1e999", "NaN", "-", "1.2.3,4,5"):
        with pytest.raises(NotAnAmount):
            parse_money(bad, pl)


def test_issue15_a_polish_payee_types_polish_amounts(web):
    """tom (field plan, payees.csv locale pl): 20.000,00 is 20000, and the answer's
    amounts are in pl."""
    web.portal.plans["field-2026"].managers  # the plan is open
    from compplan.web import estimator
    from compplan.web.words import fmt_for
    lp = web.portal.plans["field-2026"]
    f = fmt_for(lp, "tom")
    assert f.locale.language == "pl"
    answers = []
    for typed in ("20.000,00", "20000"):
        flds = estimator.fields(lp, "tom", "order_lines", f)
        for fl in flds:
            if fl.kind == "money":
                fl.value = typed
        answers.append(estimator.answer(web.portal, lp, "tom", "order_lines", flds))
    assert not answers[0].problems and answers[0].earns == answers[1].earns
    assert "20\u00a0000,00" in answers[0].sentences[0]


def test_issue15_the_cap_is_said(web):
    ann = web.client("ann")
    # 250,000: 225,000 -> 475,000; 75,000 x 12% + 175,000 x 16% = 9,000 + 28,000 =
    # 37,000; commission 52,000 over the 50,000 cap: the cap line is -2,000, and the
    # deal earns 50,000 - 15,000 = 35,000
    a = ask(ann, amount="250000", product="platform", type="new").json()
    assert a["earns"] == "35000.00" and a["capped"] is True
    assert "It hits the cap on Commission: Commission stops at $50,000.00, so $2,000.00 " \
        "of what it would pay is not paid." in a["sentences"]
    assert "It spans tier 3 (12%, 100% to 150%) and tier 4 (16%, above 150%): each part " \
        "is paid at its tier's rate." in a["sentences"]
    # 400,000: 9,000 + 325,000 x 16% = 61,000; 76,000 over 50,000: 26,000 not paid
    b = ask(ann, amount="400000", product="platform", type="new").json()
    assert b["earns"] == "35000.00"
    assert any("so $26,000.00 of what it would pay is not paid" in s for s in b["sentences"])
    # the bonus's gate: attainment is past 100% but CSAT 84 < 85, and the words say
    # which part fails and by how much (tests/web/test_issue15_gate_words.py)
    assert "It does not open CSAT bonus: CSAT score is 84, 1 short of 85." in b["sentences"]
    # a deal within a band names it and no cap
    c = ask(ann, amount="20000", product="platform", type="new").json()
    assert c["capped"] is False and "It lands in tier 3 (12%, 100% to 150%)." in c["sentences"]


@pytest.mark.parametrize("screen", [PHONE, DESK], ids=["390px", "1280px"])
def test_issue15_the_answer_comes_in_place(browser, site, screen):  # noqa: F811
    page = log_in(browser, site, "ann", **screen)
    expect(page.locator("#estimator")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    page.fill("#estimator input[name=amount]", "$250,000")
    page.select_option("#estimator select[name=product]", "platform")
    page.click("#estimator button[type=submit]")
    answer = page.locator("#estimate-answer")
    expect(answer).to_contain_text("earns $35,000.00")
    expect(answer).to_contain_text("It hits the cap on Commission")
    assert page.evaluate("window.notReloaded === true")
    assert "/estimate" not in page.url
    box = answer.bounding_box()
    assert box["y"] < screen["viewport"]["height"] and box["y"] + 20 > 0  # in sight
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_issue15_the_estimator_works_without_javascript(browser, site):  # noqa: F811
    page = log_in(browser, site, "ann", java_script_enabled=False, **PHONE)
    page.fill("#estimator input[name=amount]", "250000")
    page.click("#estimator button[type=submit]")
    expect(page).to_have_url(re.compile(r"/estimate\?.*#estimate-answer$"))
    expect(page.locator("#estimate-answer")).to_contain_text("It hits the cap on Commission")
    # the page opens at the answer, not at the top
    assert page.evaluate("window.scrollY") > 0
