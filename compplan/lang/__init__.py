"""The plan language: YAML structure, expressions, and the checker."""
from .check import Checked, check_file, check_source

__all__ = ["Checked", "check_file", "check_source"]
