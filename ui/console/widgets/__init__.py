"""The console's widgets: each shows part of a Frame and decides nothing."""
