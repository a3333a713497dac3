"""Issue 14: statements for a large run. Each payee's curve was ~85 engine runs, and
the PDFs were laid out in two processes with nothing shown meanwhile. Now payees alike
share one curve (plus one engine run for their own point), statements are written on
every core, and the command shows progress (or nothing, with --quiet). Speed itself
is measured by bench/bench_statements.py, not here."""
from __future__ import annotations

import os
import re
from decimal import Decimal as D

import pytest
from click.testing import CliRunner

from compplan.cli.main import cli
from compplan.periods import parse_period
from compplan.render import curve, parallel, publish, rows

from .conftest import FIXTURE, compiled_plan


def test_map_over_cores_keeps_order_reports_every_item_and_raises_a_workers_error():
    seen = []
    out = parallel.map_over_cores(lambda x: x * x, list(range(23)), seen.append, workers=3)
    assert out == [x * x for x in range(23)]
    assert sum(seen) == 23

    def boom(x):
        if x == 7:
            raise ValueError("payee 7 cannot be laid out")
        return x
    if parallel.worth_it(10):
        with pytest.raises(RuntimeError, match="payee 7 cannot be laid out"):
            parallel.map_over_cores(boom, list(range(10)), workers=2)


def _profiles():
    compiled = compiled_plan()
    tables, _ = rows.load(compiled, FIXTURE / "jan")
    ann = curve.profile_from_rows(compiled, rows.own_rows(compiled, tables, "ann"), "ann",
                                  parse_period("2026-01"))
    twin = curve.profile_from_rows(compiled, rows.own_rows(compiled, tables, "ann"), "ann",
                                   parse_period("2026-01"))
    twin.payee = "twin"  # ann's targets and terms under another id and name
    for name, rs in twin.rows.items():
        for r in rs:
            for col in ("rep_id",):
                if col in r:
                    r[col] = "twin"
            if "name" in r:
                r["name"] = "Twin"
    return compiled, ann, twin


