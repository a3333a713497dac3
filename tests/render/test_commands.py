"""`compplan statements`, `explain`, `curve` and the demo's statements, from the shell."""
from __future__ import annotations

import csv

import pytest
import yaml
from click.testing import CliRunner

from compplan.cli.main import cli

from .conftest import ROOT


def invoke(*args, env=None):
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def test_statements_writes_a_folder_per_payee_and_an_index(history, tmp_path):
    store, _, feb = history
    r = invoke("statements", str(feb), "--out", str(tmp_path), "--db", store.url,
               "--format", "html", "--format", "csv", "--no-curve")
    assert r.exit_code == 0, r.output
    assert "wrote statements for 4 payees" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ann", "bob", "cyd", "dee",
                                                         "index.html"]
    assert sorted(p.name for p in (tmp_path / "ann").iterdir()) == [
        "stmt-test-2026-02-ann.csv", "stmt-test-2026-02-ann.html"]


def test_statements_of_a_run_that_does_not_exist(history, tmp_path):
    store, _, _ = history
    r = invoke("statements", "99", "--out", str(tmp_path), "--db", store.url)
    assert r.exit_code == 1 and "there is no run 99" in r.output


def test_explain_prints_the_tree_and_refuses_unknown_payees_and_lines(history):
    store, jan, _ = history
    r = invoke("explain", str(jan), "--payee", "bob", "--db", store.url)
    assert r.exit_code == 0, r.output
    assert "rule tests/render/fixture/plan.yaml:62:15" in r.output  # the cap's own rule
    assert "Cap reached:" in r.output and "#2 -3,800.00" in r.output
    r = invoke("explain", str(jan), "--payee", "bob", "--line", "9", "--db", store.url)
    assert r.exit_code == 1 and "bob has no line 9 in run 1 (lines 1 to 4)" in r.output
    r = invoke("explain", str(jan), "--payee", "zed", "--db", store.url)
    assert r.exit_code == 1 and "run 1 pays no payee 'zed'" in r.output


def test_curve_from_the_plans_scenarios_and_from_a_payees_data(tmp_path):
    r = invoke("curve", str(ROOT / "plans" / "ae.yaml"), "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert "tier bound at 100% (ae_tiers: attainment = 1): 8% below, 12% above" in r.output
    r = invoke("curve", str(ROOT / "plans" / "ae.yaml"), "--data",
               str(ROOT / "plans" / "data" / "ae"), "--payee", "ben", "--period", "2026-Q1",
               "--payee-profile", "quotas.amount=100000", "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert "cap on commission reached by" in r.output and "12,500.00" in r.output
    svg = (tmp_path / "ae-2026-curve-ben.svg").read_text(encoding="utf-8")
    assert "150%: 12% → 16%" in svg


def test_curve_says_why_it_cannot_draw(tmp_path):
    r = invoke("curve", str(ROOT / "plans" / "cs.yaml"), "--out", str(tmp_path))
    assert r.exit_code == 1
    assert "gross_retention does not grow in step" in r.output
    r = invoke("curve", str(ROOT / "plans" / "ae.yaml"), "--payee-profile", "quotas",
               "--out", str(tmp_path))
    assert r.exit_code == 2 and "write table.column=value" in r.output


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    r = invoke("demo", "--plans", str(ROOT / "plans"), "--out", str(out))
    assert r.exit_code == 0, r.output
    return out, r.output


def test_the_demo_writes_every_payees_statement_in_every_format(demo_out):
    """Issue 6 is done when the README's main command gives statements for every payee
    of every sample run, in all formats."""
    out, output = demo_out
    samples = yaml.safe_load((ROOT / "plans" / "data" / "samples.yaml").read_text())
    assert output.count("statements of stored run") == len(samples["samples"])
    for folder in sorted(out.glob("*/*/")):
        payees = [r["payee"] for r in csv.DictReader((folder / "payees.csv").open())]
        st = folder / "statements"
        assert (st / "index.html").exists()
        for pid in payees:
            kinds = sorted(p.suffix for p in (st / pid).iterdir())
            assert kinds == [".csv", ".html", ".json", ".pdf"], (folder, pid, kinds)
    assert (out / "demo.db").exists()
    assert "PDF not written" not in output
