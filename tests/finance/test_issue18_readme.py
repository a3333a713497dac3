"""Issue 18: the README's finance example runs as written after `compplan demo`, and
prints the figures it quotes (worked by hand in the README's own words: ann's 10,400.00
earned by February 28, January's 395.27 of amortization, the 3,080.00 expensed under
the practical expedient, the tie to the 56,480.00 the run paid)."""
import readme_demo  # tests/readme_demo.py

TITLE = "### Finance: accruals, contract costs, forecasts"


def test_issue18_the_readmes_finance_example_prints_what_it_says(tmp_path, monkeypatch):
    readme_demo.demo(tmp_path, monkeypatch, also=("finance",))
    shown = [ln for ln in readme_demo.section(TITLE, "text").splitlines() if ln.strip()]
    outputs = readme_demo.run_lines(readme_demo.commands(TITLE))
    printed = "\n".join(outputs).splitlines()
    for line in shown:
        assert line in printed, line
    assert len(shown) == 10
