"""The printable progress report across a person's sessions (docs/exports.md): write_report."""

from ui.report.page import write_report

__all__ = ["write_report"]
