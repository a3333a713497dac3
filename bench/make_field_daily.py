"""Writes plans/data/field_daily/: the field-sales sample with daily targets (issue 9).

Four salespeople, last year's monthly actuals (history.csv, with March 2026's targets
for last period's attainment), a working-day calendar with a holiday everywhere and one
in the North, April 2026's visits, order lines and openings built to exact totals (so
the tests can check them by hand), and the targets files made the way a planner makes
them: proposed from history, approved and exported (compplan targets ...).

    python bench/make_field_daily.py
"""
from __future__ import annotations

import csv
import random
import tempfile
from decimal import Decimal as D
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "plans" / "data" / "field_daily"

PAYEES = [  # id, name, route, territory, hired, kpi bonus
    ("rita", "Rita Ruiz", "R-North", "North", "2023-02-01", "1000"),
    ("sid", "Sid Shah", "R-South", "South", "2022-07-01", "1000"),
    ("tom", "Tom Tan", "R-East", "East", "2021-03-15", "1200"),
    ("ula", "Ula Ueda", "R-West", "West", "2026-03-16", "800"),
]
# April 2025 actuals: the base the April 2026 targets grow from
APRIL_2025 = {
    "rita": dict(revenue="9500.00", coverage=40, productive_calls=100, lppc="2.40",
                 new_outlets=4, aso=30, focus_lines=60),
    "sid": dict(revenue="11000.00", coverage=42, productive_calls=110, lppc="2.50",
                new_outlets=5, aso=32, focus_lines=70),
    "tom": dict(revenue="12000.00", coverage=45, productive_calls=120, lppc="2.60",
                new_outlets=3, aso=35, focus_lines=80),
}
SEASON = [D("0.90"), D("0.88"), D("1.00"), D("1.00"), D("1.02"), D("1.05"), D("1.08"),
          D("1.06"), D("1.00"), D("0.98"), D("1.00"), D("1.10")]
MARCH_ATTAINMENT = {"rita": D("1.04"), "sid": D("0.86"), "tom": D("1.12")}
# April 2026 as it happened: outlets visited, productive calls, order lines, outlets
# that ordered, focus lines, revenue, openings (first orders) and non-productive visits
APRIL_2026 = {
    "rita": dict(V=40, PC=110, L=280, A=33, F=60, R="10500.00",
                 open=["120.00", "80.00", "55.00", "140.00", "60.00", "35.00"], NP=30),
    "sid": dict(V=38, PC=100, L=240, A=30, F=80, R="11000.00",
                open=["75.00", "50.00", "90.00"], NP=30),
    "tom": dict(V=46, PC=140, L=380, A=40, F=100, R="15000.00",
                open=["65.00", "110.00", "50.00", "70.00", "20.00"], NP=30),
    "ula": dict(V=20, PC=50, L=110, A=16, F=30, R="5000.00", open=["60.00", "85.00"], NP=15),
}
CALENDAR = """\
# Working days of the field teams: Monday to Saturday. Holidays everywhere (all) or in
# one territory (a payee's `territory` column). Targets are split into days by these.
calendar: field-2026
workdays: [mon, tue, wed, thu, fri, sat]
holidays:
  all:
    2026-01-01: New Year's Day
    2026-04-03: Good Friday
    2026-05-01: Labour Day
    2026-12-25: Christmas Day
  North:
    2026-04-10: Harvest festival (North only)
"""
HIERARCHY = [("company", "", "company", "Field sales"),
             ("team-nw", "company", "team", "North and West"),
             ("team-se", "company", "team", "South and East"),
             ("rita", "team-nw", "payee", "Rita Ruiz"), ("ula", "team-nw", "payee", "Ula Ueda"),
             ("sid", "team-se", "payee", "Sid Shah"), ("tom", "team-se", "payee", "Tom Tan")]


def write(name, header, rows):
    with (OUT / name).open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def scaled(value, factor, kpi):
    v = D(str(value)) * factor
    if kpi == "revenue":
        return v.quantize(D("0.01"))
    if kpi == "lppc":
        return v.quantize(D("0.01"))
    return int(v.quantize(D(1)))


def history_rows():
    rows = []
    for who, base in APRIL_2025.items():
        for year, growth in ((2025, D(1)), (2026, D("1.05"))):
            for month in range(1, 13 if year == 2025 else 4):
                label = f"{year}-{month:02d}"
                for kpi, v in base.items():
                    factor = growth * SEASON[month - 1] / SEASON[3]
                    if kpi == "lppc":
                        factor = growth
                    actual = scaled(v, factor, kpi)
                    target = ""
                    if label == "2026-03":
                        target = scaled(actual, 1 / MARCH_ATTAINMENT[who], kpi)
                    rows.append([who, kpi, label, actual, target])
    # ula joined on 16 March 2026: half a month, at 75% of a ramped target
    for kpi, actual, target in (("revenue", "2100.00", "2800.00"), ("coverage", 15, 20),
                                ("productive_calls", 30, 40), ("lppc", "2.10", "2.80"),
                                ("new_outlets", 1, 1), ("aso", 9, 12), ("focus_lines", 15, 20)):
        rows.append(["ula", kpi, "2026-03", actual, target])
    return rows


