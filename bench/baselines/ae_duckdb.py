"""bench/plans/ae_scale.yaml written by hand as DuckDB SQL: the yardstick of issue 12.

    python bench/baselines/ae_duckdb.py DATA_DIR OUT_DIR

What a capable analyst would write instead of compplan: exact DECIMAL money, the
running attainment as a window sum, each deal split across the bands in amount space,
half-up rounding per line, and a lines file with the columns compplan's lines.csv has
(payee, line, component, kind, amount, exact, formula, sources, tiers, basis before and
after, rule, date). DuckDB turns DECIMAL / DECIMAL into DOUBLE, so the only division
(the CSAT bonus) is done on integers.
"""
import os
import sys

import duckdb

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")
con.execute(f"""
CREATE VIEW payees AS SELECT * FROM read_csv('{data}/payees.csv', header = true, columns = {{
  'rep_id': 'VARCHAR', 'manager_id': 'VARCHAR', 'name': 'VARCHAR', 'region': 'VARCHAR',
  'target_incentive': 'DECIMAL(18,2)'}});
CREATE VIEW deals AS SELECT * FROM read_csv('{data}/deals.csv', header = true, columns = {{
  'deal_id': 'VARCHAR', 'rep_id': 'VARCHAR', 'close_date': 'DATE', 'amount': 'DECIMAL(18,2)',
  'product': 'VARCHAR', 'type': 'VARCHAR'}});
CREATE VIEW quotas AS SELECT * FROM read_csv('{data}/quotas.csv', header = true, columns = {{
  'rep_id': 'VARCHAR', 'period': 'VARCHAR', 'amount': 'DECIMAL(18,2)'}});
CREATE VIEW kpis AS SELECT * FROM read_csv('{data}/kpis.csv', header = true, columns = {{
  'rep_id': 'VARCHAR', 'period': 'VARCHAR', 'csat': 'INTEGER'}});
""")
con.execute("""
CREATE TEMP TABLE credit_lines AS
WITH credits AS (
  SELECT d.deal_id, d.rep_id, d.close_date, d.type, d.amount,
         CASE WHEN d.type = 'renewal' THEN d.amount * 0.50 ELSE d.amount END AS credit
  FROM deals d
  WHERE d.product <> 'services' AND d.close_date BETWEEN DATE '2026-01-01' AND DATE '2026-03-31'
), running AS (
  SELECT c.*, q.amount AS quota,
         SUM(c.credit) OVER (PARTITION BY c.rep_id ORDER BY c.close_date, c.deal_id
                             ROWS UNBOUNDED PRECEDING) AS after_amt
  FROM credits c JOIN quotas q ON q.rep_id = c.rep_id AND q.period = '2026-Q1'
), bands AS (
  SELECT *, after_amt - credit AS before_amt,
    greatest(least(after_amt, quota * 0.5) - greatest(after_amt - credit, 0), 0) AS b1,
    greatest(least(after_amt, quota) - greatest(after_amt - credit, quota * 0.5), 0) AS b2,
    greatest(least(after_amt, quota * 1.5) - greatest(after_amt - credit, quota), 0) AS b3,
    greatest(after_amt - greatest(after_amt - credit, quota * 1.5), 0) AS b4
  FROM running
)
SELECT rep_id, deal_id, close_date, type, amount, credit, before_amt, after_amt, quota,
       b1::DECIMAL(18,4) AS b1, b2::DECIMAL(18,4) AS b2, b3::DECIMAL(18,4) AS b3,
       b4::DECIMAL(18,4) AS b4,
       (b1 * 0.04 + b2 * 0.08 + b3 * 0.12 + b4 * 0.16)::DECIMAL(18,6) AS exact
FROM bands
""")
con.execute(f"""
COPY (
WITH commission AS (
  SELECT rep_id AS payee, 'commission' AS component, 'credit' AS kind,
         round(exact, 2) AS amount, exact,
         concat_ws(' + ',
           CASE WHEN b1 > 0 THEN b1 || ' x 4%' END, CASE WHEN b2 > 0 THEN b2 || ' x 8%' END,
           CASE WHEN b3 > 0 THEN b3 || ' x 12%' END, CASE WHEN b4 > 0 THEN b4 || ' x 16%' END)
           || ' = ' || round(exact, 2) AS formula,
         'deals:' || deal_id AS sources,
         concat_ws('; ',
           CASE WHEN b1 > 0 THEN 'tier 1: ' || b1 || ' x 0.04 = ' || b1 * 0.04 END,
           CASE WHEN b2 > 0 THEN 'tier 2: ' || b2 || ' x 0.08 = ' || b2 * 0.08 END,
           CASE WHEN b3 > 0 THEN 'tier 3: ' || b3 || ' x 0.12 = ' || b3 * 0.12 END,
           CASE WHEN b4 > 0 THEN 'tier 4: ' || b4 || ' x 0.16 = ' || b4 * 0.16 END) AS tiers,
         before_amt AS basis_before, after_amt AS basis_after,
         'bench/plans/ae_scale.yaml:54:3' AS rule, close_date AS date, 1 AS seq,
         close_date AS o1, deal_id AS o2
  FROM credit_lines
), capped AS (
  SELECT c.payee, sum(c.amount) AS paid, p.target_incentive * 2.5 AS cap
  FROM commission c JOIN payees p ON p.rep_id = c.payee GROUP BY c.payee, p.target_incentive
), cap_lines AS (
  SELECT payee, 'commission', 'cap', cap - paid, cap - paid,
         'cap ' || cap || ' - paid ' || paid, '', '', NULL, NULL,
         'bench/plans/ae_scale.yaml:56:10', NULL, 2, NULL, NULL
  FROM capped WHERE paid > cap
), earned AS (
  SELECT c.payee, least(c.paid, c.cap) AS commission FROM capped c
), spiff AS (
  SELECT rep_id, 'spiff_new_business', 'credit', 250.00, 250.00, '250', 'deals:' || deal_id,
         '', NULL, NULL, 'bench/plans/ae_scale.yaml:57:3', close_date, 3, close_date, deal_id
  FROM credit_lines WHERE type = 'new' AND amount > 10000
), booked AS (
  SELECT rep_id, sum(credit) AS booked FROM credit_lines GROUP BY rep_id
), bonus AS (
  SELECT p.rep_id, 'csat_bonus', 'bonus',
         -- 1,000 x min(csat / 90, 1.2), half up to the cent, in integers
         least((k.csat::BIGINT * 200000 + 90) // 180, 120000)::DECIMAL(18,2) * 0.01 AS amount,
         NULL, '1000 x min(' || k.csat || ' / 90, 1.2)', '', '', NULL, NULL,
         'bench/plans/ae_scale.yaml:61:3', NULL, 4, NULL, NULL
  FROM payees p JOIN booked b ON b.rep_id = p.rep_id
       JOIN quotas q ON q.rep_id = p.rep_id AND q.period = '2026-Q1'
       JOIN kpis k ON k.rep_id = p.rep_id AND k.period = '2026-Q1'
  WHERE k.csat >= 85 AND b.booked >= q.amount
), override AS (
  SELECT p.rep_id, 'override', 'bonus', round(0.03 * coalesce(sum(e.commission), 0), 2),
         0.03 * coalesce(sum(e.commission), 0), '3% x ' || coalesce(sum(e.commission), 0),
         '', '', NULL, NULL, 'bench/plans/ae_scale.yaml:65:3', NULL, 5, NULL, NULL
  FROM payees p LEFT JOIN payees r ON r.manager_id = p.rep_id
       LEFT JOIN earned e ON e.payee = r.rep_id
  GROUP BY p.rep_id
), all_lines AS (
  SELECT * FROM commission UNION ALL SELECT * FROM cap_lines UNION ALL SELECT * FROM spiff
  UNION ALL SELECT * FROM bonus UNION ALL SELECT * FROM override
)
SELECT payee, row_number() OVER (PARTITION BY payee ORDER BY seq, o1, o2) AS line,
       component, kind, amount, exact, formula, sources, tiers, basis_before, basis_after,
       rule, date
FROM all_lines
) TO '{out}/lines.csv' (HEADER)
""")
