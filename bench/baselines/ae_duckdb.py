"""bench/plans/ae_scale.yaml written by hand as DuckDB SQL: the yardstick of issue 12.

    python bench/baselines/ae_duckdb.py DATA_DIR OUT_DIR

What a capable analyst would write instead of compplan: exact DECIMAL money, the
running attainment as a window sum, each deal split across the bands in amount space,
half-up rounding per line, and a lines file with the 16 columns of compplan's lines.csv
(payee, line, component, kind, amount, exact, formula, inputs, sources, tiers, basis
before and after, rounding, rule, date, note), worded as compplan words them: money in
formulas thousands separated, exact values without trailing zeros, the inputs each
line read, the running attainment as the basis, the rounding note where the amount is
not the exact value. DuckDB turns DECIMAL / DECIMAL into DOUBLE, so the divisions
(attainment, the CSAT bonus) are done on integers, at 16 places rounded half up as
compplan's rule says (docs/language.md).
"""
import os
import sys

import duckdb

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
RULE = "bench/plans/ae_scale.yaml"
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
-- money as a reader sees it: half up to the cent, thousands separated
CREATE MACRO money(x) AS (CASE WHEN x < 0 THEN '-' ELSE '' END)
  || format('{{:,}}', CAST(abs(round(x, 2)) * 100 AS BIGINT) // 100) || '.'
  || lpad(CAST(CAST(abs(round(x, 2)) * 100 AS BIGINT) % 100 AS VARCHAR), 2, '0');
-- an exact decimal (scale > 0) without its trailing zeros: 4000.0000 -> 4000
CREATE MACRO num(x) AS regexp_replace(CAST(x AS VARCHAR), '\\.?0+$', '');
-- a / b at 16 places, half up, as text (a, b integers; b > 0)
CREATE MACRO ratio16(a, b) AS num(CAST(sign(a) * ((2 * abs(a) * CAST(1e16 AS HUGEINT) + b)
  // (2 * b)) AS DECIMAL(38,0)) * CAST(0.0000000000000001 AS DECIMAL(17,16)));
CREATE MACRO rounding(exact, amount) AS CASE WHEN exact <> amount THEN
  num(exact) || ' -> ' || CAST(amount AS VARCHAR) || ' (half up to 0.01)' END;
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
         round(exact, 2) AS amount, num(exact) AS exact,
         concat_ws(' + ',
           CASE WHEN b1 > 0 THEN money(b1) || ' x 4%' END,
           CASE WHEN b2 > 0 THEN money(b2) || ' x 8%' END,
           CASE WHEN b3 > 0 THEN money(b3) || ' x 12%' END,
           CASE WHEN b4 > 0 THEN money(b4) || ' x 16%' END) || ' = ' || money(exact) AS formula,
         'bookings.value=' || num(credit) || '; amount=' || num(amount) || '; type=' || type
           AS inputs,
         'deals:' || deal_id AS sources,
         concat_ws('; ',
           CASE WHEN b1 > 0 THEN 'tier 1: ' || num(b1) || ' x 0.04 = ' || num(b1 * 0.04) END,
           CASE WHEN b2 > 0 THEN 'tier 2: ' || num(b2) || ' x 0.08 = ' || num(b2 * 0.08) END,
           CASE WHEN b3 > 0 THEN 'tier 3: ' || num(b3) || ' x 0.12 = ' || num(b3 * 0.12) END,
           CASE WHEN b4 > 0 THEN 'tier 4: ' || num(b4) || ' x 0.16 = ' || num(b4 * 0.16) END)
           AS tiers,
         -- the basis is the running attainment: running credit / quota
         ratio16(CAST(before_amt * 10000 AS HUGEINT), CAST(quota * 10000 AS HUGEINT))
           AS basis_before,
         ratio16(CAST(after_amt * 10000 AS HUGEINT), CAST(quota * 10000 AS HUGEINT))
           AS basis_after,
         rounding(exact, round(exact, 2)) AS rounding,
         '{RULE}:54:3' AS rule, close_date AS date, NULL AS note, 1 AS seq,
         close_date AS o1, deal_id AS o2
  FROM credit_lines
), capped AS (
  SELECT c.payee, sum(c.amount) AS paid, p.target_incentive * 2.5 AS cap, p.target_incentive
  FROM commission c JOIN payees p ON p.rep_id = c.payee GROUP BY c.payee, p.target_incentive
), cap_lines AS (
  SELECT payee, 'commission', 'cap', cap - paid, num(cap - paid),
         'Cap reached: commission limited to 250% x ' || money(target_incentive) || ' = '
           || money(cap), NULL, NULL, NULL, NULL, NULL, NULL,
         '{RULE}:57:15', NULL, NULL, 2, NULL, NULL
  FROM capped WHERE paid > cap
), earned AS (
  SELECT c.payee, least(c.paid, c.cap) AS commission FROM capped c
), spiff AS (
  SELECT rep_id, 'spiff_new_business', 'credit', 250.00, '250', '250 = 250.00',
         'bookings.value=' || num(credit) || '; amount=' || num(amount) || '; type=' || type,
         'deals:' || deal_id, NULL, NULL, NULL, NULL, '{RULE}:58:3', close_date, NULL, 3,
         close_date, deal_id
  FROM credit_lines WHERE type = 'new' AND amount > 10000
), booked AS (
  SELECT rep_id, sum(credit) AS booked FROM credit_lines GROUP BY rep_id
), bonus_exact AS (
  -- 1,000 x min(csat / 90, 1.2): csat / 90 at 16 places, half up, in integers
  SELECT p.rep_id, k.csat, b.booked, q.amount AS quota,
         CAST(least((k.csat * CAST(2e16 AS HUGEINT) + 90) // 180, CAST(1.2e16 AS HUGEINT))
              AS DECIMAL(38,0)) * CAST(0.0000000000001 AS DECIMAL(14,13)) AS exact
  FROM payees p JOIN booked b ON b.rep_id = p.rep_id
       JOIN quotas q ON q.rep_id = p.rep_id AND q.period = '2026-Q1'
       JOIN kpis k ON k.rep_id = p.rep_id AND k.period = '2026-Q1'
  WHERE k.csat >= 85 AND b.booked >= q.amount
), bonus AS (
  SELECT rep_id, 'csat_bonus', 'bonus', round(exact, 2), num(exact),
         '1000 x min(' || csat || ' / 90, 1.2) = ' || money(exact),
         'kpis.csat=' || csat || '; attainment='
           || ratio16(CAST(booked * 10000 AS HUGEINT), CAST(quota * 10000 AS HUGEINT)),
         NULL, NULL, NULL, NULL, rounding(exact, round(exact, 2)), '{RULE}:62:3', NULL, NULL,
         4, NULL, NULL
  FROM bonus_exact
), team AS (
  SELECT p.rep_id, coalesce(sum(e.commission), 0) AS team
  FROM payees p LEFT JOIN payees r ON r.manager_id = p.rep_id
       LEFT JOIN earned e ON e.payee = r.rep_id
  GROUP BY p.rep_id
), override AS (
  SELECT t.rep_id, 'override', 'bonus', round(0.03 * t.team, 2), num(0.03 * t.team),
         '3% x team commission ' || money(t.team) || ' = ' || money(0.03 * t.team),
         'commission=' || num(coalesce(e.commission, 0)), NULL, NULL, NULL, NULL,
         rounding(0.03 * t.team, round(0.03 * t.team, 2)), '{RULE}:65:3', NULL, NULL, 5,
         NULL, NULL
  FROM team t LEFT JOIN earned e ON e.payee = t.rep_id
), all_lines AS (
  SELECT * FROM commission UNION ALL SELECT * FROM cap_lines UNION ALL SELECT * FROM spiff
  UNION ALL SELECT * FROM bonus UNION ALL SELECT * FROM override
)
SELECT payee, row_number() OVER (PARTITION BY payee ORDER BY seq, o1, o2) AS line,
       component, kind, amount, exact, formula, inputs, sources, tiers, basis_before,
       basis_after, rounding, rule, date, note
FROM all_lines ORDER BY payee, line
) TO '{out}/lines.csv' (HEADER, NEW_LINE '\\r\\n')
""")
