"""The version, in one place: pyproject.toml reads it from here (hatch's dynamic version), so
`retrotread --version` needs no package metadata look-up at start-up."""

__version__ = "0.1.0"
