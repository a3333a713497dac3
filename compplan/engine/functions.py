"""The Python engine's forms of the functions of values, by name: kept at this path for
the modules and tests that import it; they are made in engine/python/functions.py from
the registry (compplan/lang/functions.py)."""
from __future__ import annotations

from .python.functions import FORMS, Fn, Form  # noqa: F401 (re-exported)
