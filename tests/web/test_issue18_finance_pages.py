"""Issue 18 in the portal: finance's page of an open period shows the month's accrual
(kept by the demo store, as `compplan serve --demo` keeps it) and the quarter's
forecast; the manager's team forecast shows their own hierarchy only.

The AE sample (plans/data/ae), accrued as of 2026-02-28 (the deals closed by then; quota
bands at 50% / 100% / 150%, 4% / 8% / 12% / 16%; renewals count half, services nothing;
cap 250% of target incentive; the CSAT bonus at CSAT >= 85 and attainment >= 100%):
    ann  60,000 + 70,000 + 50,000 = 180,000 of 200,000: 100,000 x 4% + 80,000 x 8%
         = 4,000 + 6,400 = 10,400.00 (CSAT 84: no bonus)
    ben  80,000 + 90,000 = 170,000 of 100,000: 2,000 + 4,000 + 6,000 + 20,000 x 16%
         = 15,200, capped at 250% x 5,000 = 12,500.00
    cara 75,000 + 60,000 = 135,000 of 150,000: 75,000 x 4% + 60,000 x 8% = 7,800.00
    dev  100,000 renewal at 50% + 40,000 = 90,000 of 120,000: 60,000 x 4% + 30,000 x 8%
         = 4,800.00
    eli  20,000 (the services deal counts nothing): 800.00
    fay  40,000 + 40,000 = 80,000 of 80,000: 1,600 + 3,200 = 4,800.00; bonus
         1,000 x min(90 / 90, 1.2) = 1,000.00: 5,800.00
    gus  12,000 + 24,000 renewal at 50% + 15,000 = 39,000 of 90,000: 1,560.00
    control total 10,400 + 12,500 + 7,800 + 4,800 + 800 + 5,800 + 1,560 = 43,660.00
    (commission 42,660.00, csat_bonus 1,000.00), nothing booked before.
The quarter's draft run pays 56,480.00 (ann 225,000: 4,000 + 8,000 + 25,000 x 12% =
15,000; ben 12,500; cara 165,000: 10,800 + bonus 1,000 x 99/90 = 1,100; dev 110,000:
6,400; eli 35,000: 1,400; fay 86,000: 5,520 + 1,000; gus 57,000: 2,760): true-up
56,480.00 - 43,660.00 = 12,820.00 (csat_bonus 2,100 - 1,000 = 1,100.00, commission
11,720.00).

The forecast as of 2026-02-28 with plans/data/ae/pipeline.csv (low: deals at 90% or
more; expected: amounts x probability; high: every deal closing by 03-31; P-405 closes
in April and is left out):
    ann  P-104 45,000 at 60%, P-106 30,000 at 90%
         low      180,000 + 30,000 = 210,000: 4,000 + 8,000 + 10,000 x 12% = 13,200.00
         expected + 27,000 + 27,000 = 234,000: 12,000 + 34,000 x 12% = 16,080.00
         high     + 75,000 = 255,000: 12,000 + 55,000 x 12% = 18,600.00
    cara P-303 30,000 at 70%: low 7,800.00 (below 90%); expected + 21,000 = 156,000
         (104%): 3,000 + 6,000 + 6,000 x 12% = 9,720 + bonus 1,100 = 10,820.00 (the
         gate is met); high 165,000: 11,900.00
    plan low 43,660 + 2,800 = 46,460.00; expected 43,660 + 5,680 + 3,020 = 52,360.00;
         high 43,660 + 8,200 + 4,100 = 55,960.00
    ann at pace: 59 of 90 days gone, so 90/59 of her deals: once, and the first two
         again scaled to 180,000 x 31/59 = 94,576.27 (60,000 : 70,000 gives A-101'
         43,650.5867, A-102' 50,925.6845), taken in date order after their originals:
         A-101  0 -> 60,000 at 4%                             2,400.00
         A-101' 60,000 -> 103,650.59: 40,000 x 4% + 3,650.59 x 8%  1,892.05
         A-102  -> 173,650.59 at 8%                           5,600.00
         A-102' -> 224,576.27: 26,349.41 x 8% + 24,576.27 x 12%   5,057.11
         A-103  -> 274,576.27 at 12%                          6,000.00
         20,949.16 (137.3% of 200,000)

Issue 15 put these pages in the reader's words and numbers (web/finance.py): the plan's
locale for finance, here English (the AE and team plans declare none), so every amount
is Fmt.money's `$10,400.00` (was `10,400.00`), a ratio Fmt.percent's to a tenth without
trailing zeros (`90%`, was `90.0%`; 137.3% unchanged), a day Babel's medium date (`Feb
28, 2026`, was `2026-02-28`), components by their labels (`CSAT bonus`), crossings as
`ae_tiers tier 2 → 3` and `csat_bonus: gate met`. The figures are the same, cent for
cent; test_issue15_finance_locale.py reads the same pages in Vietnamese.
"""
import re

