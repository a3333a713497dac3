"""Modules the commands import at their first use, not when the CLI starts.

Every `compplan` command loads every command's module (click gathers them), and the
store's modules bring SQLAlchemy: about 0.4 CPU-s at the start of each `compplan run`
that never opens a store (docs/design/columnar.md, issue 12). A command module names
the store's modules through `lazy(...)`; the import happens when a command reads an
attribute of one.
"""
from __future__ import annotations

import importlib


class lazy:
    """A module by name, imported when one of its attributes is first read."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<module {self._name}, imported when used>"
