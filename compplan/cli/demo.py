"""`compplan demo`: check every example plan, run its scenarios, run it on its sample data.

The README's main command. The samples are listed in plans/data/samples.yaml. Each
sample with a finance file (plans/finance/<plan>.yaml) also gets finance's example
under OUT/<plan>/<period>/finance/: the accrual at the mid-period month end, the
forecast as of that day (with the data folder's pipeline.csv where there is one), and,
where the finance file capitalizes contract costs, the schedule built from the run
approved and paid in a store of its own (the demo's store keeps its draft runs, which
the README's examples approve).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml

from ..errors import CompplanError, format_text
from ..engine import load_plan, parse_period, run_plan
from ..engine.data import load_folder
from ..engine.results import ResultWriter, summary_table


@click.command()
@click.option("--plans", "plans_dir", default="plans", show_default=True,
              type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_dir", default="out", show_default=True)
def demo(plans_dir: str, out_dir: str) -> None:
    """Check, test and run every sample plan in plans/ (see plans/data/samples.yaml)."""
    base = Path(plans_dir)
    manifest = yaml.safe_load((base / "data" / "samples.yaml").read_text(encoding="utf-8"))
    ok = True
    store = _demo_store(out_dir)
    for entry in manifest["samples"]:
        plan_path = base / entry["plan"]
        click.echo(f"== {plan_path}")
        try:
            compiled = load_plan(plan_path)
        except CompplanError as e:
            click.echo(format_text(e.problems), nl=False)
            ok = False
            continue
        from ..store.scenarios import run_scenarios  # the store: only when used
        outcomes = run_scenarios(compiled)
        passed = sum(o.passed for o in outcomes)
        click.echo(f"scenarios: {passed} of {len(outcomes)} pass")
        for o in outcomes:
            if not o.passed:
                ok = False
                click.echo(f"  FAIL {o.name}: " + "; ".join(
                    o.differences + [p.text for p in o.problems]))
        period = parse_period(str(entry["period"]))
        problems: list = []
        tables = load_folder(compiled.plan, base / entry["data"], problems)
        if problems:
            click.echo(format_text(problems), nl=False)
            ok = False
            continue
        target = Path(out_dir) / compiled.plan.plan / period.label
        writer = ResultWriter(target)
        try:
            result = run_plan(compiled, tables, period, sink=writer)
        except CompplanError as e:
            writer.abort()
            click.echo(format_text(e.problems), nl=False)
            ok = False
            continue
        writer.close(result)
        click.echo(f"{compiled.plan.name}, {period.label}:")
        click.echo(summary_table(result), nl=False)
        click.echo(f"results in {target}/")
        ok = _statements(store, compiled, base / entry["data"], period.label, target) and ok
        ok = _finance(compiled, plan_path, base / entry["data"], period, target) and ok
    store.close()
    db = f"sqlite:///{Path(out_dir) / 'demo.db'}"
    click.echo(f"The sample runs are stored in {Path(out_dir) / 'demo.db'}, made afresh each "
               f"time. To list and show them (README, 'Stored runs'):\n"
               f"  export COMPPLAN_DB={db}\n  compplan runs\n  compplan show 3")
    sys.exit(0 if ok else 1)


def _demo_store(out_dir: str):
    """A store of the demo's own under OUT/, made afresh each time (run ids 1, 2, ...),
    so the statements show a stored run as finance would see it."""
    from ..store import open_store
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (out / f"demo.db{suffix}").unlink(missing_ok=True)
    return open_store(f"sqlite:///{out / 'demo.db'}")


def _statements(store, compiled, data_dir: Path, period: str, target: Path) -> bool:
    """Store the sample run as a draft and write every payee's statement from it."""
    from ..render import publish
    from ..store import lifecycle
    try:
        saved = lifecycle.save_run(store, compiled, data_dir, period, "demo")
    except (CompplanError, lifecycle.LifecycleError) as e:
        click.echo(f"statements not written: {e}\n")
        return False
    report = publish.write_run(store, saved.run.id, target / "statements")
    said: dict[str, list[str]] = {}  # the same note for many payees, said once
    for e in report.entries:
        for p in e.problems:
            said.setdefault(p, []).append(e.payee)
    for p, who in said.items():
        click.echo(f"  note ({', '.join(who)}): {p}")
    click.echo(f"statements of stored run {saved.run.id} (HTML, PDF, CSV, JSON) for "
               f"{len(report.entries)} payees in {report.out}/; admins' index: "
               f"{report.index}\n")
    return True


