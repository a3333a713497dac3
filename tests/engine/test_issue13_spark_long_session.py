"""Issue 13: one Spark session runs plan after plan without filling its heap.

The fresh-clone CI of 1 December 2026 failed ten Spark tests near the end of the run,
each in a plan that passes alone: the test run's one session had filled its 2 GB heap
("Not enough memory to build and broadcast the table", a localCheckpoint refused).
Measured per test (heap used after a full GC): 200 MB rising to 1,200 MB over three test
files, with 126 checkpointed RDDs still held. py4j keeps every Java object a method was
called on in a reference cycle, so a run's DataFrames (and in the JVM their checkpointed
rows and broadcast tables) lived until Python's cyclic collector ran, which in a long
process is rarely. After the fix: 200-540 MB and at most 9 RDDs over the same tests.
A service that runs plans on one session (a portal, a scheduler) would have failed the
same way.
"""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="the SQL engine needs duckdb (pip install duckdb)")

from compplan.engine import load_plan  # noqa: E402
from compplan.engine.data import load_inline  # noqa: E402
from compplan.engine.periods import parse_period  # noqa: E402

PLANS = Path(__file__).resolve().parents[2] / "plans"


def _java_objects() -> int:
    from py4j.java_gateway import JavaObject
    return sum(1 for o in gc.get_objects() if isinstance(o, JavaObject))


def test_issue13_a_spark_run_leaves_no_java_objects_for_the_collector(spark):
    """AE's first scenario run with Python's automatic collector off, as it mostly is in
    a long process: a run holds about 120 Java objects while it works (one per
    DataFrame, view and call); none of them may be left for the collector after it."""
    from compplan.engine.sql import spark as engine
    compiled = load_plan(PLANS / "ae.yaml")
    scenarios = compiled.plan.scenarios[:1]
    gc.collect()
    gc.disable()
    try:
        before = _java_objects()
        for sc in scenarios:
            tables = load_inline(compiled.plan, sc.data, sc.name, [])
            engine.run_tables(compiled, tables, parse_period(sc.period))
        after = _java_objects()
    finally:
        gc.enable()
    assert after - before <= 5, f"{after - before} Java objects left by the run"


def test_issue13_the_session_flushes_the_parsers_cache(spark):
    """The SQL parser's cache grew past 400 MB of the test run's heap (every plan's
    statements are long and differ): the session bounds it."""
    from compplan.engine.sql import spark as engine
    s = engine.session()
    assert s.conf.get("spark.sql.parser.manageParserCaches") == "true"
    assert 0 < int(s.conf.get("spark.sql.parser.parserDfaCacheFlushRatio")) <= 20
