"""Issue 19: the admin reopens a decided line in the portal and moves a round's
deadline. Reopening sets the manager's decision aside (the line's figure is the rep's
answer again), gives the rep a day of their own, and is a version of the line and an
audit entry; the rep's answer form is back. Only the admin reopens (a manager gets a
403, as a rep); an approved round is not reopened. The portal's day is in March 2026
(after the round's 27 February deadline): the page says so until the deadline moves."""
from sqlalchemy import select

from compplan.store.audit import AuditEntry
from compplan.targets.round_tables import RoundLine, TargetRound

from portal_helpers import post_form
from test_issue19_rounds import line_id, open_round


def test_issue19_the_admin_reopens_a_decided_line_and_moves_the_deadline(web):
    rid = open_round(web)
    lid = line_id(web, rid, "sid", "revenue")
    url = f"/targets/rounds/{rid}"
    sid, mia, admin = web.client("sid"), web.client("mia"), web.client("admin")
    post_form(sid, url, f"{url}/lines/{lid}/answer", {"figure": "9000", "reason": "holidays"})
    post_form(mia, url, f"{url}/lines/{lid}/review", {"action": "accept"})
    page = sid.get(url).text
    assert f'action="{url}/lines/{lid}/answer"' not in page  # accepted: no answer form
    # his answer came after the deadline: taken, and its step says so
    assert "late, after the deadline 2026-02-27: holidays" in admin.get(
        f"{url}/lines/{lid}").text

    # neither his manager nor he reopens it
    assert post_form(mia, url, f"{url}/lines/{lid}/reopen",
                     {"reason": "x"}).status_code == 403
    assert post_form(sid, url, f"{url}/lines/{lid}/reopen",
                     {"reason": "x"}).status_code == 403
    # the admin does, with a reason and a day for sid's answer
    assert f'action="{url}/lines/{lid}/reopen"' in admin.get(url).text
    r = post_form(admin, url, f"{url}/lines/{lid}/reopen",
                  {"reason": "the school calendar changed", "until": "2026-12-31"},
                  follow_redirects=False)
    assert r.status_code == 303
    with web.store.session() as db:
        ln = db.get(RoundLine, lid)
        assert (ln.state, ln.manager_figure, str(ln.rep_figure), str(ln.deadline)) == \
            ("reopened", None, "9000.00", "2026-12-31")
        events = [e.event for e in db.execute(select(AuditEntry)).scalars()]
    assert events.count("target_round.reopened") == 1
    steps = admin.get(f"{url}/lines/{lid}").text
    assert "the school calendar changed (answers due by 2026-12-31)" in steps
    # his form is back; his new answer is before his line's own day: not late
    assert f'action="{url}/lines/{lid}/answer"' in sid.get(url).text
    post_form(sid, url, f"{url}/lines/{lid}/answer", {"figure": "9200", "reason": "two weeks"})
    steps = admin.get(f"{url}/lines/{lid}").text
    assert "<td class=\"small\">two weeks</td>" in steps

    # the deadline: the page says it has passed until the admin moves it (audited)
    assert 'id="late"' in sid.get(url).text
    assert post_form(mia, url, f"{url}/deadline", {"deadline": "2026-12-31",
                                                   "reason": "x"}).status_code == 403
    post_form(admin, url, f"{url}/deadline", {"deadline": "2026-12-31",
                                              "reason": "the team is on leave"})
    assert 'id="late"' not in sid.get(url).text
    with web.store.session() as db:
        assert str(db.get(TargetRound, rid).deadline) == "2026-12-31"
        moved = [e for e in db.execute(select(AuditEntry)).scalars()
                 if e.event == "target_round.deadline"]
    assert len(moved) == 1 and "the team is on leave" in moved[0].payload

    # approved: nothing is reopened any more
    post_form(admin, url, f"{url}/approve", {"reason": "agreed"})
    r = post_form(admin, url, f"{url}/lines/{lid}/reopen", {"reason": "again"})
    assert r.status_code == 409 and "approved targets" in r.text
