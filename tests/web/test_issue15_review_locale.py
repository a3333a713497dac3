"""Issue 15: finance's run review and its confirmation are in the plan's words and
numbers (its `locale:`, the default of its statements), from the statements' catalogs.

The AE plan declares no locale (English); the test gives its compiled plan `locale: vi`,
as the YAML line would. Figures as in test_issue15_review.py: the 2026-Q1 draft pays
56,480.00 to 7 payees; against the paid 2025-Q4 run (1,200.00) it is 55,280.00 more;
ben's commission is capped.
"""
import re

from test_issue15_review import ae_run, paid_q4, words  # noqa: F401 - fixture


def test_issue15_the_review_in_the_plans_language(web, paid_q4):  # noqa: F811
    # the plan model is frozen; this portal's copy is the test's own (the app is new)
    object.__setattr__(web.portal.plans["ae-2026"].compiled.plan, "locale", "vi")
    run = ae_run(web)
    page = words(web.client("finance").get(f"/runs/{run}/review").text)
    assert f"Lần tính {run}: ae-2026 2026-Q1" in page
    assert "Chênh lệch so với lần tính đã trả gần nhất" in page
    # Vietnamese numbers: '.' groups thousands, ',' is the decimal point
    assert re.search(r"56\.480,00\s*US\$", page), page[:600]
    assert re.search(rf"So với lần tính {paid_q4} \(2025-Q4, đã trả 1\.200,00\s*US\$\)",
                     page)
    assert "Chạm trần : 1 · Ben Brooks" in page
    assert "Các dòng đã thay đổi" in page
    confirm = words(web.client("finance").get(
        f"/runs/{run}/review/confirm?action=approve").text)
    assert f"Phê duyệt lần tính {run}?" in confirm
    assert "7 người nhận" in confirm and "Hủy" in confirm


def test_issue15_the_review_stays_english_for_an_english_plan(web):
    run = ae_run(web)
    page = words(web.client("finance").get(f"/runs/{run}/review").text)
    assert "Difference from the last paid run" in page and "$56,480.00" in page
