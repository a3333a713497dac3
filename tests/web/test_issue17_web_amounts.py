"""Issue 17 item 7 in the portal: a dispute amount is read in the locale of the person
who types it, and what two readings could give is refused with a sentence (`1,50`
became 150.00 and `1,2,3` 123.00); an ingested amount no one means is warned about."""
import json
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from compplan.store.models import Run
from compplan.store.portal import Dispute
from compplan.web.disputes import parse_amount, user_locale
from compplan.web.security import Refused
from portal_helpers import post_form


@pytest.mark.parametrize("text, locale, value", [
    ("250", "en", "250.00"), ("-1,200.50", "en", "-1200.50"), ("1,500", "en", "1500.00"),
    (".5", "en", "0.50"), ("\u22125", "en", "-5.00"),
    ("1,50", "de", "1.50"), ("-1.200,50", "de", "-1200.50"), ("1.500", "de", "1500.00"),
    ("1 200,50", "fr", "1200.50"), ("1\u202f200,50", "fr", "1200.50"),
])
def test_issue17_item7_dispute_amounts_in_the_users_locale(text, locale, value):
    assert parse_amount(text, locale) == D(value)


@pytest.mark.parametrize("text, locale, message", [
    ("1,50", "en", "'1,50' cannot be read for sure: in English ',' separates thousands in "
     "groups of three and '.' marks the decimals"),
    ("1,2,3", "en", "'1,2,3' cannot be read for sure: in English ',' separates thousands "
     "in groups of three and '.' marks the decimals"),
    ("1.50", "de", "'1.50' cannot be read for sure: in German '.' separates thousands in "
     "groups of three and ',' marks the decimals"),
    ("1,500", "de", "'1,500' has more than two decimals"),
    ("1e3", "en", "'1e3' is not an amount"),
    ("12.345", "en", "'12.345' has more than two decimals"),
    ("0", "en", "'0' is not an amount to pay"),
])
def test_issue17_item7_ambiguous_dispute_amounts_are_refused(text, locale, message):
    with pytest.raises(Refused) as e:
        parse_amount(text, locale)
    assert e.value.status == 400 and e.value.message == message
    assert e.value.hint.startswith("write it as -1") or "write it as -1" in e.value.hint


def test_issue17_item7_the_locale_is_the_browsers():
    assert user_locale("de-DE,de;q=0.9,en;q=0.8") == "de_DE"
    assert user_locale("xx-YY, fr;q=0.5") == "fr"
    assert user_locale(None) == user_locale("*") == "en"


def _answered_dispute(web):
    with web.store.session() as db:
        run = db.execute(select(Run.id).where(Run.plan_id == "team-2026",
                                              Run.status == "draft")).scalar_one()
    ana, admin = web.client("ana"), web.client("admin")
    line = f"/runs/{run}/payees/ana/lines/1"
    r = post_form(ana, line, line + "/disputes", {"comment": "A-1 was 55,000"},
                  follow_redirects=False)
    url = r.headers["location"]
    post_form(admin, url, url + "/answer", {"answer": "yes"})
    return admin, url


def test_issue17_item7_a_dispute_resolved_in_german_and_refused_in_english(web):
    admin, url = _answered_dispute(web)
    r = post_form(admin, url, url + "/resolve",
                  {"outcome": "accepted", "amount": "1,50", "reason": "x"})
    assert r.status_code == 400
    assert "cannot be read for sure: in English" in r.text
    admin.headers["accept-language"] = "de-DE,de;q=0.9"
    r = post_form(admin, url, url + "/resolve",
                  {"outcome": "accepted", "amount": "1,50", "reason": "x"})
    assert r.status_code == 200
    with web.store.session() as db:
        d = db.get(Dispute, int(url.rsplit("/", 1)[-1]))
        assert (d.outcome, d.amount) == ("accepted", D("1.50"))


def test_issue17_item7_an_implausible_ingested_amount_is_warned_about(web):
    # on the AE sample: the manager sample's team pool (issue 20) multiplies the pool by
    # a share before dividing, and 2% x 9E17 x 9E17 is beyond the 38 digits a plan
    # works with, so its live figures would refuse such a deal (stored, not taken)
    r = web.client().post("/api/plans/ae-2026/ingest", content=json.dumps([
        {"deal_id": "P-9", "rep_id": "ann", "close_date": "2026-03-20",
         "amount": "900000000000000000", "product": "platform", "type": "new"},
        {"deal_id": "P-10", "rep_id": "ann", "close_date": "2026-03-20",
         "amount": "1e-30", "product": "platform", "type": "new"}]),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == [
        "row 1: column amount: amount 900000000000000000 is beyond the plausible range "
        "(more than 1,000,000,000,000 either way)",
        "row 2: column amount: amount 1E-30 has more decimals than USD has (2)"]
