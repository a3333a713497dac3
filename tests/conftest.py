"""Being here puts tests/ on sys.path (pytest's default import mode), so test folders
share the helpers beside it (readme_demo.py)."""

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    """One local[2] Spark session for the whole test run (issue 13: starting one costs
    10-50 s, so every Spark test shares it); the test is skipped, with the reason, where
    pyspark or Java is missing (pip install 'compplan[spark]')."""
    try:
        from compplan.engine.sql import spark as engine
    except ImportError as e:  # duckdb missing
        pytest.skip(f"the SQL engine cannot load ({e})")
    why = engine.available()
    if why:
        pytest.skip(why)
    s = engine.session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def sample_demo(tmp_path_factory):
    """`compplan demo` on every sample plan (plans/data/samples.yaml), run once for the
    tests that read what it says and writes: (click's result, the OUT folder)."""
    from pathlib import Path

    from click.testing import CliRunner

    from compplan.cli.main import cli
    root = Path(__file__).resolve().parents[1]
    out = tmp_path_factory.mktemp("demo")
    r = CliRunner().invoke(cli, ["demo", "--plans", str(root / "plans"), "--out", str(out)],
                           catch_exceptions=False)
    return r, out
