"""Issue 15: what the portal refuses, and a dispute's line, in the reader's words.

A refusal a rep, a manager or a visitor may meet is raised as a text of the catalogs
with its values apart (security.Refused params, targets' RoundError params): the error
page says it in the reader's language, a status among its values too (security.Word);
programs (JSON) get the English, filled in, as before. A dispute keeps its line as
values (component, formula, source rows) and each reader is shown them in their words.

Figures: rita's line 1 is the outlet coverage bonus, 1,000.00 x 40% x 90% = 360.00;
line 6 her revenue commission, 10,000.00 x 2% + 1,000.00 x 3% = 230.00
(test_issue19_field_kpis.py).
"""
import ast
import json
import re

from sqlalchemy import select

from compplan.errors import Word
from compplan.render.locale import Fmt
from compplan.store.portal import Dispute
from compplan.web.security import Refused, said_in
from compplan.web.words import portal_message_ids, refusal_calls, refusal_texts
from portal_helpers import post_form
from test_issue15_frame_locale import round_of, run_of


# ------------------------------------------------------------------ the texts


def loose(call: ast.Call) -> list[str]:
    """A refusal's message or hint that is not a text of its own (an f-string, a sum,
    a variable): the catalogs could not hold it. A RoundError said again as a Refused
    (web/rounds._guard: e.text, e.hint_text) passes its own texts on."""
    if call.func.id == "Word":
        return []
    out = []
    for node in refusal_texts(call):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            continue
        if isinstance(node, ast.Attribute) and node.attr in ("text", "hint_text"):
            continue
        out.append(ast.unparse(node))
    return out


