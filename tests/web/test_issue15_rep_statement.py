"""Issue 15: "A rep's statement lists the manager's components at 0.00." A component
whose condition is on who the payee is (`when: payee.role == "manager"`) and that paid
them nothing does not apply to them: the portal's statement page leaves it off, as the
rendered statement (render/templates/statement.html, Statement.shown_components) does.

Figures by hand, the team plan (plans/data/manager, 2026-Q1): ana (rep) books 50,000 +
40,000 + 50,000 = 140,000 on a 120,000 quota (116.7%); marginal tiers, 6% to 100% and
10% above: 120,000 x 6% + 20,000 x 10% = 7,200 + 2,000 = 9,200.00; and team north's
pool, 2% x 310,000 = 6,200 shared by booked: 6,200 x 140,000 / 310,000 = 2,800.00.
max (manager of ana, bo, cal) is paid no rep commission.
"""
import re

from sqlalchemy import select

from compplan.store.models import Run


def _components(html: str) -> list[tuple[str, str]]:
    table = html[html.index('<table class="figures"'):html.index("</table>")]
    body = table[:table.index("<tfoot>")]
    return re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', body)


def _run(web) -> int:
    with web.store.session() as db:
        return db.execute(select(Run.id).where(Run.plan_id == "team-2026")).scalar_one()


def test_issue15_a_reps_statement_lists_only_the_reps_components(web):
    run = _run(web)
    page = web.client("ana").get(f"/runs/{run}/payees/ana")
    assert page.status_code == 200
    assert _components(page.text) == [("Rep commission", "9,200.00"),
                                      ("Team pool", "2,800.00")]
    assert "Manager override" not in page.text
    assert "Manager commission on team bookings" not in page.text


def test_issue15_a_managers_statement_keeps_the_managers_components(web):
    run = _run(web)
    page = web.client("max").get(f"/runs/{run}/payees/max")
    assert page.status_code == 200
    # managers are in no team (their team column is empty): the team pool is not
    # theirs, and neither the portal nor the rendered statement lists it at 0.00
    # (Statement.outside; this test listed ("Team pool", "0.00") until then)
    assert _components(page.text) == [("Manager commission on team bookings", "3,200.00"),
                                      ("Manager override", "990.00")]
    assert "Team booked" not in page.text