def test_payees_with_the_same_terms_share_one_curve(monkeypatch):
    compiled, ann, twin = _profiles()
    assert curve.signature(compiled, ann) == curve.signature(compiled, twin)
    other = curve.profile_from_rows(compiled, {k: [dict(r) for r in v]
                                               for k, v in ann.rows.items()}, "ann",
                                    parse_period("2026-01"))
    assert not curve.override(other, {"quotas.amount": "80000"})
    assert curve.signature(compiled, other) != curve.signature(compiled, ann)

    ctx = publish._Context(compiled, publish.Header("p", "P", "1", "", "2026-01", None,
                                                    None, "USD"), None, ("html",))
    calls = []
    real = curve.compute
    monkeypatch.setattr(curve, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    comps = {e.name for e in compiled.earnings}
    a = publish._shared_curve(ctx, ann, "attainment", comps, D("1.4"))
    b = publish._shared_curve(ctx, twin, "attainment", comps, D("0.6"))
    assert len(calls) == 1  # worked out once
    # twin's own point was worked out by the engine: 60% of 50,000 = 30,000 of deals,
    # 25,000 x 3% + 5,000 x 6% = 1,050.00, no bonus
    at = next(p for p in b.points if p.x == D("0.6"))
    assert at.total == D("1050.00") and b.payee == "twin" and a.payee == "ann"
    assert len(b.points) == len(a.points) + 1  # ann's curve is not touched


def test_statements_quiet_prints_nothing(history, tmp_path):
    store, _, feb = history
    r = CliRunner().invoke(cli, ["statements", str(feb), "--out", str(tmp_path), "--db",
                                 store.url, "--format", "json", "--no-curve", "--quiet"])
    assert r.exit_code == 0 and r.output == ""
    assert len([p for p in tmp_path.rglob("*.json")]) == 4
    assert os.path.exists(tmp_path / "index.html")


def test_issue14_statements_show_progress_on_a_log_not_only_on_a_terminal(history, tmp_path):
    """'Nothing shown meanwhile': on a pipe or a log (stderr not a terminal, as in a
    scheduled job) the command says what it reads, how many statements it writes, and
    a line at each tenth with the time left; the fixture's run has 4 payees, so a line
    as each is written (a tenth of 4 rounds to 1), but the last, which the summary says.
    Two workers may report two at once: then one line says both."""
    store, _, feb = history
    r = CliRunner().invoke(cli, ["statements", str(feb), "--out", str(tmp_path), "--db",
                                 store.url, "--format", "json", "--no-curve"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == f"reading run {feb}..."
    assert lines[1] == "statements: writing 4"
    steps = [ln for ln in lines if ln.startswith("statements: ") and " of 4 written" in ln]
    done = [int(s.split()[1]) for s in steps]
    assert done and done == sorted(set(done)) and done[-1] <= 3 and done[0] >= 1
    assert all("s left)" in s for s in steps)
    assert lines[-1].startswith("wrote statements for 4 payees")


@pytest.mark.parametrize("plan,data,period", [("ae.yaml", "ae", "2026-Q1"),
                                              ("field.yaml", "field", "2026-03"),
                                              ("sdr.yaml", "sdr", "2026-03")])
def test_issue14_a_curves_points_in_one_engine_run_are_the_points_run_one_by_one(
        monkeypatch, plan, data, period):
    """A curve's points are made-up payees worked out side by side in one engine run
    (curve._run_all) where the plan pays each payee on their own rows: every point
    (x, pay, components, caps, gates, measures), marker and drawing is what the engine
    gives run by run."""
    from compplan.cli.run import compile_or_exit
    from compplan.engine.run import run_plan

    from .conftest import ROOT
    compiled = compile_or_exit(str(ROOT / "plans" / plan))
    folder = ROOT / "plans" / "data" / data
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period(period))
    assert curve.alone(compiled)

    def drawn():
        ctx = publish._Context(compiled, publish.header_of(compiled, result), folder,
                               ("html",))
        out = []
        for pr in result.payees:
            st = publish.statement_for(ctx, pr, None)
            c = st.curve
            out.append((pr.payee, st.curve_svg, st.problems, c and c.markers, c and [
                (p.x, p.total, p.components, p.limited, p.paid, p.measures)
                for p in c.points]))
        return out
    runs = []
    real = curve.run_plan
    monkeypatch.setattr(curve, "run_plan", lambda *a: runs.append(1) or real(*a))
    together, together_runs = drawn(), len(runs)
    monkeypatch.setattr(curve, "alone", lambda compiled: False)
    runs.clear()
    one_by_one = drawn()
    assert together == one_by_one
    assert any(svg for _, svg, *_ in together)
    # at most 3 runs a curve (the probe, the points, a cap's start: curve.compute)
    # instead of one a point, 15 or more
    assert together_runs * 3 < len(runs)


def test_issue14_a_plan_with_team_pay_works_a_curve_out_point_by_point():
    """A manager's pay reads their team's figures (team()): made-up payees side by side
    would be one team, so those curves are worked out a run a point."""
    from compplan.cli.run import compile_or_exit

    from .conftest import ROOT
    assert not curve.alone(compile_or_exit(str(ROOT / "plans" / "manager.yaml")))
    assert not curve.alone(compile_or_exit(str(ROOT / "plans" / "team_pool.yaml")))


def test_issue14_a_twin_of_ann_shares_her_curve_and_each_dot_is_on_it(tmp_path, monkeypatch):
    """The AE sample with zoe added: ann's terms (West, target incentive 20,000, quota
    200,000, CSAT 84) and a first deal like ann's first that counts (A-101: 60,000 of
    platform, new, 36 months), but her own second deal and her own language (vi, which
    shapes no pay). Their statements work one curve out, not two, and each dot is on
    it. Zoe by hand: 60,000 + 40,000 = 100,000 booked, 50% of 200,000, all in the 4%
    band (up to 50%, its bound included): 2,400.00 + 1,600.00 = 4,000.00; CSAT 84 is
    under 85, no bonus."""
    import shutil

    from compplan.cli.run import compile_or_exit
    from compplan.engine.run import run_plan

    from .conftest import ROOT
    data = tmp_path / "ae"
    shutil.copytree(ROOT / "plans" / "data" / "ae", data)
    for name, row in (("payees", "zoe,Zoe Zhou,West,20000,,vi"),
                      ("quotas", "zoe,2026-Q1,200000"), ("kpis", "zoe,2026-Q1,84"),
                      ("deals", "Z-101,zoe,2026-01-20,60000,platform,new,36,\n"
                                "Z-102,zoe,2026-02-11,40000,platform,new,36,")):
        with (data / f"{name}.csv").open("a", encoding="utf-8") as f:
            f.write(row + "\n")
    compiled = compile_or_exit(str(ROOT / "plans" / "ae.yaml"))
    tables, _ = rows.load(compiled, data)
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    ctx = publish._Context(compiled, publish.header_of(compiled, result), data, ("html",))
    calls = []
    real = curve.compute
    monkeypatch.setattr(curve, "compute",
                        lambda *a, **k: calls.append(a[1].payee) or real(*a, **k))
    ann, zoe = (publish.statement_for(ctx, result.payee(p), None) for p in ("ann", "zoe"))
    assert calls == ["ann"]  # zoe's curve is ann's, worked out once
    assert zoe.locale == "vi" and zoe.total == D("4000.00")
    assert zoe.curve.base is ann.curve and zoe.curve_own == (D("0.5"), D("4000.00"))
    for st in (ann, zoe):
        x, y = st.curve_own
        at = min(st.curve.points, key=lambda p: abs(p.x - x))
        assert at.x == x and publish.on_curve(at.x, at.total, x, y), (st.payee, at, y)
    # zoe's own point was worked out for her by the engine; ann's curve is not touched
    assert len(zoe.curve.points) == len(ann.curve.points) + 1


def test_issue14_statements_show_a_bar_on_a_terminal_and_nothing_when_quiet():
    """On a terminal `compplan statements` draws a bar that fills as statements are
    written (from 0% to 100%, one step a statement of 4 here), not the log's lines;
    --quiet draws nothing there either."""
    import io

    from compplan.cli.render import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for quiet in (False, True):
        term = Terminal()
        shown = Progress(quiet, term)
        shown.start(4)
        for _ in range(4):
            shown.step(1)
        shown.end()
        said = term.getvalue()
        if quiet:
            assert said == ""
            continue
        marks = [int(m) for m in re.findall(r"(\d+)%", said)]
        assert marks == [0, 25, 50, 75, 100], said
        assert said.count("statements") == len(marks) and "written" not in said


def test_issue14_templates_css_and_fonts_are_read_once_a_process(tmp_path, monkeypatch):
    """A run of 10,000 statements reads its templates, the CSS inlined in each page
    and WeasyPrint's fonts once a process, not once a statement: after the first
    page and the first PDF, the next ones read no template file and make no font
    configuration."""
    import jinja2

    from compplan.cli.run import compile_or_exit
    from compplan.engine.run import run_plan
    from compplan.render import html, pdf

    from .conftest import ROOT
    if pdf.available():
        pytest.skip(pdf.available())
    compiled = compile_or_exit(str(ROOT / "plans" / "ae.yaml"))
    folder = ROOT / "plans" / "data" / "ae"
    tables, _ = rows.load(compiled, folder)
    result = run_plan(compiled, tables, parse_period("2026-Q1"))
    ctx = publish._Context(compiled, publish.header_of(compiled, result), folder,
                           ("html",), curves=False)
    first, second = (publish.statement_for(ctx, result.payee(p), None)
                     for p in ("ann", "cara"))  # English and Vietnamese
    pdf.write_pdf(html.statement_html(first), tmp_path / "ann.pdf")  # the first: loads
    read, fonts = [], []
    real_source = jinja2.FileSystemLoader.get_source
    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source",
                        lambda self, env, name: read.append(name) or
                        real_source(self, env, name))
    import weasyprint.text.fonts as wfonts
    real_fonts = wfonts.FontConfiguration
    monkeypatch.setattr(wfonts, "FontConfiguration",
                        lambda *a, **k: fonts.append(1) or real_fonts(*a, **k))
    page = html.statement_html(second)
    assert "Bảng kê thu nhập" in page and "<style>" in page  # a whole page, CSS inline
    assert pdf.write_pdf(page, tmp_path / "cara.pdf") is None
    assert (tmp_path / "cara.pdf").stat().st_size > 0
    assert read == [] and fonts == []
