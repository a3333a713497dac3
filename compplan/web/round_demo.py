"""The demo's target round (issue 19): the field sample's people as accounts (reps rita,
sid and tom; managers mia, of rita and sid, and noah, of tom and ula), March 2026's
proposals from the sample's history (`targets propose --growth revenue=8%`), and a
round opened on them, so `compplan serve --demo` shows a round to answer, decide and
approve."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

from ..periods import parse_period
from ..store.db import Store
from ..targets import rounds
from ..targets import store as tstore
from ..targets.build import Rules, propose_set
from ..targets.kpis import load_catalogue
from ..targets.sheets import read_history
from .auth import create_account

PLAN = "field-2026"
SET = "field-2026-03"
PERIOD = "2026-03"
ACCOUNTS = [("rita", "rep", "Rita Ruiz"), ("sid", "rep", "Sid Shah"), ("tom", "rep", "Tom Tan"),
            ("mia", "manager", "Mia Moreno"), ("noah", "manager", "Noah Nakamura")]
ASSUMPTIONS = (
    "growth-8 | growth | revenue | * | 2026-02-15 | the market for soft drinks grows 8% "
    "on March 2025\n"
    "rival-north | competitor | * | North | 2026-02-20 | a rival distributor opens a depot "
    "in the North\n")


def field_proposals(base: Path) -> list:
    """March 2026's proposals for the field sample: revenue March 2025 x 1.08 (rita
    10,000 -> 10,800.00, sid 9,000 -> 9,720.00, tom 12,000 -> 12,960.00, ula 5,500 ->
    5,940.00), every other KPI as in March 2025."""
    cat, problems = load_catalogue(base / "kpis" / "field_month.yaml")
    actuals, _, more = read_history(base / "data" / "field" / "history.csv")
    if problems or more:
        raise ValueError(f"the field sample's catalogue or history: {(problems + more)[0]}")
    with open(base / "data" / "field" / "payees.csv", newline="", encoding="utf-8") as f:
        payees = {r["rep_id"]: r for r in csv.DictReader(f)}
    rules = Rules(parse_period(PERIOD), growth={"revenue": Decimal("0.08")})
    return propose_set(cat, payees, actuals, rules)


def add_field_round(store: Store, base: Path, actor: str, passwords: dict,
                    make_password) -> list[tuple]:
    """The accounts made, as build_demo lists them: (login, role, (plan, payee), pw)."""
    tstore.propose(store, SET, field_proposals(base), actor, source="propose history.csv")
    cat, _ = load_catalogue(base / "kpis" / "field_month.yaml")
    actuals, targets, _ = read_history(base / "data" / "field" / "history.csv")
    people = (base / "data" / "field" / "people.csv").read_text(encoding="utf-8")
    made = []
    with store.session() as db:
        for login, role, name in ACCOUNTS:
            password = passwords.get(login) or make_password()
            create_account(db, login, role, password, login, name, actor, plan=PLAN)
            made.append((login, role, (PLAN, login), password))
        rounds.open_round(
            db, rounds.Actor(actor, "admin"), "Field sales, March 2026", SET, PLAN, PERIOD,
            list(cat.kpis), rounds.parse_team("\n".join(people.splitlines()[1:])),
            dt.date(2026, 2, 27), {"revenue": Decimal("40000.00")},
            rounds.parse_assumptions(ASSUMPTIONS), actuals, targets,
            rounds.kpi_info(cat))
        db.commit()
    return made
