"""Refused input, under its old name: the definitions live in the leaf drivers/input_errors.py
(which drivers/ may import too). Re-exported for existing importers (ui/cli.py, ui/session/plan.py,
ui/sim_server.py, ui/console/catalog.py, controller/program.py, controller/operator.py, tests);
new code imports drivers.input_errors."""

from drivers.input_errors import InputError, field_path, from_validation_error, read_toml

__all__ = ["InputError", "field_path", "from_validation_error", "read_toml"]
