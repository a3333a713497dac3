"""bench/plans/ae_scale.yaml written by hand in Polars: the second yardstick of issue 12.

    python bench/baselines/ae_polars.py DATA_DIR OUT_DIR

Exact money the way a Polars user gets it: integers of a fixed unit (amounts in
thousandths, since a renewal credits half a cent-amount; rates in basis points), the
running attainment as a cumulative sum, each deal split across the bands, half-up
rounding to the cent per line, and the lines file with the columns of compplan's
lines.csv. Results agree with compplan to the cent (bench/bench_scale.py checks).
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
    """Integer units of 10^-scale as decimal text (non-negative values)."""
    s = units.cast(pl.Utf8).str.pad_start(scale + 1, "0")
    return s.str.slice(0, s.str.len_chars() - scale) + "." + s.str.slice(-scale)


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

tier_parts = [pl.when(pl.col(f"b{i}") > 0).then(
    pl.lit(f"tier {i}: ") + text(pl.col(f"b{i}"), 3) + pl.lit(f" x {r}"))
    for i, r in enumerate(("0.04", "0.08", "0.12", "0.16"), 1)]
commission = credits.select(
    payee="rep_id", component=pl.lit("commission"), kind=pl.lit("credit"),
    amount=text(pl.col("cents"), 2), exact=text(pl.col("exact7"), 7),
    formula=pl.concat_str(tier_parts, separator=" + ", ignore_nulls=True)
    + pl.lit(" = ") + text(pl.col("cents"), 2),
    sources=pl.lit("deals:") + pl.col("deal_id"),
    tiers=pl.concat_str(tier_parts, separator="; ", ignore_nulls=True),
    basis_before=text(lo, 3), basis_after=text(pl.col("after"), 3),
    rule=pl.lit(f"{RULE}:54:3"), date=pl.col("close_date").cast(pl.Utf8),
    seq=pl.lit(1), o1=pl.col("close_date").cast(pl.Utf8), o2="deal_id", signed=pl.col("cents"))

paid = credits.group_by("rep_id").agg(paid=pl.col("cents").sum()).join(
    payees.select("rep_id", cap=pl.col("ti") * 5 // 2 // 10), on="rep_id")  # cap in cents
earned = paid.select("rep_id", commission=pl.min_horizontal("paid", "cap"))
cap_lines = paid.filter(pl.col("paid") > pl.col("cap")).select(
    payee="rep_id", component=pl.lit("commission"), kind=pl.lit("cap"),
    amount=pl.lit("-") + text(pl.col("paid") - pl.col("cap"), 2),
    exact=pl.lit("-") + text(pl.col("paid") - pl.col("cap"), 2),
    formula=pl.lit("cap ") + text(pl.col("cap"), 2) + pl.lit(" - paid ") + text(pl.col("paid"), 2),
    sources=pl.lit(""), tiers=pl.lit(""), basis_before=pl.lit(""), basis_after=pl.lit(""),
    rule=pl.lit(f"{RULE}:56:10"), date=pl.lit(""), seq=pl.lit(2), o1=pl.lit(""), o2=pl.lit(""),
    signed=pl.col("cap") - pl.col("paid"))
spiff = credits.filter((pl.col("type") == "new") & (pl.col("amt") > 10_000_000)).select(
    payee="rep_id", component=pl.lit("spiff_new_business"), kind=pl.lit("credit"),
    amount=pl.lit("250.00"), exact=pl.lit("250.00"), formula=pl.lit("250"),
    sources=pl.lit("deals:") + pl.col("deal_id"), tiers=pl.lit(""), basis_before=pl.lit(""),
    basis_after=pl.lit(""), rule=pl.lit(f"{RULE}:57:3"), date=pl.col("close_date").cast(pl.Utf8),
    seq=pl.lit(3), o1=pl.col("close_date").cast(pl.Utf8), o2="deal_id", signed=pl.lit(25_000))
booked = credits.group_by("rep_id").agg(booked=pl.col("credit").sum())
bonus_cents = pl.min_horizontal((pl.col("csat") * 200_000 + 90) // 180, pl.lit(120_000))
bonus = (booked.join(quotas, on="rep_id").join(kpis, on="rep_id")
         .filter((pl.col("csat") >= 85) & (pl.col("booked") >= pl.col("quota")))
         .select(payee="rep_id", component=pl.lit("csat_bonus"), kind=pl.lit("bonus"),
                 amount=text(bonus_cents, 2), exact=text(bonus_cents, 2),
                 formula=pl.lit("1000 x min(") + pl.col("csat").cast(pl.Utf8) + pl.lit(" / 90, 1.2)"),
                 sources=pl.lit(""), tiers=pl.lit(""), basis_before=pl.lit(""),
                 basis_after=pl.lit(""), rule=pl.lit(f"{RULE}:61:3"), date=pl.lit(""),
                 seq=pl.lit(4), o1=pl.lit(""), o2=pl.lit(""), signed=bonus_cents))
team = (payees.select("rep_id", "manager_id").join(earned, on="rep_id")
        .group_by("manager_id").agg(team=pl.col("commission").sum())
        .rename({"manager_id": "rep_id"}))
over = (payees.select("rep_id").join(team, on="rep_id", how="left")
        .with_columns(pl.col("team").fill_null(0))
        .with_columns(exact=pl.col("team") * 3, cents=(pl.col("team") * 3 + 50) // 100))
override = over.select(
    payee="rep_id", component=pl.lit("override"), kind=pl.lit("bonus"),
    amount=text(pl.col("cents"), 2), exact=text(pl.col("exact"), 4),
    formula=pl.lit("3% x ") + text(pl.col("team"), 2), sources=pl.lit(""), tiers=pl.lit(""),
    basis_before=pl.lit(""), basis_after=pl.lit(""), rule=pl.lit(f"{RULE}:65:3"), date=pl.lit(""),
    seq=pl.lit(5), o1=pl.lit(""), o2=pl.lit(""), signed=pl.col("cents"))

lines = (pl.concat([commission, cap_lines, spiff, bonus, override], how="vertical_relaxed")
         .sort("payee", "seq", "o1", "o2")
         .with_columns(line=pl.int_range(1, pl.len() + 1).over("payee"))
         .select("payee", "line", "component", "kind", "amount", "exact", "formula", "sources",
                 "tiers", "basis_before", "basis_after", "rule", "date"))
lines.sink_csv(f"{out}/lines.csv")
