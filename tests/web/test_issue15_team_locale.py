"""Issue 15: a manager's team and sales pages are in the manager's own words and number
format (their payees row's `locale`, as their statements use), from the statements'
catalogs; admin and finance read the plan's (English here).

The team plan's data has no locale column, so the test gives max's payees row one, as a
payees file with `locale: pl` would (web/words.py reads the row's `locale`). Figures as
in test_issue15_team.py: ana quota 120,000, booked 140,000, 116.7%; the team booked
310,000 of 300,000, earned 19,800 in commission and the 6,200 pool: 26,000.
"""
import re

from test_issue15_team import cells


def polish(web):
    lp = web.portal.plans["team-2026"]
    lp.run.prep.payees["max"]["locale"] = "pl"


def test_issue15_the_team_page_in_the_managers_language(web):
    polish(web)
    html = web.client("max").get("/plans/team-2026/team").text
    assert "Zespół: Max Moreau" in html  # "{name}'s team"
    assert "Limit sprzedaży" in html and "Zaksięgowane" in html and "Brakuje" in html
    # Polish numbers: a comma for the decimal point, a no-break space between thousands
    assert cells(html, "team-ana")[1] == "116,7%"
    # (cells() reads a no-break space as a space; the page has the no-break ones)
    assert cells(html, "team-ana")[4] == "140 000,00 USD"
    assert "140\u00a0000,00\u00a0USD" in html
    assert cells(html, "team-total")[0] == "Zespół"
    assert cells(html, "team-total")[-1] == "26 000,00 USD"
    assert "Realizacja" in html  # the trend's heading words too
    # finance reads the plan's words: English
    assert "Every team" in web.client("finance").get("/plans/team-2026/team").text


def test_issue15_the_sales_page_in_the_managers_language(web):
    polish(web)
    html = web.client("max").get("/plans/team-2026/team/sales").text
    assert "Sprzedaż wg miesięcy, tygodni i dni" in html
    head = re.findall(r'<th scope="col" class="num (\w+)">([^<]+)</th>', html)
    assert [h for k, h in head if k == "month"] == ["styczeń", "luty", "marzec"]
    assert [h for k, h in head if k == "week"] == ["Tydz. 11", "Tydz. 12", "Tydz. 13",
                                                   "Tydz. 14"]
    assert cells(html, "sales-total")[-1] == "310 000,00"
