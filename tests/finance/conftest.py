"""The store fixtures of tests/store (SQLite and PostgreSQL, a schema each), for the
finance tests: finance keeps accruals and schedules in the store, and code that stores
data is tested on both."""
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "store_fixtures", Path(__file__).resolve().parents[1] / "store" / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

store_url = _fixtures.store_url
store = _fixtures.store
