"""Refused input, under its old name: the definitions live in the leaf `drivers/input_errors.py`
(which drivers/ may import too). Kept for importers not yet moved (ui/cli.py, ui/session/plan.py)."""

from drivers.input_errors import InputError, field_path, from_validation_error, read_toml

__all__ = ["InputError", "field_path", "from_validation_error", "read_toml"]
