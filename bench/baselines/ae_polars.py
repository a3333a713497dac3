"""bench/plans/ae_scale.yaml written by hand in Polars: the second yardstick of issue 12.

    python bench/baselines/ae_polars.py DATA_DIR OUT_DIR

Exact money the way a Polars user gets it: integers of a fixed unit (amounts in
thousandths, since a renewal credits half a cent-amount; rates in basis points; the
running attainment in 128-bit units of 10^-16, rounded half up as compplan's rule says),
the running attainment as a cumulative sum, each deal split across the bands, half-up
rounding to the cent per line, and the lines file with the 16 columns of compplan's
lines.csv, worded as compplan words them (money in formulas thousands separated, exact
values without trailing zeros, the inputs each line read, the rounding note). Results
agree with compplan to the cent (bench/bench_scale.py checks).
"""
import os
import sys

import polars as pl

data, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
RULE = "bench/plans/ae_scale.yaml"


def milli(col: str) -> pl.Expr:
    """A money column read as text, to integer thousandths, exactly (no float)."""
    parts = pl.col(col).str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64)
    frac = parts.struct.field("field_1").fill_null("").str.pad_end(3, "0").str.slice(0, 3)
    return whole * 1000 + frac.cast(pl.Int64)


def text(units: pl.Expr, scale: int) -> pl.Expr:
    """Integer units of 10^-scale as decimal text with all its places."""
    s = units.abs().cast(pl.Utf8).str.pad_start(scale + 1, "0")
    sign = pl.when(units < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return sign + s.str.slice(0, s.str.len_chars() - scale) + "." + s.str.slice(-scale)


def num(units: pl.Expr, scale: int) -> pl.Expr:
    """The exact value without trailing zeros: 4000.000 -> 4000."""
    return text(units, scale).str.replace(r"\.?0+$", "")


def pad3(x: pl.Expr) -> pl.Expr:
    return x.cast(pl.Utf8).str.pad_start(3, "0")


def money(units: pl.Expr, scale: int) -> pl.Expr:
    """Units of 10^-scale (not negative) as a reader sees money: half up to the cent,
    thousands separated."""
    cents = units if scale == 2 else (units + 5 * 10 ** (scale - 3)) // 10 ** (scale - 2)
    w = cents // 100
    whole = (pl.when(w < 1000).then(w.cast(pl.Utf8))
             .when(w < 1_000_000).then((w // 1000).cast(pl.Utf8) + "," + pad3(w % 1000))
             .when(w < 1_000_000_000).then((w // 1_000_000).cast(pl.Utf8) + ","
                                           + pad3(w // 1000 % 1000) + "," + pad3(w % 1000))
             .otherwise((w // 1_000_000_000).cast(pl.Utf8) + "," + pad3(w // 1_000_000 % 1000)
                        + "," + pad3(w // 1000 % 1000) + "," + pad3(w % 1000)))
    return whole + "." + (cents % 100).cast(pl.Utf8).str.pad_start(2, "0")


def ratio16(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a / b at 16 places, rounded half up (b > 0), as text without trailing zeros."""
    a, b = a.cast(pl.Int128), b.cast(pl.Int128)
    units = (2 * a.abs() * 10 ** 16 + b) // (2 * b)
    return num(pl.when(a < 0).then(-units).otherwise(units), 16)


def rounding(exact: pl.Expr, scale: int, cents: pl.Expr) -> pl.Expr:
    """The rounding note where the amount is not the exact value."""
    return pl.when(exact != cents * 10 ** (scale - 2)).then(
        num(exact, scale) + " -> " + text(cents, 2) + " (half up to 0.01)")


payees = pl.scan_csv(f"{data}/payees.csv", schema_overrides={"target_incentive": pl.Utf8,
                                                              "manager_id": pl.Utf8})
payees = payees.with_columns(ti=milli("target_incentive"))
quotas = pl.scan_csv(f"{data}/quotas.csv", schema_overrides={"amount": pl.Utf8}).filter(
    pl.col("period") == "2026-Q1").select("rep_id", quota=milli("amount"))
kpis = pl.scan_csv(f"{data}/kpis.csv").filter(pl.col("period") == "2026-Q1").select(
    "rep_id", "csat")
deals = pl.scan_csv(f"{data}/deals.csv", schema_overrides={"amount": pl.Utf8}).with_columns(
    pl.col("close_date").str.to_date(), amt=milli("amount"))

credits = (deals.filter((pl.col("product") != "services")
                        & pl.col("close_date").is_between(pl.date(2026, 1, 1),
                                                          pl.date(2026, 3, 31)))
           .with_columns(credit=pl.when(pl.col("type") == "renewal")
                         .then(pl.col("amt") // 2).otherwise(pl.col("amt")))
           .join(quotas, on="rep_id")
           .sort("rep_id", "close_date", "deal_id")
           .with_columns(after=pl.col("credit").cum_sum().over("rep_id")))
# amounts of thousandths: halves of cents are exact (amt is a whole number of cents x 10)
lo = pl.col("after") - pl.col("credit")


def band(low: pl.Expr | None, high: pl.Expr | None) -> pl.Expr:
    top = pl.col("after") if high is None else pl.min_horizontal(pl.col("after"), high)
    bottom = lo if low is None else pl.max_horizontal(lo, low)
    return pl.max_horizontal(top - bottom, pl.lit(0))


q = pl.col("quota")
credits = credits.with_columns(
    b1=band(None, q // 2), b2=band(q // 2, q), b3=band(q, q * 3 // 2), b4=band(q * 3 // 2, None))
# exact commission in units of 10^-7 (thousandths x basis points), half up to the cent
credits = credits.with_columns(
    exact7=pl.col("b1") * 400 + pl.col("b2") * 800 + pl.col("b3") * 1200 + pl.col("b4") * 1600)
credits = credits.with_columns(cents=(pl.col("exact7") + 50_000) // 100_000).collect().lazy()

RATES = ((1, "4%", "0.04", 4), (2, "8%", "0.08", 8), (3, "12%", "0.12", 12),
         (4, "16%", "0.16", 16))
formula_parts = [pl.when(pl.col(f"b{i}") > 0).then(money(pl.col(f"b{i}"), 3) + f" x {pct}")
                 for i, pct, _r, _n in RATES]
tier_parts = [pl.when(pl.col(f"b{i}") > 0).then(
    f"tier {i}: " + num(pl.col(f"b{i}"), 3) + f" x {r} = " + num(pl.col(f"b{i}") * n, 5))
    for i, _p, r, n in RATES]
inputs = ("bookings.value=" + num(pl.col("credit"), 3) + "; amount=" + num(pl.col("amt"), 3)
          + "; type=" + pl.col("type"))
commission = credits.select(
    payee="rep_id", component=pl.lit("commission"), kind=pl.lit("credit"),
    amount=text(pl.col("cents"), 2), exact=num(pl.col("exact7"), 7),
    formula=pl.concat_str(formula_parts, separator=" + ", ignore_nulls=True)
    + " = " + money(pl.col("cents"), 2),
    inputs=inputs, sources="deals:" + pl.col("deal_id"),
    tiers=pl.concat_str(tier_parts, separator="; ", ignore_nulls=True),
    # the basis is the running attainment: running credit / quota
    basis_before=ratio16(lo, q), basis_after=ratio16(pl.col("after"), q),
    rounding=rounding(pl.col("exact7"), 7, pl.col("cents")),
    rule=pl.lit(f"{RULE}:54:3"), date=pl.col("close_date").cast(pl.Utf8), note=pl.lit(None),
    seq=pl.lit(1), o1=pl.col("close_date").cast(pl.Utf8), o2="deal_id")
EMPTY = dict(inputs=pl.lit(None), sources=pl.lit(None), tiers=pl.lit(None),
             basis_before=pl.lit(None), basis_after=pl.lit(None))

paid = credits.group_by("rep_id").agg(paid=pl.col("cents").sum()).join(
    payees.select("rep_id", "ti", cap=pl.col("ti") * 5 // 2 // 10), on="rep_id")  # cap in cents
earned = paid.select("rep_id", commission=pl.min_horizontal("paid", "cap"))
cap_lines = paid.filter(pl.col("paid") > pl.col("cap")).select(
    payee="rep_id", component=pl.lit("commission"), kind=pl.lit("cap"),
    amount=text(pl.col("cap") - pl.col("paid"), 2), exact=num(pl.col("cap") - pl.col("paid"), 2),
    formula="Cap reached: commission limited to 250% x " + money(pl.col("ti"), 3) + " = "
    + money(pl.col("cap"), 2), **EMPTY, rounding=pl.lit(None),
    rule=pl.lit(f"{RULE}:57:15"), date=pl.lit(None), note=pl.lit(None), seq=pl.lit(2),
    o1=pl.lit(""), o2=pl.lit(""))
spiff = credits.filter((pl.col("type") == "new") & (pl.col("amt") > 10_000_000)).select(
    payee="rep_id", component=pl.lit("spiff_new_business"), kind=pl.lit("credit"),
    amount=pl.lit("250.00"), exact=pl.lit("250"), formula=pl.lit("250 = 250.00"),
    inputs=inputs, sources="deals:" + pl.col("deal_id"), tiers=pl.lit(None),
    basis_before=pl.lit(None), basis_after=pl.lit(None), rounding=pl.lit(None),
    rule=pl.lit(f"{RULE}:58:3"), date=pl.col("close_date").cast(pl.Utf8), note=pl.lit(None),
    seq=pl.lit(3), o1=pl.col("close_date").cast(pl.Utf8), o2="deal_id")
booked = credits.group_by("rep_id").agg(booked=pl.col("credit").sum())
# 1,000 x min(csat / 90, 1.2): csat / 90 at 16 places, half up; x 1000 leaves 13 places
bonus_exact = pl.min_horizontal((pl.col("csat").cast(pl.Int128) * 2 * 10 ** 16 + 90) // 180,
                                pl.lit(12 * 10 ** 15, dtype=pl.Int128))
bonus = (booked.join(quotas, on="rep_id").join(kpis, on="rep_id")
         .filter((pl.col("csat") >= 85) & (pl.col("booked") >= pl.col("quota")))
         .with_columns(exact=bonus_exact)
         .with_columns(cents=((pl.col("exact") + 5 * 10 ** 10) // 10 ** 11).cast(pl.Int64))
         .select(payee="rep_id", component=pl.lit("csat_bonus"), kind=pl.lit("bonus"),
                 amount=text(pl.col("cents"), 2), exact=num(pl.col("exact"), 13),
                 formula="1000 x min(" + pl.col("csat").cast(pl.Utf8) + " / 90, 1.2) = "
                 + money(pl.col("cents"), 2),
                 inputs="kpis.csat=" + pl.col("csat").cast(pl.Utf8) + "; attainment="
                 + ratio16(pl.col("booked"), pl.col("quota")),
                 sources=pl.lit(None), tiers=pl.lit(None), basis_before=pl.lit(None),
                 basis_after=pl.lit(None), rounding=rounding(pl.col("exact"), 13, pl.col("cents")),
                 rule=pl.lit(f"{RULE}:62:3"), date=pl.lit(None), note=pl.lit(None),
                 seq=pl.lit(4), o1=pl.lit(""), o2=pl.lit("")))
team = (payees.select("rep_id", "manager_id").join(earned, on="rep_id")
        .group_by("manager_id").agg(team=pl.col("commission").sum())
        .rename({"manager_id": "rep_id"}))
over = (payees.select("rep_id").join(team, on="rep_id", how="left")
        .join(earned, on="rep_id", how="left")
        .with_columns(pl.col("team").fill_null(0), pl.col("commission").fill_null(0))
        .with_columns(exact=pl.col("team") * 3, cents=(pl.col("team") * 3 + 50) // 100))
override = over.select(
    payee="rep_id", component=pl.lit("override"), kind=pl.lit("bonus"),
    amount=text(pl.col("cents"), 2), exact=num(pl.col("exact"), 4),
    formula="3% x team commission " + money(pl.col("team"), 2) + " = "
    + money(pl.col("cents"), 2),
    inputs="commission=" + num(pl.col("commission"), 2), sources=pl.lit(None),
    tiers=pl.lit(None), basis_before=pl.lit(None), basis_after=pl.lit(None),
    rounding=rounding(pl.col("exact"), 4, pl.col("cents")), rule=pl.lit(f"{RULE}:65:3"),
    date=pl.lit(None), note=pl.lit(None), seq=pl.lit(5), o1=pl.lit(""), o2=pl.lit(""))

COLUMNS = ("payee", "line", "component", "kind", "amount", "exact", "formula", "inputs",
           "sources", "tiers", "basis_before", "basis_after", "rounding", "rule", "date", "note")
lines = (pl.concat([commission, cap_lines, spiff, bonus, override], how="vertical_relaxed")
         .sort("payee", "seq", "o1", "o2")
         .with_columns(line=pl.int_range(1, pl.len() + 1).over("payee"))
         .select(*(pl.col(c).cast(pl.Utf8) if c == "note" else pl.col(c) for c in COLUMNS)))
lines.sink_csv(f"{out}/lines.csv", line_terminator="\r\n")
