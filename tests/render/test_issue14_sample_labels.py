"""Issue 14, "Done when": the demo's statements use labels in all four languages (en, vi,
pl, ms) for every sample plan, and a vi/pl/ms statement carries no untranslated
identifier outside the auditor's section.

Each sample plan of plans/data/samples.yaml is run on its sample data with every payee
reading one language (the `locale` column of a copy of the payees file set for all, as
a comp admin would), and the rep's part of each page is searched for the plan's own
names, its English labels and the English of the statements' catalog
(untranslated.py). The demo as it is, each payee in their own language, is
test_issue14_demo_languages.py.
"""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
import yaml

from compplan.cli.run import compile_or_exit
from compplan.engine.run import run_plan
from compplan.lang import check_file
from compplan.periods import parse_period
from compplan.render import publish, rows

from .conftest import ROOT
from .untranslated import rep_part, untranslated

SAMPLES = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())["samples"]
PLANS = [s["plan"] for s in SAMPLES]
LOCALES = ("vi", "pl", "ms")


def _with_locale(plan_text: str, locale: str) -> str:
    """The plan with `locale:` set: written after its `currency:` line."""
    text = re.sub(r"(?m)^locale:.*\n", "", plan_text)
    return re.sub(r"(?m)^(currency:.*\n)", rf"\1locale: {locale}\n", text, count=1)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("plan", PLANS)
def test_check_finds_no_unlabelled_part_in_any_sample_plan(tmp_path, plan, locale):
    """`compplan check` warns of a part a rep sees with no words in the plan's locale;
    every sample plan, set to vi, pl or ms, gives no such warning."""
    path = tmp_path / plan
    path.write_text(_with_locale((ROOT / "plans" / plan).read_text(encoding="utf-8"),
                                 locale), encoding="utf-8")
    checked = check_file(path)
    assert checked.plan.locale == locale
    warned = [f"{p.where}: {p.text}" for p in checked.problems.items
              if p.code == "unlabelled"]
    assert warned == []


def test_the_check_still_warns_where_a_language_is_missing(tmp_path):
    """The warning above can fire: ae.yaml in French (no fr labels) is warned of."""
    path = tmp_path / "ae.yaml"
    path.write_text(_with_locale((ROOT / "plans" / "ae.yaml").read_text(encoding="utf-8"),
                                 "fr"), encoding="utf-8")
    warned = {p.text.split("'")[1] for p in check_file(path).problems.items
              if p.code == "unlabelled"}
    assert {"commission", "csat_bonus", "booked", "attainment"} <= warned


@pytest.fixture(scope="module")
def sample_statements(tmp_path_factory):
    """{(plan, locale): (compiled, report)}: every sample plan's statements with every
    payee reading one language, payout curves drawn."""
    out = {}
    for s in SAMPLES:
        compiled = compile_or_exit(str(ROOT / "plans" / s["plan"]))
        tables, _ = rows.load(compiled, ROOT / "plans" / s["data"])
        result = run_plan(compiled, tables, parse_period(s["period"]))
        for locale in LOCALES:
            base = tmp_path_factory.mktemp(f"{Path(s['plan']).stem}-{locale}")
            data = base / "data"
            shutil.copytree(ROOT / "plans" / s["data"], data)
            _set_locale(data / "payees.csv", locale)
            out[(s["plan"], locale)] = (compiled, publish.write_result(
                result, compiled, data, base / "out", formats=("html",)))
    return out


def _set_locale(path: Path, locale: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    header = table[0]
    if "locale" in header:
        i = header.index("locale")
        for row in table[1:]:
            row[i] = locale
    else:
        table = [header + ["locale"]] + [row + [locale] for row in table[1:]]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("plan", PLANS)
def test_statements_carry_no_untranslated_identifier_outside_the_auditors_section(
        sample_statements, plan, locale):
    """No plan name, English label or English catalog text, rule position, hash or
    condition in plan syntax (untranslated.py) on the rep's part of any page."""
    compiled, report = sample_statements[(plan, locale)]
    assert report.entries
    for entry in report.entries:
        assert entry.locale == locale
        page = (report.out / entry.files[0][1]).read_text(encoding="utf-8")
        rep = " ".join(rep_part(page).split())
        assert untranslated(rep, compiled, locale) == [], (entry.payee, locale, plan)
        # what was moved is still there, for auditors, folded away
        audit = page.split('<details class="audit"', 1)[1]
        assert "sha256" in audit
