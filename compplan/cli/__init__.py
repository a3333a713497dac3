"""The `compplan` command: one module per command group, each a thin layer."""
from .main import main

__all__ = ["main"]