def test_issue15_the_check_of_refusals_finds_an_f_string():
    tree = ast.parse('Refused(404, f"there is no run {n}")\n'
                     'Refused(400, "one of: " + ", ".join(x), "a hint")\n'
                     'Refused(409, "run {id} is {status}", "see {id}", params={"id": 1})\n'
                     'RoundError(409, "a" if x else f"b {y}")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name) and n.func.id in ("Refused", "RoundError")]
    assert [loose(c) for c in calls] == [["f'there is no run {n}'"],
                                         ["'one of: ' + ', '.join(x)"], [], ["f'b {y}'"]]


def test_issue15_every_refusal_a_reader_meets_is_a_text_of_the_catalogs():
    """Every Refused and RoundError in the modules a rep, manager or visitor reaches
    says a text with its values apart; those of admin's and finance's own steps are
    listed in words.REFUSAL_SOURCES. Their texts are among the portal's message ids,
    so the catalog test (test_issue15_frame_locale.py) holds vi, pl and ms to them."""
    calls = refusal_calls()
    modules = {m for m, _, _ in calls}
    assert {"disputes.py", "review.py", "rounds.py", "../targets/rounds.py",
            "endpoint.py"} <= modules
    bad = [(m, fn, c.lineno, loose(c)) for m, fn, c in calls if loose(c)]
    assert bad == []
    ids = portal_message_ids()
    for text in ("this line is already disputed (dispute {id}, {status})",
                 "round {id} is {status}: its figures no longer change",
                 "run {id} is {status}: it cannot be approved now",
                 "your manager has accepted this line", "what is wrong with the line"):
        assert text in ids


def test_issue15_a_refusal_keeps_its_english_for_programs():
    e = Refused(409, "dispute {id} is {status}; only an open dispute is answered",
                "see /disputes/{id}", params={"id": 7, "status": Word("answered")})
    assert str(e) == "dispute 7 is answered; only an open dispute is answered"
    assert e.hint == "see /disputes/7"
    vi = Fmt("vi", "USD")
    said, english = said_in(vi, e.text, e.params, e.message)
    assert (said, english) == ("khiếu nại 7 đang ở trạng thái đã trả lời; chỉ khiếu nại "
                               "đang mở mới được trả lời", False)
    # a text the catalogs lack stays English, and says so
    assert said_in(vi, "booked by hand {n}", {"n": 1}, "booked by hand 1") == \
        ("booked by hand 1", True)
    assert said_in(Fmt("en", "USD"), e.text, e.params, e.message) == (e.message, False)


# ------------------------------------------------------------------ refusals shown


def test_issue15_a_dispute_refused_in_the_reps_words(web):
    run = run_of(web, "field-2026")
    rita = web.client("rita")
    line = f"/runs/{run}/payees/rita/lines/1"
    r = post_form(rita, line, f"{line}/disputes", {"comment": "Tôi đã ghé 19 điểm bán"},
                  follow_redirects=False)
    did = r.headers["location"].rsplit("/", 1)[1]
    r = post_form(rita, line, f"{line}/disputes", {"comment": "lại"})
    assert r.status_code == 409
    # "this line is already disputed (dispute N, open)", the status in her words too
    assert f"<h1>Dòng này đã bị khiếu nại (khiếu nại {did}, đang mở)</h1>" in r.text
    # an empty comment: "write {what}", what in her words
    r = post_form(rita, f"/runs/{run}/payees/rita/lines/6",
                  f"/runs/{run}/payees/rita/lines/6/disputes", {"comment": " "})
    assert r.status_code == 400 and "<h1>Hãy viết dòng này sai ở đâu</h1>" in r.text
    # a program asking for JSON reads the English, as before
    r = rita.get("/plans/field-2026/payees/tom", headers={"accept": "application/json"})
    assert r.status_code == 404
    assert r.json() == {"error": "there is no payee 'tom' in field-2026 that you can see"}


def test_issue15_a_closed_round_and_an_accepted_line_refused_in_polish(web):
    """tom (pl) answers after noah, his manager, accepted his revenue line: refused,
    with the hint; then the admin approves the round and his next answer is refused
    as the round is closed."""
    rid = round_of(web)
    tom, noah = web.client("tom"), web.client("noah")
    page = tom.get(f"/targets/rounds/{rid}").text
    line = int(re.search(rf'data-kpi="revenue">.*?/targets/rounds/{rid}/lines/(\d+)',
                         page, re.S).group(1))
    r = post_form(noah, f"/targets/rounds/{rid}",
                  f"/targets/rounds/{rid}/lines/{line}/review", {"action": "accept"},
                  follow_redirects=False)
    assert r.status_code == 303
    r = post_form(tom, f"/targets/rounds/{rid}",
                  f"/targets/rounds/{rid}/lines/{line}/answer",
                  {"figure": "13000", "reason": "nowy klient"})
    assert r.status_code == 409 and '<html lang="pl">' in r.text
    assert "<h1>Twój kierownik zaakceptował tę pozycję</h1>" in r.text
    assert '<p class="hint">poproś administratora wynagrodzeń o jej ponowne otwarcie</p>' \
        in r.text
    other = int(re.search(rf'/targets/rounds/{rid}/lines/(\d+)', page).group(1))
    assert other != line
    r = post_form(web.client("admin"), f"/targets/rounds/{rid}",
                  f"/targets/rounds/{rid}/approve", {"reason": "agreed"},
                  follow_redirects=False)
    assert r.status_code == 303
    r = post_form(tom, f"/targets/rounds/{rid}",
                  f"/targets/rounds/{rid}/lines/{other}/answer",
                  {"figure": "5", "reason": "za późno"})
    assert r.status_code == 409
    assert f"<h1>Runda {rid} ma stan: zatwierdzone; jej wartości już się nie " \
        "zmieniają</h1>" in r.text


# ------------------------------------------------------------------ a dispute's line


def test_issue15_a_dispute_filed_in_english_is_read_in_vietnamese(web):
    """rita files while her payee row says English; the dispute keeps values, not
    words; read later in Vietnamese (her row says vi again) the line is hers in
    Vietnamese: the plan's vi label, the formula's numbers as vi writes them."""
    lp = web.portal.plans["field-2026"]
    lp.run.prep.payees["rita"]["locale"] = "en"
    run = run_of(web, "field-2026")
    rita = web.client("rita")
    line = f"/runs/{run}/payees/rita/lines/6"
    r = post_form(rita, line, f"{line}/disputes", {"comment": "I sold 11,000"},
                  follow_redirects=False)
    url = r.headers["location"]
    html = rita.get(url).text
    assert "<p><strong>The line:</strong> Revenue commission: 10,000.00 × 2% + 1,000.00 × " \
        "3% = 230.00 (230.00)</p>" in html
    with web.store.session() as db:
        kept = db.execute(select(Dispute.line_summary)).scalar_one()
    assert json.loads(kept) == {"component": "revenue_commission", "formula":
                                "10,000.00 x 2% + 1,000.00 x 3% = 230.00", "sources": []}
    lp.run.prep.payees["rita"]["locale"] = "vi"
    html = rita.get(url).text
    assert "<p><strong>Dòng:</strong> Hoa hồng doanh thu: 10.000,00 × 2% + 1.000,00 × 3% " \
        "= 230,00 (230,00)</p>" in html
    # finance reads the page about rita in her words too (a page about one payee)
    assert "Hoa hồng doanh thu: 10.000,00 × 2%" in web.client("finance").get(url).text


def test_issue15_a_dispute_stored_as_english_text_is_shown_as_stored(web):
    """Disputes filed before the line was kept as values hold English text: shown as
    it was stored, not guessed at."""
    run = run_of(web, "field-2026")
    rita = web.client("rita")
    line = f"/runs/{run}/payees/rita/lines/1"
    url = post_form(rita, line, f"{line}/disputes", {"comment": "x"},
                    follow_redirects=False).headers["location"]
    with web.store.session() as db:
        d = db.execute(select(Dispute)).scalar_one()
        d.line_summary = "coverage_bonus: 1,000.00 x 40% x 90% = 360.00"
        db.commit()
    assert "<p><strong>Dòng:</strong> coverage_bonus: 1,000.00 x 40% x 90% = 360.00 " \
        "(360,00)</p>" in rita.get(url).text