def april_rows():
    from compplan.periods import parse_period
    from compplan.targets.calendar import load_calendar
    from compplan.targets.split import largest_remainder
    cal, _ = load_calendar(OUT / "calendar.yaml")
    april = parse_period("2026-04")
    visits, lines, openings = [], [], []
    rnd = random.Random(2026)
    for who, _, _, territory, _, _ in PAYEES:
        a = APRIL_2026[who]
        days = cal.working_days(april.start, april.end, territory)
        plan = [("P", j % a["A"]) for j in range(a["PC"])] + \
               [("N", a["A"] + k % (a["V"] - a["A"])) for k in range(a["NP"])]
        rnd.shuffle(plan)
        productive = []
        for i, (kind, outlet) in enumerate(plan):
            vid = f"V-{who}-{i + 1:03d}"
            day = days[i * len(days) // len(plan)]
            visits.append([vid, who, day.isoformat(), f"{who[0].upper()}-{outlet + 1:02d}"])
            if kind == "P":
                productive.append((vid, day, f"{who[0].upper()}-{outlet + 1:02d}"))
        per, extra = divmod(a["L"], a["PC"])
        weights = [1 + (k * 7) % 11 for k in range(a["L"])]
        amounts = largest_remainder(D(a["R"]), weights)
        focus = set(rnd.sample(range(a["L"]), a["F"]))
        k = 0
        for j, (vid, day, outlet) in enumerate(productive):
            for _ in range(per + (1 if j < extra else 0)):
                sku = "FX-COLA-330" if k in focus else f"W-{1 + k % 9}"
                lines.append([f"L-{who}-{k + 1:04d}", who, day.isoformat(), vid, outlet, sku,
                              "true" if k in focus else "false", f"{amounts[k]:.2f}"])
                k += 1
        for n, first in enumerate(a["open"]):
            day = days[(n * 5 + 2) % len(days)]
            openings.append([f"N-{who}-{n + 1}", who, day.isoformat(),
                             f"New outlet {who} {n + 1}", first])
    lines.sort(key=lambda r: (r[2], r[0]))
    visits.sort(key=lambda r: (r[2], r[0]))
    return visits, lines, openings


def targets():
    """Propose, approve and export the April targets, as the plan's header says."""
    from compplan.cli.targets import targets as group
    with tempfile.TemporaryDirectory() as tmp:
        env = {"COMPPLAN_DB": f"sqlite:///{tmp}/t.db", "COMPPLAN_USER": "planner"}
        run = CliRunner(env=env)
        base = ["--set", "field-2026-04"]
        kpis = str(ROOT / "plans" / "kpis" / "field.yaml")
        for args in (["propose", *base, "--kpis", kpis, "--history", str(OUT / "history.csv"),
                      "--payees", str(OUT / "payees.csv"), "--calendar",
                      str(OUT / "calendar.yaml"), "--period", "2026-04", "--per", "day",
                      "--growth", "8%", "--growth", "coverage=0%", "--growth", "lppc=5%",
                      "--ramp", "25,50,75,100"],
                     ["approve", *base, "--as", "finance"],
                     ["export", *base, "--approved", "--plan",
                      str(ROOT / "plans" / "field_daily.yaml"), "--kpis", kpis,
                      "--data", str(OUT)]):
            r = run.invoke(group, args, catch_exceptions=False)
            assert r.exit_code == 0, r.output
            print(r.output, end="")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "calendar.yaml").write_text(CALENDAR, encoding="utf-8")
    write("payees.csv", ["rep_id", "name", "route", "territory", "hired", "kpi_bonus"], PAYEES)
    write("hierarchy.csv", ["id", "parent", "level", "name"], HIERARCHY)
    write("history.csv", ["who", "kpi", "period", "actual", "target"], history_rows())
    visits, lines, openings = april_rows()
    write("visits.csv", ["visit_id", "rep_id", "visit_date", "outlet_id"], visits)
    write("order_lines.csv", ["line_id", "rep_id", "order_date", "visit_id", "outlet_id", "sku",
                              "focus", "amount"], lines)
    write("openings.csv", ["outlet_id", "rep_id", "opened_on", "outlet_name", "first_order"],
          openings)
    targets()


if __name__ == "__main__":
    main()
