"""Issue 15: a step that pays on its own measure and costs on another says both.

rita's presentations bar said "2 more presentations ... pays 0,00 more": true of her
total, but it reads as nothing gained. Two more presentations raise the presentations
bonus and lower the close-rate bonus (the same wins over more presentations); the bar
now says what the step pays on its own earning, what falls elsewhere and the net, in
the payee's language (catalogs shared with statements).

Figures by hand (plans/data/field, March 2026: KPI bonus x 10% x the curve, which pays
0 below the 80% gate, then y = x to 120%, flat beyond):
  rita (vi, bonus 1,000, targets 10 presentations, close rate 0.25): P-002..P-011, 10
    presentations, 3 won (P-003, P-006, P-010): presentations 100% -> 100.00, close
    rate 0.30 = 120% -> 120.00. Two more like her latest (P-011, lost): 12 of 10 = 120%
    -> 120.00 (+20.00); close rate 3 / 12 = 0.25 = 100% -> 100.00 (-20.00); net 0.
  sid (ms, bonus 1,000): 8 presentations, 2 won: 80% -> 80.00, close 0.25 = 100% ->
    100.00. Two more lost: 10 of 10 = 100% -> 100.00 (+20.00); close 2 / 10 = 0.20 = 80%
    -> 80.00 (-20.00); net 0.
  ula (en, bonus 800, targets 8 and 0.25), after the batch below: 6 presentations, 2
    won: 75%, under the gate, 0.00; close 2 / 6 = 0.333 = 133%, paid at 120%: 96.00. One
    more lost: 7 of 8 = 87.5% -> 800 x 10% x 87.5% = 70.00 (+70.00); close 2 / 7 =
    0.285714 = 114.2857% -> 800 x 10% x 1.142857 = 91.43 (-4.57); net 65.43.
"""
from test_web_ingest import post

INGEST = "/api/plans/field-2026/ingest?input=presentations"


def stake(web, who: str, measure: str = "presentation_attainment") -> str:
    bars = web.client("admin").get(f"/plans/field-2026/payees/{who}/live.json").json()["bars"]
    return next(b["stake"] for b in bars if b["measure"] == measure)


def test_issue15_ritas_presentations_say_what_they_cost_in_vietnamese(web):
    assert stake(web, "rita") == (
        "Thêm 2 Buổi giới thiệu đã thực hiện sẽ đạt điểm tiếp theo trên đường chi trả của "
        "Thưởng buổi giới thiệu (120%) và được trả thêm 20,00\xa0US$. Nhưng Thưởng tỷ lệ "
        "chốt đơn giảm 20,00\xa0US$ theo đó: tổng thu nhập của bạn không đổi.")


def test_issue15_sids_presentations_in_malay(web):
    assert stake(web, "sid") == (
        "2 lagi dalam Pembentangan dibuat mencapai titik seterusnya pada lengkung Bonus "
        "pembentangan (100%) dan membayar USD20.00 lagi. Tetapi Bonus kadar tutup jualan "
        "turun sebanyak USD20.00 bersamanya: jumlah anda kekal sama.")


def test_issue15_a_step_that_gains_more_than_it_costs_in_english(web):
    rows = [{"presentation_id": f"W-{i}", "rep_id": "ula", "presented_on": "2026-03-10",
             "outlet_id": f"W-{i}", "won": "true"} for i in range(2)]
    rows += [{"presentation_id": f"L-{i}", "rep_id": "ula", "presented_on": "2026-03-20",
              "outlet_id": f"L-{i}", "won": "false"} for i in range(4)]
    assert post(web, rows, url=INGEST).status_code == 200
    assert stake(web, "ula") == (
        "1 more in Presentations made reaches the gate of Presentations bonus (80%) and "
        "pays $70.00 more. But Close rate bonus falls by $4.57 with it: $65.43 more in all.")


def test_issue15_a_step_that_costs_more_than_it_gains_in_polish(web):
    # tom (pl, bonus 1,200, targets 12 presentations, close rate 0.25): P-020..P-025, 6
    # presentations, 3 won, and 4 lost on 28 March: 10 presentations, 83.33% -> 1,200 x
    # 10% x 83.33% = 100.00; close 3 / 10 = 0.30 = 120% -> 144.00. Two more lost: 12 of
    # 12 = 100% -> 120.00 (+20.00); close 3 / 12 = 0.25 = 100% -> 120.00 (-24.00); net
    # -4.00
    rows = [{"presentation_id": f"T-{i}", "rep_id": "tom", "presented_on": "2026-03-28",
             "outlet_id": f"T-{i}", "won": "false"} for i in range(4)]
    assert post(web, rows, url=INGEST).status_code == 200
    assert stake(web, "tom") == (
        "Jeszcze 2 w pozycji Przeprowadzone prezentacje to następny punkt krzywej: Premia "
        "za prezentacje (100%) i 20,00\xa0USD więcej. Ale Premia za skuteczność spada przy "
        "tym o 24,00\xa0USD: łącznie 4,00\xa0USD mniej.")
