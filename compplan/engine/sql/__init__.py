"""The SQL engine (issue 12): a compiled plan as one SQL script, run in embedded DuckDB.

    decimals  exact numbers in SQL: every expression's scale known, divisions on HUGEINT
    exprs     the plan's expressions (checked AST) as SQL with the language's meaning
    plan      the script: payees, hierarchy, credits, the payee grain step by step, lines
    cover     what it runs today; a plan beyond it is refused with positions
    direct    DuckDB reads the data folder itself, when every file and cell is plain
    load      otherwise the Python reader's rows into DuckDB, typed exactly
    run       execute and read the lines back as a RunResult
    windows   ytd(), trailing() ...: credits and targets over a window's days
    holds     an earning's hold: the part of each line held back
    pay       the draw per payee, and a run without a store as the Python engine's
              pay stage (engine/standalone.py) makes it over this engine's runs

The Python engine (compplan.engine.run) is the reference: tests/engine/
test_sql_differential.py holds every plan this engine accepts to it.
"""
from .pay import run_folder_standalone, run_sql_standalone
from .run import compile_sql, run_folder, run_sql, script_text

__all__ = ["compile_sql", "run_folder", "run_folder_standalone", "run_sql",
           "run_sql_standalone", "script_text"]
