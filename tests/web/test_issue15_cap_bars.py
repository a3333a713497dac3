"""Issue 15: a cap is a threshold on the bar: the point of the measure where it starts
to bind is listed with the tiers and gates, the stake names it when it is next, and a
cap already reached is said as reached.

Figures by hand, the AE plan (plans/data/ae, 2026-Q1): commission by marginal tiers on
attainment, 4% to 50%, 8% to 100%, 12% to 150%, 16% above, capped at 250% of the
target incentive.
  ann: quota 200,000, target incentive 20,000: cap 50,000. Booked 225,000, commission
       15,000; at 150% (300,000) 15,000 + 75,000 x 12% = 24,000; the 26,000 left to the
       cap at 16% is 162,500: the cap binds at 462,500 = 231.25%.
  ann after a 100,000 deal: 325,000 = 162.5%, commission 24,000 + 25,000 x 16% =
       28,000; 137,500 more reaches the cap and pays 137,500 x 16% = 22,000.00.
  ben: quota 100,000, target incentive 5,000: cap 12,500. Booked 80,000 + 90,000 +
       30,000 = 200,000: 2,000 + 4,000 + 6,000 + 8,000 = 20,000, capped at 12,500.
"""
import pytest

from test_web_browser import browser, expect, log_in, site  # noqa: F401 - fixtures
from test_web_ingest import post

ANN = "/plans/ae-2026/payees/ann"
LADDER = ("tier 2 at 8% (50%) · the gate of CSAT bonus (100%) · tier 3 at 12% (100%) · "
          "tier 4 at 16% (150%) · ")


def bar(web, pid):
    (b,) = web.client("admin").get(f"/plans/ae-2026/payees/{pid}/live.json").json()["bars"]
    return b


def test_issue15_the_cap_is_a_threshold_on_the_bar(web):
    assert bar(web, "ann")["thresholds"] == LADDER + "the cap of Commission (231.25%)"


def test_issue15_the_stake_names_the_cap_when_it_is_next(web):
    r = post(web, [{"deal_id": "X-1", "rep_id": "ann", "close_date": "2026-03-20",
                    "amount": "100000", "product": "platform", "type": "new"}],
             url="/api/plans/ae-2026/ingest")
    assert r.status_code == 200, r.text
    b = bar(web, "ann")
    assert b["shown"] == "162.5%"
    assert b["stake"] == ("$137,500.00 more in Booked reaches the cap of Commission "
                          "(231.25%) and pays $22,000.00 more.")


def test_issue15_a_cap_reached_is_said(web):
    b = bar(web, "ben")
    assert b["shown"] == "200%" and b["earned"] == "$12,500.00"
    assert b["stake"] == ("The cap of Commission is reached: more in this measure pays no "
                          "more there.")
    assert b["thresholds"] == LADDER + "the cap of Commission (reached)"


@pytest.mark.parametrize("screen", [
    {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    {"viewport": {"width": 1280, "height": 900}}], ids=["390px", "1280px"])
def test_issue15_the_cap_on_the_bar_in_a_browser(browser, site, screen):  # noqa: F811
    page = log_in(browser, site, "ann", **screen)
    expect(page.locator("#bar-0-thresholds")).to_contain_text(
        "the cap of Commission (231.25%)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_issue15_a_rep_is_not_shown_the_managers_tiers(web):
    """The team plan (plans/manager.yaml) has two tier tables on attainment: the reps'
    (6%, then 10% from 100%; commission when payee.role == "rep") and the managers' (1%,
    then 2% from 100%; team_commission when payee.role == "manager"). ana, a rep, sees
    the reps' tier only; max, a manager, the managers' only. bo (80%): 20,000 more
    reaches 100% and pays 20,000 x 6% = 1,200.00 in commission, and a bigger share of
    team north's pool (plans/manager.yaml): 2% x 330,000 = 6,600 x 100,000 / 330,000 =
    2,000.00 against 1,600.00 now, 400.00 more: 1,600.00 in all."""
    def bar_of(pid):
        (b,) = web.client("admin").get(
            f"/plans/team-2026/payees/{pid}/live.json").json()["bars"]
        return b
    assert bar_of("ana")["thresholds"] == "tier 2 at 10% (100%)"
    assert bar_of("max")["thresholds"] == "tier 2 at 2% (100%)"
    assert bar_of("bo")["stake"] == ("$20,000.00 more in Booked (own deals, or the team's "
                                     "for a manager) reaches tier 2 at 10% (100%) and pays "
                                     "$1,600.00 more.")
