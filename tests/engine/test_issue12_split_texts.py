"""Issue 12 (speed): a per-credit split's texts written from the bands' columns
(engine/sql/splits.py) read exactly as those written from the list of DECIMAL(38,16)
parts, which the differential tests hold to the Python engine's words."""
from decimal import Decimal

import duckdb
import pytest

from compplan.engine.sql import show, splits
from compplan.engine.sql.decimals import Num
from compplan.engine.sql.plan import TIERS_TYPE, _part

RATES = {0: Decimal(0), 1: Decimal("0.04"), 2: Decimal("0.125"), 3: Decimal("1.5")}
RATE_TEXTS = {0: "0%", 1: "4%", 2: "12.5%", 3: "150%"}


def _split(scale: int) -> splits.SplitParts:
    parts = [(t, Num(f"a{t}", scale), RATES[t], Num(f"p{t}", scale + 3), f"a{t} <> 0")
             for t in (1, 2, 3)]
    return splits.SplitParts("moved", parts, "band", Num("za", scale), Num("zp", scale + 3),
                             RATES)


# (moved, band, value, each band's amount): a credit across two bands, one inside a band,
# a negative one, one that does not move the basis, amounts of 0 and with no places
CASES = [(True, 1, "0", ["100.5", "3.25", "0"]), (True, 1, "0", ["0", "7", "0"]),
         (True, 1, "0", ["-12.125", "-0.5", "0"]), (False, 2, "40.10", ["0", "0", "0"]),
         (False, 0, "0", ["0", "0", "0"]), (True, 1, "0", ["0", "0", "0"]),
         (True, 1, "0", ["1000000", "2500000.001", "3"])]


@pytest.mark.parametrize("scale", [0, 3])
@pytest.mark.parametrize("case", CASES)
def test_texts_from_columns_read_as_from_the_list(case, scale):
    moved, band, value, amounts = case
    if scale == 0:
        amounts = [a.split(".")[0] for a in amounts]
        value = value.split(".")[0]
    con = duckdb.connect()
    t = f"DECIMAL(38,{scale})"
    p = f"DECIMAL(38,{scale + 3})"
    cols = [f"{moved} AS moved", f"{band} AS band", f"CAST('{value}' AS {t}) AS za",
            f"CAST(CAST('{value}' AS {t}) * {RATES[band]} AS {p}) AS zp"]
    for i, a in enumerate(amounts, 1):
        cols += [f"CAST('{a}' AS {t}) AS a{i}",
                 f"CAST(CAST('{a}' AS {t}) * {RATES[i]} AS {p}) AS p{i}"]
    con.execute(f"CREATE TABLE c AS SELECT {', '.join(cols)}")
    split = _split(scale)
    inner, _ = splits.columns(split, "_s_")
    items = ", ".join(f"CASE WHEN a{i} <> 0 THEN {_part(i, f'a{i}', str(RATES[i]), f'p{i}')} END"
                      for i in (1, 2, 3))
    rate_here = "(CASE band WHEN 1 THEN 0.04 WHEN 2 THEN 0.125 WHEN 3 THEN 1.5 ELSE 0 END)"
    listed = (f"CAST(CASE WHEN moved THEN [x FOR x IN [{items}] IF x IS NOT NULL] ELSE "
              f"[{_part('band', 'za', rate_here, 'zp')}] END AS {TIERS_TYPE})")
    got = con.execute(
        f"SELECT {splits.lines_text(split, '_s_')}, {splits.lines_list_text('l', 4)}, "
        f"{splits.formula_text(split, '_s_', RATE_TEXTS)}, "
        f"{show.split('l', RATE_TEXTS)} FROM (SELECT {', '.join(inner)}, {listed} AS l "
        "FROM c)").fetchone()
    assert got[0] == got[1]
    assert got[2] == got[3]


def test_the_texts_themselves():
    """One credit across bands 1 and 2 at scale 3: 100.5 x 4% = 4.02, 3.25 x 12.5% =
    0.40625; lines.csv shows exact values without trailing zeros, the formula money."""
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT TRUE AS moved, 1 AS band, CAST(0 AS DECIMAL(38,3)) "
                "AS za, CAST(0 AS DECIMAL(38,6)) AS zp, CAST(100.5 AS DECIMAL(38,3)) AS a1, "
                "CAST(4.02 AS DECIMAL(38,6)) AS p1, CAST(3.25 AS DECIMAL(38,3)) AS a2, "
                "CAST(0.40625 AS DECIMAL(38,6)) AS p2, CAST(0 AS DECIMAL(38,3)) AS a3, "
                "CAST(0 AS DECIMAL(38,6)) AS p3")
    split = _split(3)
    inner, _ = splits.columns(split, "_s_")
    text, formula = con.execute(
        f"SELECT {splits.lines_text(split, '_s_')}, "
        f"{splits.formula_text(split, '_s_', RATE_TEXTS)} FROM (SELECT {', '.join(inner)} "
        "FROM c)").fetchone()
    assert text == "tier 1: 100.5 x 0.04 = 4.02; tier 2: 3.25 x 0.125 = 0.40625"
    assert formula == "(100.50 x 4% + 3.25 x 12.5%)"
