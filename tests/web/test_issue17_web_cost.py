"""Issue 17 item 5 in the portal: a plan upload is bounded, checking a bad plan counts
every problem, and statement PDFs are made in a bounded pool of their own (80 PDFs at
once stalled another person's live figures for 33 s): when it is full, 503 with
Retry-After at once."""
import threading
import time

from sqlalchemy import select

from compplan.store.models import Run
from compplan.web import pdfpool
from compplan.web.pdfpool import PdfPool
from portal_helpers import ROOT, post_form


def test_issue17_item5_a_plan_upload_over_1_mb_is_refused_with_a_sentence(web):
    admin = web.client("admin")
    big = (ROOT / "plans" / "ae.yaml").read_bytes() + b"# padding\n" * 110_000  # 1.1 MB
    r = post_form(admin, "/admin/check", "/admin/check", {}, files={"plan": ("ae.yaml", big)})
    assert r.status_code == 413
    assert "The file ae.yaml is too large: a plan file may be at most 1 MB" in r.text


def test_issue17_item5_the_check_page_counts_the_problems_it_does_not_list(web):
    admin = web.client("admin")
    text = (ROOT / "plans" / "ae.yaml").read_text() + "".join(
        f"unknown_key_{i}: {i}\n" for i in range(250))
    r = post_form(admin, "/admin/check", "/admin/check", {},
                  files={"plan": ("ae.yaml", text.encode())})
    assert r.status_code == 200
    assert r.text.count("unknown key &#39;unknown_key_") == 200
    assert "50 more errors not shown (the first 200 are)" in r.text
    assert "250 errors" in r.text


def test_issue17_item5_pdfs_wait_in_a_bounded_pool_and_the_rest_get_503(web, monkeypatch):
    with web.store.session() as db:
        run = db.execute(select(Run.id).where(Run.plan_id == "team-2026")).scalar_one()
    url = f"/runs/{run}/payees/ana/statement.pdf"
    pool = PdfPool(workers=1, waiting=1)
    web.app.state.pdf_pool = pool
    release = threading.Event()
    made = []

    def slow_pdf(html):  # a PDF that takes as long as the test says
        made.append(threading.current_thread().name)
        release.wait(30)
        return b"%PDF-1.7 test"
    monkeypatch.setattr(pdfpool, "_make_pdf", slow_pdf)
    got = {}

    def download(i):
        got[i] = web.client("ana").get(url)
    first = [threading.Thread(target=download, args=(i,)) for i in range(2)]
    for t in first:
        t.start()
    for _ in range(600):  # one PDF being made, one waiting: the pool is full
        if pool.taken == 2:
            break
        time.sleep(0.01)
    assert pool.taken == 2
    ana = web.client("ana")
    r = ana.get(url)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    assert "try again in 5 seconds" in r.text
    # the pages go on being served meanwhile: the pool holds none of their workers
    live = ana.get("/plans/team-2026/payees/ana/live.json")
    assert live.status_code == 200
    release.set()
    for t in first:
        t.join(30)
    assert [got[i].status_code for i in range(2)] == [200, 200]
    assert got[0].content == b"%PDF-1.7 test"
    assert got[0].headers["content-disposition"] == \
        'attachment; filename="team-2026-2026-Q1-ana.pdf"'
    assert all(name.startswith("compplan-pdf") for name in made)  # never the page's thread
    assert pool.taken == 0 and ana.get(url).status_code == 200
