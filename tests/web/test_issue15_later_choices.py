"""Issue 15: the estimator offers values first seen in a batch ingested after the period
was loaded, not only those of the first data load.

The AE plan's deals (plans/data/ae, 2026-Q1) have the products platform, analytics and
services; a batch brings two "hardware" deals for ben. The product list then offers
hardware after the three seen more often (platform 15 rows, analytics 7, services 5: the
counts the first estimator test relies on), and "Hardware" typed by ann is the data's
"hardware" without a note that the data lacks it.
"""
import re

from test_web_ingest import post

PAGE = "/plans/ae-2026/payees/ann"


def products(web) -> list[str]:
    page = web.client("ann").get(PAGE).text
    form = page[page.index('id="estimator"'):]
    select = form[form.index('name="product"'):form.index("</select>")]
    return re.findall(r'<option value="([^"]+)"', select)


def test_issue15_a_later_batch_adds_its_values_to_the_choices(web):
    before = products(web)  # counted once here
    assert before == ["platform", "analytics", "services"]
    deals = [{"deal_id": f"H-{i}", "rep_id": "ben", "close_date": "2026-03-20",
              "amount": "1000", "product": "hardware", "type": "new"} for i in (1, 2)]
    r = post(web, deals, url="/api/plans/ae-2026/ingest")
    assert r.status_code == 200, r.text
    assert products(web) == ["platform", "analytics", "services", "hardware"]
    a = web.client("ann").get(PAGE + "/estimate", params={
        "input": "deals", "amount": "1000", "product": "Hardware", "type": "new"}).text
    assert "is not a value the data has" not in a
