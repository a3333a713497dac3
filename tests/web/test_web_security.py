"""Who sees what (issue 8, security): a rep only their own figures and statements, a
manager only their hierarchy; every cross-access answered 403 or 404, whatever the
address, method or id. CSRF on every form; login rate limit; API tokens scoped to
ingest and revocable; the security headers; bad input anywhere a 4xx, never a 500."""
import json

import pytest
from sqlalchemy import select

from compplan.store.models import Run
from compplan.store.portal import Dispute
from portal_helpers import PASSWORDS, csrf_of, log_in, post_confirmed, post_form


def run_of(web, plan: str) -> int:
    with web.store.session() as db:
        return db.execute(select(Run.id).where(Run.plan_id == plan)).scalars().first()


DEAL = "deal_id,rep_id,close_date,amount,customer\nS-1,ana,2026-03-31,1000,X\n"


def test_a_rep_sees_only_their_own(web):
    ana = web.client("ana")
    team = run_of(web, "team-2026")
    ae = run_of(web, "ae-2026")
    assert ana.get("/plans/team-2026/payees/ana").status_code == 200
    assert ana.get(f"/runs/{team}/payees/ana").status_code == 200
    denied = []
    for pid in ("bo", "cal", "max", "vera", "nia", "dee", "ed", "nobody", "ANA", "ana%20"):
        denied += [f"/plans/team-2026/payees/{pid}", f"/plans/team-2026/payees/{pid}/live.json",
                   f"/plans/team-2026/payees/{pid}/estimate?amount=1&customer=X",
                   f"/runs/{team}/payees/{pid}", f"/runs/{team}/payees/{pid}/lines/1",
                   f"/runs/{team}/payees/{pid}/statement.html",
                   f"/runs/{team}/payees/{pid}/statement.pdf"]
    denied += ["/plans/ae-2026/payees/ann", f"/runs/{ae}/payees/ann",
               f"/runs/{ae}/payees/ann/statement.pdf", "/runs/999/payees/ana",
               f"/runs/{team}/payees/ana/lines/999", "/plans/nope/payees/ana"]
    for url in denied:
        r = ana.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert "Ann Alvarez" not in r.text and "Bo Berg" not in r.text, url
    for url in ("/plans/team-2026/team", "/plans/team-2026/team/sales", "/admin",
                "/admin/runs", "/admin/audit", "/admin/tokens", "/admin/check"):
        assert ana.get(url).status_code == 403, url


def test_a_rep_cannot_write_for_another(web):
    team = run_of(web, "team-2026")
    ana, ann = web.client("ana"), web.client("ann")
    page = ana.get(f"/runs/{team}/payees/ana/lines/1")
    csrf = csrf_of(page.text)
    r = ana.post(f"/runs/{team}/payees/bo/lines/1/disputes", data={"csrf": csrf,
                                                                    "comment": "mine now"})
    assert r.status_code == 404
    # ann's own dispute, then ana guessing its id and acting on it
    ae = run_of(web, "ae-2026")
    r = post_form(ann, f"/runs/{ae}/payees/ann/lines/1", f"/runs/{ae}/payees/ann/lines/1/disputes",
                  {"comment": "wrong rate"}, follow_redirects=False)
    assert r.status_code == 303
    did = int(r.headers["location"].rsplit("/", 1)[1])
    assert ana.get(f"/disputes/{did}").status_code == 404
    assert "wrong rate" not in ana.get("/disputes").text
    for action in ("answer", "resolve"):
        r = ana.post(f"/disputes/{did}/{action}", data={"csrf": csrf, "answer": "x",
                                                         "outcome": "accepted", "amount": "1",
                                                         "reason": "x"})
        assert r.status_code == 403
    with web.store.session() as db:
        assert db.get(Dispute, did).status == "open"
    # a manager sees a report's line but may not dispute it
    mx = web.client("max")
    line = f"/runs/{team}/payees/ana/lines/1"
    r = post_form(mx, line, line + "/disputes", {"comment": "on her behalf"})
    assert r.status_code == 403


