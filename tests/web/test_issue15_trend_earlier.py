"""Issue 15: the trend shows the earlier stored periods before the open one's months.

Figures by hand, the AE plan's ann (plans/data/ae): a paid 2025-Q4 run (the fixture of
test_issue15_review.py, the same data with the quotas dated 2025-Q4) has her A-099 alone,
30,000 on a 200,000 quota = 15%, all at 4% = 1,200.00. The open quarter follows month by
month: January's A-101, 60,000 x 4% = 2,400.00 against January's share of the quota,
200,000 x 31 / 90 = 68,888.89: 87.1%.
"""
import re

from compplan.render.locale import Fmt
from compplan.web import trend
from test_issue15_review import paid_q4  # noqa: F401 - fixture


def rows_of(html: str) -> list[tuple[str, str, str]]:
    table = html[html.index('id="trend-table"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<th scope="row">([\w-]+)</th><td class="num">([^<]+)</td>'
                      r'<td class="num">([^<]+)</td>', table)


def test_issue15_no_earlier_period_no_earlier_point(web):
    assert rows_of(web.client("ann").get("/plans/ae-2026/payees/ann").text)[0][0] == "Jan"


def test_issue15_a_reps_trend_starts_with_the_earlier_stored_periods(web, paid_q4):  # noqa: F811
    html = web.client("ann").get("/plans/ae-2026/payees/ann").text
    rows = rows_of(html)
    assert rows[:2] == [("2025-Q4", "15%", "$1,200.00"), ("Jan", "87.1%", "$2,400.00")]
    assert [r[0] for r in rows] == ["2025-Q4", "Jan", "Feb", "Mar"]
    assert '<th scope="col">Period</th>' in html
    svg = html[html.index('<svg class="trend"'):html.index("</svg>")]
    assert svg.count("<rect") == 4  # a bar per point


def test_issue15_a_teams_earlier_attainment_needs_every_target(web, paid_q4):  # noqa: F811
    """ann and ben together in 2025-Q4: ben booked nothing, so his stored attainment (0%)
    says nothing of his quota: the team's attainment is not made up ("—"); the pay adds
    up, 1,200.00 + 0.00."""
    lp = web.portal.plans["ae-2026"]
    f = Fmt("en", "USD")
    with web.store.session() as db:
        runs = trend.stored_runs(db, lp)
        assert [r.period for r in runs] == ["2025-Q4"]
        (one,) = trend.stored_points(db, lp, runs, ["ann"], f)
        (two,) = trend.stored_points(db, lp, runs, ["ann", "ben"], f)
    assert (one.attainment_shown, one.pay_shown) == ("15%", "$1,200.00")
    assert (two.attainment_shown, two.pay_shown) == ("—", "$1,200.00")
