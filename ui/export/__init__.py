"""Session exports: FIT (ui.export.fit.write_fit) and CSV (ui.export.csv.write_csv), both read
from a session's summary and trace (docs/exports.md). Light at import: fit-tool loads on use."""