COMMANDS = [demo]


def _finance(compiled, plan_path: Path, data_dir: Path, period, target: Path) -> bool:
    """Finance's example for a sample: accrual, forecast, contract costs (or why not)."""
    from ..finance import accrue, forecast
    from ..finance.mapping import load_mapping
    finance_file = plan_path.parent / "finance" / plan_path.name
    if not finance_file.is_file():
        click.echo(f"finance: no finance file {finance_file} (its account codes), so no "
                   "accrual or contract costs\n")
        return True
    mapping, problems = load_mapping(finance_file, compiled)
    if problems:
        click.echo(format_text(problems), nl=False)
        return False
    out = target / "finance"
    day = accrue.month_end_close(period)
    try:
        acc, _ = accrue.from_folder(compiled, data_dir, period, day, mapping)
        written, _ = accrue.write_files(acc, mapping, out, "csv",
                                        f"accrual {compiled.plan.plan} {period.label} {day}")
        tables = _tables(compiled, data_dir)
        pipeline = data_dir / forecast.PIPELINE_FILE
        fc = forecast.project(compiled, tables, period, day, data_dir,
                              pipeline if pipeline.is_file() else None)
        fc_file = forecast.write_file(fc, out)
    except CompplanError as e:
        click.echo(format_text(e.problems), nl=False)
        return False
    click.echo(f"finance: {acc.control()}")
    click.echo("  register, control totals, journal: " + ", ".join(str(w) for w in written))
    basis = f"at pace and {pipeline}" if pipeline.is_file() else \
        "at pace; no pipeline.csv beside the data"
    click.echo(f"  forecast as of {day} ({basis}): " + ", ".join(
        f"{o} {fc.total(o):,.2f}" for o in fc.outcomes) + f"; in {fc_file}")
    if mapping.capitalize is None:
        click.echo(f"  contract costs: none capitalized ({finance_file.name} has no "
                   "capitalize: section: the data carries no contract terms)\n")
        return True
    return _contract_costs(compiled, plan_path, data_dir, period, mapping, out)


def _tables(compiled, data_dir: Path) -> dict:
    problems: list = []
    tables = load_folder(compiled.plan, data_dir, problems)
    if problems:
        raise CompplanError(problems)
    return tables


def _contract_costs(compiled, plan_path: Path, data_dir: Path, period, mapping,
                    out: Path) -> bool:
    """The sample's run approved and paid in a throwaway store, capitalized and
    amortized; the roll-forward must tie out to the paid run."""
    import tempfile

    from ..finance import capitalize
    from ..store import lifecycle, open_store
    with tempfile.TemporaryDirectory(prefix="compplan-demo-costs-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'costs.db'}")
        try:
            saved = lifecycle.save_run(store, compiled, data_dir, period.label, "demo",
                                       plan_text=plan_path.read_bytes())
            lifecycle.approve(store, saved.run.id, "demo")
            lifecycle.mark_paid(store, saved.run.id, "demo")
            with store.session() as s:
                sched = capitalize.build(s, compiled.plan.plan, mapping)
        except (CompplanError, lifecycle.LifecycleError, LookupError) as e:
            click.echo(f"  contract costs not built: {e}\n")
            return False
        finally:
            store.close()
    written = capitalize.write_files(sched, mapping, out)
    tie = dict(sched.tie())
    click.echo(f"  contract costs (the run approved and paid): capitalized "
               f"{sched.total('additions'):,.2f}, amortized {sched.total('amortization'):,.2f}, "
               f"closing {sched.closing():,.2f}; difference to the paid run "
               f"{tie['difference']:,.2f}; in {written[0].parent}/\n")
    return tie["difference"] == 0
