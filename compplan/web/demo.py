"""`compplan serve --demo`: a store built from the sample plans and data of plans/, with
one account of each role, so the portal can be seen in one command.

Each sample of plans/data/samples.yaml becomes an open period (live), and a draft run
of it is saved, so there are statements to read and lines to dispute. A sample with a
finance file (plans/finance/<plan>.yaml) is accrued at its mid-period month end and the
accrual kept, so the finance page shows a month's accrual and its true-up against the
draft; a pipeline.csv beside its data is kept with the open period for the forecast. Passwords are
made afresh each time and printed; the demo is meant for this machine only.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..engine import load_plan
from ..errors import CompplanError
from ..finance import ledger
from ..finance.accrue import month_end_close
from ..finance.mapping import load_mapping
from ..periods import parse_period
from ..store import lifecycle
from ..store.db import Store
from .auth import create_account, create_token
from .live import open_period

# login, role, (plan, payee): the manager plan's rep Ana and her manager Max, the AE
# plan's Ann
ACCOUNTS = [("ana", "rep", ("team-2026", "ana"), "Ana Alves"),
            ("ann", "rep", ("ae-2026", "ann"), "Ann Alvarez"),
            ("max", "manager", ("team-2026", "max"), "Max Moreau"),
            ("admin", "admin", (None, None), "Comp admin"),
            ("finance", "finance", (None, None), "Finance")]


def _password() -> str:
    """Twelve letters and digits: easy to copy from a terminal, never a shell option."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass
class Demo:
    accounts: list[tuple[str, str, tuple, str]] = field(default_factory=list)  # (plan, payee)
    token: str = ""
    opened: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    accrued: list[str] = field(default_factory=list)  # "plan period as of day: amount"


def build_demo(store: Store, plans_dir: str | Path = "plans", actor: str = "demo",
               passwords: dict[str, str] | None = None) -> Demo:
    base = Path(plans_dir)
    manifest = yaml.safe_load((base / "data" / "samples.yaml").read_text(encoding="utf-8"))
    demo = Demo()
    for entry in manifest["samples"]:
        path = base / entry["plan"]
        try:
            compiled = load_plan(path)
            open_period(store, compiled, path.read_bytes(), base / entry["data"],
                        str(entry["period"]), actor)
            lifecycle.save_run(store, compiled, base / entry["data"], str(entry["period"]),
                               actor)
            demo.opened.append(f"{compiled.plan.plan} {entry['period']}")
            _accrue(store, compiled, path, base, entry, actor, demo)
        except (CompplanError, lifecycle.LifecycleError, ledger.AccrualRefused) as e:
            demo.skipped.append(f"{path}: {str(e).splitlines()[0]}")
    with store.session() as db:
        for login, role, (plan, payee), name in ACCOUNTS:
            password = (passwords or {}).get(login) or _password()
            create_account(db, login, role, password, payee, name, actor, plan=plan)
            demo.accounts.append((login, role, (plan, payee), password))
        _, demo.token = create_token(db, "demo ingest", actor)
        db.commit()
    if "field-2026 2026-03" in demo.opened:  # the field sample's target round (issue 19)
        from .round_demo import add_field_round
        demo.accounts += add_field_round(store, base, actor, passwords or {}, _password)
    return demo


def _accrue(store: Store, compiled, path: Path, base: Path, entry: dict, actor: str,
            demo: Demo) -> None:
    """Keep the sample's mid-period accrual, when it has a finance file."""
    finance_file = base / "finance" / path.name
    if not finance_file.is_file():
        return
    mapping, problems = load_mapping(finance_file, compiled)
    if problems:
        raise CompplanError(problems)
    period = parse_period(str(entry["period"]))
    day = month_end_close(period)
    row, _ = ledger.book(store, compiled, path.read_bytes(), base / entry["data"], period,
                         day, mapping, finance_file.read_text(encoding="utf-8"), actor)
    demo.accrued.append(f"{row.plan_id} {row.period} as of {row.as_of}: {row.currency} "
                        f"{row.amount:,.2f}")