AE = "/plans/ae-2026/finance?as_of=2026-02-28"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _by_id(html: str, ident: str) -> str:
    """The text of the element with this id (its first closing tag of the same name)."""
    m = re.search(rf'<(\w+)[^>]*\bid="{re.escape(ident)}"[^>]*>', html)
    assert m, f"no element #{ident}"
    tag, start = m.group(1), m.end()
    depth = 1
    for t in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(html, start):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return _text(html[start:t.start()])
    raise AssertionError(f"#{ident} is not closed")


def _cells(html: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr[^>]*id="{re.escape(row_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row #{row_id}"
    return [_text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)]


def test_issue18_finance_page_shows_the_months_accrual_and_its_true_up(any_web):
    page = any_web.client("finance").get(AE)
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert _by_id(html, "accrual-as-of") == "Feb 28, 2026"
    # payee, cost centre, commission, csat_bonus, the payee's accrual
    assert _cells(html, "accrual-ann") == ["Ann Alvarez ann", "West", "$10,400.00", "",
                                           "$10,400.00"]
    assert _cells(html, "accrual-ben")[-1] == "$12,500.00"
    assert _cells(html, "accrual-fay") == ["Fay Fischer fay", "Central", "$4,800.00",
                                           "$1,000.00", "$5,800.00"]
    assert _by_id(html, "accrual-component-commission") == "$42,660.00"
    assert _by_id(html, "accrual-component-csat_bonus") == "$1,000.00"
    assert _by_id(html, "accrual-control-total") == "$43,660.00"
    assert _by_id(html, "accrual-lines-total") == "$43,660.00"
    assert _by_id(html, "accrual-before") == "$0.00"
    assert _by_id(html, "accrual-ties") == "ties"
    assert _by_id(html, "true-up-final") == "$56,480.00"
    assert _by_id(html, "true-up-accrued") == "$43,660.00"
    assert _by_id(html, "true-up-total") == "$12,820.00"
    assert "(draft)" in _by_id(html, "true-up")
    assert _text(html).count("CSAT bonus $1,100.00") == 1  # 2,100 - 1,000
    assert "Commission $11,720.00" in _by_id(html, "true-up-components")


def test_issue18_finance_page_shows_the_quarters_forecast(web):
    html = web.client("finance").get(AE).text
    # per outcome: attainment, pay (to date, at pace, low, expected, high), crossed
    ann = _cells(html, "forecast-ann")
    # 180,000 / 200,000 = 90%; 210,000 / 200,000 = 105%; 234,000 = 117%; 255,000 = 127.5%
    assert ann[1:11] == ["90%", "$10,400.00", "137.3%", "$20,949.16", "105%",
                         "$13,200.00", "117%", "$16,080.00", "127.5%", "$18,600.00"]
    assert "low: ae_tiers tier 2 → 3" in ann[11]
    cara = _cells(html, "forecast-cara")
    # 135,000 / 150,000 = 90%; 156,000 = 104%; 165,000 = 110%
    assert cara[6:11] == ["$7,800.00", "104%", "$10,820.00", "110%", "$11,900.00"]
    assert "expected: ae_tiers tier 2 → 3, csat_bonus: gate met" in cara[11]
    plan = [c for c in _text(_plan_row(html)).split(" ") if "," in c or "." in c]
    assert plan == ["$43,660.00", "$74,750.50", "$46,460.00", "$52,360.00", "$55,960.00"]
    assert "pace by calendar days" in _by_id(html, "forecast-basis")


def _plan_row(html: str) -> str:
    rows = re.findall(r'<tr class="forecast-total">(.*?)</tr>', html, re.S)
    return next(r for r in rows if "Plan ae-2026" in r)


def test_issue18_finance_page_is_for_finance_and_admin(web):
    assert web.client("admin").get(AE).status_code == 200
    for login in ("ann", "max"):
        c = web.client(login)
        assert c.get(AE).status_code == 403
        assert c.get("/finance").status_code == 403
    index = web.client("finance").get("/finance")
    assert index.status_code == 200
    assert 'href="/plans/ae-2026/finance"' in index.text
    assert "$43,660.00" in _text(index.text)  # ae-2026's accrual, as above
    assert "2 as of Feb 28, 2026" in _text(index.text)


def test_issue18_a_forecast_day_outside_the_period_is_refused(web):
    c = web.client("finance")
    assert c.get("/plans/ae-2026/finance?as_of=2026-04-01").status_code == 400
    assert c.get("/plans/ae-2026/finance?as_of=March").status_code == 400
    # without a day, the portal's day: the period is over, so it says so
    page = c.get("/plans/ae-2026/finance")
    assert page.status_code == 200 and 'id="period-over"' in page.text


