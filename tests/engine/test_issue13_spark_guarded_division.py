"""Issue 13: a running tier basis over a quota set for a longer span than the period.

The SQL engines divide a running basis in 64-bit steps where both numbers are small
(decimals.div_layers), in a CASE branch taken only there. Spark works out a SQL
function's arguments before the CASE around it, so for a quota prorated to 16 places
(a year's quota in a quarter) and a running credit under 100, it multiplied a remainder
too large for 64 bits in the branch it did not take and stopped the run
(ARITHMETIC_OVERFLOW). Found by the generated-data test of test_issue12_sql_coverage in
the fresh-clone CI of 1 December 2026 (quota 0.01, hypothesis seed
233988997810266447208311094348023324906); that test runs on Spark again.
"""
from __future__ import annotations

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from test_issue12_sql_coverage import D, both, compiled_from  # noqa: E402

PLAN = """
inputs:
  payees: {key: rep_id, columns: {name: text}}
  deals: {key: deal_id, payee: rep_id, date: close_date, columns: {amount: money}}
  quotas: {payee: rep_id, period: period, columns: {amount: money}}
credits:
  sales: {from: deals, value: amount}
rates:
  bands:
    basis: sum(sales) / quotas.amount
    mode: marginal
    at_boundary: lower
    tiers:
      - {to: 50%, rate: 2%}
      - {to: 100%, rate: 5%}
      - {rate: 10%}
earnings:
  commission:
    each: sales
    value: tiered(bands)
"""


def test_issue13_running_basis_over_a_prorated_quota_same_on_every_engine(tmp_path,
                                                                         sql_engine):
    """The year's quota 365 is Q1's 365 x 90/365 = 90 (by days, 16 places); the bands
    are 0-45 at 2%, 45-90 at 5%, above 90 at 10%, worked deal by deal in date order:
    D1 30 (0 -> 30):   30 x 2%                  = 0.60
    D2 30 (30 -> 60):  15 x 2% + 15 x 5%        = 0.30 + 0.75 = 1.05
    D3 60 (60 -> 120): 30 x 5% + 30 x 10%       = 1.50 + 3.00 = 4.50
    ann: 0.60 + 1.05 + 4.50 = 6.15. D2's and D3's running credit before them (30, 60)
    and the quota (90.0000000000000000) are what took Spark's untaken branch past 64
    bits."""
    compiled = compiled_from(tmp_path, PLAN)
    data = {"payees": [{"rep_id": "ann", "name": "Ann"}],
            "deals": [{"deal_id": "D1", "rep_id": "ann", "close_date": "2026-01-10",
                       "amount": "30"},
                      {"deal_id": "D2", "rep_id": "ann", "close_date": "2026-02-10",
                       "amount": "30"},
                      {"deal_id": "D3", "rep_id": "ann", "close_date": "2026-03-10",
                       "amount": "60"}],
            "quotas": [{"rep_id": "ann", "period": "2026", "amount": "365"}]}
    got = both(compiled, data, engine=sql_engine)
    ann = got.payee("ann")
    assert [ln.amount for ln in ann.lines if ln.component == "commission"] == \
        [D("0.60"), D("1.05"), D("4.50")]
    assert ann.total == D("6.15")
