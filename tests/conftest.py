"""Being here puts tests/ on sys.path (pytest's default import mode), so test folders
share the helpers beside it (readme_demo.py)."""

import pytest  # noqa: E402

from engines import ENGINES, SQL_ENGINES, unavailable  # noqa: E402


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


def _engine(request) -> str:
    """The engine of this parametrization, skipped with the reason where it cannot run
    here (tests/engines.py); Spark's runs in the test run's one session."""
    name = request.param
    why = unavailable(name)
    if why:
        pytest.skip(f"{name}: {why}")
    if name == "spark":
        request.getfixturevalue("spark")
    return name


@pytest.fixture(params=ENGINES)
def engine(request):
    """Each engine in turn, the Python engine (the reference) first: a test taking
    `engine` runs on every engine installed here (issue 13, one truth). A test that
    parametrizes `engine` itself overrides this."""
    return _engine(request)


@pytest.fixture(params=SQL_ENGINES)
def sql_engine(request):
    """Each SQL engine in turn (duckdb, postgres, spark), for a test holding it to the
    Python engine."""
    return _engine(request)


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
