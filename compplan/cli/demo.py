"""`compplan demo`: check every example plan, run its scenarios, run it on its sample data.

The README's main command. The samples are listed in plans/data/samples.yaml.
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
from ..engine.scenarios import run_scenarios


@click.command()
@click.option("--plans", "plans_dir", default="plans", show_default=True,
              type=click.Path(file_okay=False, exists=True))
@click.option("--out", "out_dir", default="out", show_default=True)
def demo(plans_dir: str, out_dir: str) -> None:
    """Check, test and run every sample plan in plans/ (see plans/data/samples.yaml)."""
    base = Path(plans_dir)
    manifest = yaml.safe_load((base / "data" / "samples.yaml").read_text(encoding="utf-8"))
    ok = True
    for entry in manifest["samples"]:
        plan_path = base / entry["plan"]
        click.echo(f"== {plan_path}")
        try:
            compiled = load_plan(plan_path)
        except CompplanError as e:
            click.echo(format_text(e.problems), nl=False)
            ok = False
            continue
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
        click.echo(f"results in {target}/\n")
    sys.exit(0 if ok else 1)


COMMANDS = [demo]
