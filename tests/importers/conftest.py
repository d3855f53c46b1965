"""The import tests use `cli(*args)` from tests/conftest.py (the `retrotread` command line in
this process); helpers that are not fixtures live in import_support.py."""
