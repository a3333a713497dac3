"""Being here puts tests/ on sys.path (pytest's default import mode), so test folders
share the helpers beside it (readme_demo.py)."""