def test_a_manager_sees_their_hierarchy_only(web):
    mx = web.client("max")
    team = run_of(web, "team-2026")
    for pid in ("max", "ana", "bo", "cal"):
        assert mx.get(f"/plans/team-2026/payees/{pid}").status_code == 200, pid
        assert mx.get(f"/runs/{team}/payees/{pid}").status_code == 200, pid
    for pid in ("vera", "nia", "dee", "ed", "zed"):
        for url in (f"/plans/team-2026/payees/{pid}", f"/plans/team-2026/payees/{pid}/live.json",
                    f"/runs/{team}/payees/{pid}", f"/runs/{team}/payees/{pid}/statement.pdf"):
            assert mx.get(url).status_code == 404, url
    page = mx.get("/plans/team-2026/team")
    assert page.status_code == 200
    for name in ("Ana Alves", "Bo Berg", "Cal Cruz"):
        assert name in page.text
    for name in ("Vera Vance", "Nia Novak", "Dee Dunn", "Ed Ekwueme"):
        assert name not in page.text
    assert mx.get("/plans/team-2026/team?under=vera").status_code == 200
    assert "Dee Dunn" not in mx.get("/plans/team-2026/team?under=vera").text
    assert mx.get("/plans/ae-2026/team").status_code == 404  # not a payee of that plan
    for url in ("/admin", "/admin/runs", "/admin/audit"):
        assert mx.get(url).status_code == 403


def test_roles_of_admin_and_finance(web):
    team = run_of(web, "team-2026")
    admin, fin = web.client("admin"), web.client("finance")
    assert admin.get(f"/runs/{team}/payees/vera").status_code == 200
    r = post_form(admin, "/admin", f"/admin/runs/{team}/approve", {})
    assert r.status_code == 403  # finance approves
    r = post_form(fin, "/admin", "/admin/plans/team-2026/save", {})
    assert r.status_code == 403  # admin saves runs
    assert fin.get("/admin/tokens").status_code == 403
    r = post_confirmed(fin, team, "approve", follow_redirects=False)
    assert r.status_code == 303
    r = post_form(fin, "/admin", f"/admin/runs/{team}/approve", {})
    assert r.status_code == 400 and "onfirm the run" in r.text  # issue 15: never one click
    r = post_form(fin, "/admin", f"/admin/runs/{team}/approve",
                  {"confirm_total": "0", "confirm_payees": "0"})
    assert r.status_code == 409
    r = post_confirmed(fin, team, "approve")
    assert r.status_code == 409 and "cannot be approved now" in r.text


def test_every_form_needs_its_csrf_token(web):
    team = run_of(web, "team-2026")
    ana = web.client("ana")
    url = f"/runs/{team}/payees/ana/lines/1/disputes"
    for data in ({"comment": "x"}, {"comment": "x", "csrf": ""},
                 {"comment": "x", "csrf": "forged"}):
        r = ana.post(url, data=data)
        assert r.status_code == 403 and "expired or did not come from this site" in r.text
    # another session's token does not pass either
    other = web.client("ana")
    token = csrf_of(other.get(f"/runs/{team}/payees/ana/lines/1").text)
    assert ana.post(url, data={"comment": "x", "csrf": token}).status_code == 403
    # the login form too, and logging out
    fresh = web.client()
    r = fresh.post("/login", data={"login": "ana", "password": PASSWORDS["ana"]})
    assert r.status_code == 403
    assert ana.post("/logout", data={}).status_code == 403
    with web.store.session() as db:
        assert db.execute(select(Dispute)).first() is None


def test_login_is_rate_limited(web):
    c = web.client()
    for _ in range(5):
        assert log_in(c, "ana", "wrong password").status_code == 401
    r = log_in(c, "ana", PASSWORDS["ana"])  # right password, but too many failures
    assert r.status_code == 429 and "too many failed logins" in r.text.lower()
    assert log_in(web.client(), "ann", PASSWORDS["ann"]).status_code == 303  # others may


