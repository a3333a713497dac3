"""Issue 19: the managers' report by product. The field sample's order lines name their
SKU; with March 2026 open in the portal, a manager's round report shows each rep's own
revenue and gross margin so far by product, with each product's share of the rep's
revenue and its margin percent, for their team only, as a chart, a table and CSV."""
import csv
import io

from test_issue19_rounds import open_round


def test_issue19_the_report_by_product_for_a_managers_team(web):
    rid = open_round(web)
    mia = web.client("mia")
    page = mia.get(f"/targets/rounds/{rid}/report").text
    table = page.split('id="products"', 1)[1].split("</table>", 1)[0]
    # rita's 11,000.00 of March revenue: cola 3,960.00 = 36%, its margin 990.00 (25%
    # of the price: cost 75%); energy 3,520.00 = 32%, margin 1,056.00 = 30%
    row = table.split('data-who="rita" data-product="FX-COLA-330"', 1)[1].split("</tr>")[0]
    assert "3,960.00" in row and "990.00" in row and ">36%<" in row and ">25%<" in row
    row = table.split('data-who="rita" data-product="FX-ENERGY-250"', 1)[1].split("</tr>")[0]
    assert "3,520.00" in row and "1,056.00" in row and ">32%<" in row and ">30%<" in row
    # her team together (rita and sid): cola 3,960 + 3,120 = 7,080.00 of 11,000 + 8,000
    # = 19,000: 37.2632% (7,080 / 19,000 = 0.372631..., a tenth of a percent: 37.3%)
    row = table.split('data-who="all" data-product="FX-COLA-330"', 1)[1].split("</tr>")[0]
    assert "7,080.00" in row and ">37.3%<" in row
    assert 'data-who="tom"' not in table  # noah's team is not hers
    assert page.count('aria-label="sales by product"') == 1  # the chart beside it

    rows = list(csv.DictReader(io.StringIO(
        mia.get(f"/targets/rounds/{rid}/report-products.csv").text)))
    by = {(r["who"], r["product"]): r for r in rows}
    # sid: 8,000.00 revenue; water 520.00 = 6.5% of it, margin 520 x 20% = 104.00
    assert (by[("sid", "WATER-500")]["sales"], by[("sid", "WATER-500")]["line_margin"],
            by[("sid", "WATER-500")]["share"]) == ("520.00", "104.00", "0.0650")
    assert by[("", "FX-COLA-330")]["sales"] == "7080.00"
    assert by[("", "FX-COLA-330")]["share"] == "0.3726"
    assert {r["who"] for r in rows} == {"rita", "sid", ""}
