"""What the target-round tests (issue 19) share: the field sample's people as portal
accounts (reps rita and sid, their manager mia; noah manages tom and ula) and the
proposals `targets propose` makes for March 2026 from the sample's history."""
from compplan.targets import store as tstore
from compplan.targets.build import Rules, propose_set
from compplan.targets.kpis import load_catalogue
from compplan.targets.sheets import read_history
from compplan.periods import parse_period
from compplan.web.auth import create_account
from decimal import Decimal

from portal_helpers import PASSWORDS, ROOT

FIELD = ROOT / "plans" / "data" / "field"
KPIS = ROOT / "plans" / "kpis" / "field_month.yaml"
SET = "field-2026-03"
ROUND_PASSWORDS = {"rita": "rita-password", "sid": "sid-password", "mia": "mia-password",
                   "noah": "noah-password", "tom": "tom-password"}
PASSWORDS.update(ROUND_PASSWORDS)  # log_in helpers read this one mapping
PEOPLE = (FIELD / "people.csv").read_text().splitlines()[1:]  # rita,mia,North ...
ASSUMPTIONS = (
    "growth-8 | growth | revenue | * | 2026-02-15 | the market for soft drinks grows 8% "
    "on March 2025\n"
    "rival-north | competitor | * | North | 2026-02-20 | a rival distributor opens a depot "
    "in the North\n")


def field_accounts(store):
    with store.session() as db:
        for login, role in (("rita", "rep"), ("sid", "rep"), ("tom", "rep"),
                            ("mia", "manager"), ("noah", "manager")):
            create_account(db, login, role, ROUND_PASSWORDS[login], login, login.title(),
                           plan="field-2026")
        db.commit()


def propose_march(store):
    """`compplan targets propose --set field-2026-03 --kpis plans/kpis/field_month.yaml
    --history plans/data/field/history.csv --payees plans/data/field/payees.csv
    --period 2026-03 --growth revenue=8%`: revenue 2025-03 x 1.08 (rita 10,000 ->
    10,800.00, sid 9,000 -> 9,720.00, tom 12,000 -> 12,960.00, ula 5,500 -> 5,940.00;
    39,420.00 in all), every other KPI as in March 2025."""
    cat, problems = load_catalogue(KPIS)
    assert not problems
    actuals, _, problems = read_history(FIELD / "history.csv")
    assert not problems
    import csv
    with open(FIELD / "payees.csv", newline="", encoding="utf-8") as f:
        payees = {r["rep_id"]: r for r in csv.DictReader(f)}
    rules = Rules(parse_period("2026-03"), growth={"revenue": Decimal("0.08")})
    added = tstore.propose(store, SET, propose_set(cat, payees, actuals, rules), "admin",
                           source="propose history.csv")
    assert len(added) == 24
    return added