def test_sessions_cannot_be_forged(web):
    ana = web.client("ana")
    cookie = ana.cookies.get("compplan_session")
    body, mac = cookie.split(".")
    c = web.client()
    c.cookies.set("compplan_session", body + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"))
    r = c.get("/plans/team-2026/payees/ana", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # the cookie is HttpOnly and SameSite
    page = web.client().get("/login")
    assert "httponly" in page.headers["set-cookie"].lower()
    assert "samesite=lax" in page.headers["set-cookie"].lower()


def test_no_open_redirect_after_login(web):
    c = web.client()
    page = c.get("/login")
    r = c.post("/login", data={"login": "ana", "password": PASSWORDS["ana"],
                               "next": "//evil.example/", "csrf": csrf_of(page.text)},
               follow_redirects=False)
    assert r.headers["location"] == "/"


def test_tokens_are_scoped_and_revocable(web):
    api = web.client()
    url = "/api/plans/team-2026/ingest"
    csv = {"Content-Type": "text/csv"}
    assert api.post(url, content=DEAL, headers=csv).status_code == 401
    assert api.post(url, content=DEAL, headers={**csv, "Authorization": "Bearer nope"}
                    ).status_code == 401
    # a logged-in admin's cookie is no token
    admin = web.client("admin")
    assert admin.post(url, content=DEAL, headers=csv).status_code == 401
    # a token for another plan
    page = admin.get("/admin/tokens")
    r = admin.post("/admin/tokens", data={"csrf": csrf_of(page.text), "name": "ae feed",
                                          "plan": "ae-2026"})
    import re
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    r = api.post(url, content=DEAL, headers={**csv, "Authorization": f"Bearer {token}"})
    assert r.status_code == 403 and "may not ingest into plan 'team-2026'" in r.json()["error"]
    # a token does not open pages
    r = api.get("/admin", headers={"Authorization": f"Bearer {web.token}"},
                follow_redirects=False)
    assert r.status_code == 303
    ok = api.post(url, content=DEAL, headers={**csv, "Authorization": f"Bearer {web.token}"})
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    # revoked: refused from then on
    from compplan.store.portal import ApiToken
    from compplan.web.auth import token_hash
    with web.store.session() as db:
        tid = db.execute(select(ApiToken.id).where(
            ApiToken.token_hash == token_hash(web.token))).scalar_one()
    r = post_form(admin, "/admin/tokens", f"/admin/tokens/{tid}/revoke", {},
                  follow_redirects=False)
    assert r.status_code == 303
    r = api.post(url, content=DEAL.replace("S-1", "S-2"),
                 headers={**csv, "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 401 and "revoked" in r.json()["error"]
    with web.store.session() as db:  # the token is kept only as a hash
        assert web.token not in json.dumps([t.token_hash for t in db.query(ApiToken)])


def test_security_headers(web):
    ana = web.client("ana")
    for url in ("/login", "/plans/team-2026/payees/ana", "/plans/team-2026/payees/ana/live.json",
                "/no-such-page"):
        h = ana.get(url).headers
        assert "default-src 'self'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["cache-control"] == "no-store"
    page = ana.get("/plans/team-2026/payees/ana").text
    assert "<script>" not in page and "style=" not in page and "http://" not in page.replace(
        "http://www.w3.org", "")
    team = run_of(web, "team-2026")
    h = ana.get(f"/runs/{team}/payees/ana/statement.html").headers
    assert "script-src" not in h["content-security-policy"]  # default-src 'none'
    assert "default-src 'none'" in h["content-security-policy"]


BAD_GETS = ["/plans/nope/payees/x", "/runs/abc/payees/ana", "/runs/99999999999999999999/payees/ana",
            "/runs/-1/payees/ana", "/runs/1/payees/ana/lines/x", "/runs/1/payees/ana/lines/%C2%B2",
            "/plans/team-2026/payees/ana/estimate?amount=abc&customer=X",
            "/plans/team-2026/payees/ana/estimate?customer=X",
            "/plans/team-2026/payees/ana/estimate?amount=1e999999&customer=X",
            "/plans/team-2026/payees/ana/estimate?amount=NaN&customer=X",
            "/plans/team-2026/payees/ana/estimate?input=nope&amount=1",
            "/plans/team-2026/payees/ana/estimate?amount=" + "9" * 300,
            "/plans/team-2026/payees/%00", "/static/../../etc/passwd", "/disputes/abc",
            "/disputes?status=evil", "/disputes/99999", "/runs/1/payees/ana/statement.exe"]
ADMIN_GETS = ["/admin/audit?before=x", "/admin/audit?before=-5", "/plans/team-2026/team?sort=x",
              "/plans/team-2026/team?order=up", "/plans/team-2026/team?under=zed",
              "/plans/team-2026/team/sales?days=0", "/plans/team-2026/team/sales?days=x"]


@pytest.mark.parametrize("url", BAD_GETS)
def test_bad_addresses_get_a_clear_4xx(web, url):
    r = web.client("ana").get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
    # an error page, or the form again with what was wrong (the estimator)
    assert "HTTP" in r.text or 'role="alert"' in r.text or \
        r.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("url", ADMIN_GETS)
def test_bad_admin_queries_get_a_clear_4xx(web, url):
    r = web.client("admin").get(url)
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])


def test_bad_forms_get_a_clear_4xx(web):
    team = run_of(web, "team-2026")
    ana, admin = web.client("ana"), web.client("admin")
    line = f"/runs/{team}/payees/ana/lines/1"
    assert post_form(ana, line, line + "/disputes", {"comment": "  "}).status_code == 400
    assert post_form(ana, line, line + "/disputes", {"comment": "x" * 5000}).status_code == 400
    r = post_form(ana, line, line + "/disputes", {"comment": "why 6%?"}, follow_redirects=False)
    did = r.headers["location"].rsplit("/", 1)[1]
    assert post_form(ana, line, line + "/disputes", {"comment": "again"}).status_code == 409
    d = f"/disputes/{did}"
    assert post_form(admin, d, d + "/resolve", {"outcome": "accepted", "amount": "1",
                                                "reason": "x"}).status_code == 409
    assert post_form(admin, d, d + "/answer", {"answer": ""}).status_code == 400
    assert post_form(admin, d, d + "/answer", {"answer": "looking"}).status_code == 200
    for data in ({"outcome": "maybe", "reason": "x"},
                 {"outcome": "accepted", "amount": "abc", "reason": "x"},
                 {"outcome": "accepted", "amount": "1e999", "reason": "x"},
                 {"outcome": "accepted", "amount": "0", "reason": "x"},
                 {"outcome": "accepted", "amount": "1.005", "reason": "x"},
                 {"outcome": "accepted", "amount": "10", "reason": ""}):
        r = post_form(admin, d, d + "/resolve", data)
        assert r.status_code == 400, (data, r.status_code)
    assert post_form(admin, "/admin/check", "/admin/check", {}).status_code == 400
    r = post_form(admin, "/admin/check", "/admin/check", {},
                  files={"plan": ("x.yaml", b"\xff\xfe\x00garbage")})
    assert r.status_code == 400 and "not UTF-8" in r.text
    r = post_form(admin, "/admin/tokens", "/admin/tokens", {"name": ""})
    assert r.status_code == 400
    r = post_form(admin, "/admin/tokens", "/admin/tokens", {"name": "x", "plan": "nope"})
    assert r.status_code == 400
    assert admin.delete("/").status_code == 405


@pytest.mark.parametrize("body,ctype,status", [
    (b"", "text/csv", 400),
    (b"   ", "application/json", 400),
    (b"{not json", "application/json", 400),
    (b'{"rows": 5}', "application/json", 400),
    (b'[1, 2]', "application/json", 422),
    (b'[{"deal_id": {"a": 1}}]', "application/json", 422),
    (b"deal_id\n", "text/csv", 400),
    (b"deal_id,rep_id\nA,ana,extra,cells\n", "text/csv", 422),
    (b"\xff\xfe", "text/csv", 400),
    (b"x", "application/xml", 415),
    (b'[{"deal_id": "B-1", "rep_id": "ana", "close_date": "2026-02-30", "amount": "1",'
     b' "customer": "X"}]', "application/json", 422),
    (b'[{"deal_id": "B-1", "rep_id": "ana", "close_date": "2026-03-01", "amount": "1",'
     b' "customer": "X", "extra": "y"}]', "application/json", 422),
])
def test_bad_batches_get_a_clear_4xx(web, body, ctype, status):
    r = web.client().post("/api/plans/team-2026/ingest", content=body, headers={
        "Content-Type": ctype, "Authorization": f"Bearer {web.token}"})
    assert r.status_code == status, r.text
    assert r.json()["error"]


def test_a_batch_too_large_is_refused(web):
    body = b"deal_id,rep_id,close_date,amount,customer\n" + b"X,ana,2026-03-01,1,Y\n" * 1_100_000
    r = web.client().post("/api/plans/team-2026/ingest", content=body, headers={
        "Content-Type": "text/csv", "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 413
    r = web.client().post("/api/plans/team-2026/ingest?input=payees", content=DEAL, headers={
        "Content-Type": "text/csv", "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 400 and "not a table of transactions" in r.json()["error"]
    r = web.client().post("/api/plans/nope/ingest", content=DEAL, headers={
        "Content-Type": "text/csv", "Authorization": f"Bearer {web.token}"})
    assert r.status_code == 404
