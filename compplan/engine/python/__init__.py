"""The Python engine: the IR tree (engine/ir.py) compiled to closures.

compile.py turns expressions into closures, running.py works out running bases per
payee, plan.py compiles a whole tree (PythonPlan). It is the reference the SQL engine
is tested against, and serves small live work (issue 12 item 1).
"""