# The manager plan (plans/data/manager) as of 2026-02-14: 45 of 90 days gone, so at pace
# each rep's deals so far are taken twice (rep tiers: 6% to 100%, 10% above).
#   ana  A-1 50,000 + A-2 40,000 = 90,000 of 120,000 (75%): 5,400.00; at pace 180,000
#        (150%): 50,000 x 6% + 40,000 x 6% + (30,000 x 6% + 20,000 x 10%) + 40,000 x 10%
#        = 3,000 + 2,400 + 3,800 + 4,000 = 13,200.00
#   bo   B-1 30,000 of 100,000 (30%): 1,800.00; at pace 60,000 (60%): 3,600.00
#   cal  C-1 40,000 of 80,000 (50%): 2,400.00 (C-0 is December's); at pace 80,000
#        (100%): 4,800.00
#   Max's team: commission to date 5,400 + 1,800 + 2,400 = 9,600.00; at pace 13,200 +
#        3,600 + 4,800 = 21,600.00. Dee and Ed report to Nia: not Max's.
# The team pool (issue 20: 2% of team north's bookings, shared by booked among reps at
# 50% of quota or more):
#   to date 2% x (90,000 + 30,000 + 40,000) = 3,200.00; bo (30%) does not share; ana
#        3,200 x 90,000 / 130,000 = 2,215.3846 -> 2,215.38, cal 3,200 x 40,000 / 130,000
#        = 984.6153 -> 984.61, the cent left to the larger remainder (cal's): 984.62.
#        ana 5,400 + 2,215.38 = 7,615.38; cal 2,400 + 984.62 = 3,384.62; team 12,800.00
#   at pace 2% x (180,000 + 60,000 + 80,000) = 6,400.00, all share (bo 60%): ana 6,400 x
#        180 / 320 = 3,600, bo 1,200, cal 1,600: ana 16,800, bo 4,800, cal 6,400; team
#        21,600 + 6,400 = 28,000.00
TEAM = "/plans/team-2026/team/forecast?as_of=2026-02-14"


def test_issue18_a_manager_sees_their_teams_forecast_only(web):
    c = web.client("max")
    page = c.get(TEAM)
    assert page.status_code == 200, page.text[:500]
    html = page.text
    assert _cells(html, "forecast-ana")[1:5] == ["75%", "$7,615.38", "150%", "$16,800.00"]
    assert _cells(html, "forecast-bo")[1:5] == ["30%", "$1,800.00", "60%", "$4,800.00"]
    assert _cells(html, "forecast-cal")[1:5] == ["50%", "$3,384.62", "100%", "$6,400.00"]
    total = re.search(r'<tr class="forecast-total">(.*?)</tr>', html, re.S).group(1)
    assert "Team of Max Moreau" in total
    assert re.findall(r"\$[\d,]+\.\d\d", _text(total)) == ["$12,800.00", "$28,000.00"]
    for other in ("dee", "ed", "nia", "vera", "max"):
        assert f'id="forecast-{other}"' not in html
    # asking for another manager's tree changes nothing for a manager
    again = c.get(TEAM + "&under=nia").text
    assert 'id="forecast-dee"' not in again and 'id="forecast-ana"' in again
    # the team page links to it
    assert 'id="team-forecast"' in c.get("/plans/team-2026/team").text
    # another plan's team: Max is no payee of it
    assert c.get("/plans/ae-2026/team/forecast").status_code == 404


def test_issue18_a_rep_cannot_see_the_team_forecast(web):
    c = web.client("ana")
    assert c.get(TEAM).status_code == 403
    assert "$16,800.00" not in c.get(TEAM).text  # ana's own at pace, on the team page


def test_issue18_finance_sees_every_team_with_its_total(web):
    html = web.client("finance").get(TEAM).text
    totals = [_text(r) for r in re.findall(r'<tr class="forecast-total">(.*?)</tr>', html,
                                           re.S)]
    max_team = next(t for t in totals if t.startswith("Team of Max Moreau"))
    assert re.findall(r"\$[\d,]+\.\d\d", max_team)[:2] == ["$12,800.00", "$28,000.00"]
    assert 'id="forecast-dee"' in html


def test_issue18_an_ingested_deal_moves_the_forecast(web):
    # bo closes 20,000 on 2026-02-12: 50,000 (50%) so far: commission 3,000.00; at pace
    # 100,000 (100%): 6,000.00; Max's team's commission to date 9,600 + 1,200 = 10,800,
    # at pace 21,600 + 2,400 = 24,000. The pool: to date 2% x (90,000 + 50,000 +
    # 40,000) = 3,600.00, bo now shares (50%): 3,600 x 50 / 180 = 1,000.00, so bo
    # 4,000.00; at pace 2% x (180,000 + 100,000 + 80,000) = 7,200.00, bo 7,200 x 100 /
    # 360 = 2,000.00, so 8,000.00. Team 10,800 + 3,600 = 14,400.00; 24,000 + 7,200 =
    # 31,200.00
    c = web.client("max")
    assert _cells(c.get(TEAM).text, "forecast-bo")[2] == "$1,800.00"
    reply = web.portal.ingest("team-2026", "deals", [
        {"deal_id": "B-9", "rep_id": "bo", "close_date": "2026-02-12", "amount": "20000",
         "customer": "Basalt Tools"}], "test")
    assert reply.accepted == 1
    html = c.get(TEAM).text
    assert _cells(html, "forecast-bo")[1:5] == ["50%", "$4,000.00", "100%", "$8,000.00"]
    total = re.search(r'<tr class="forecast-total">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"\$[\d,]+\.\d\d", _text(total)) == ["$14,400.00", "$31,200.00"]
