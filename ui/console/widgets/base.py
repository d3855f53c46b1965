"""A Static that redraws only when what it shows has changed (frames arrive ~10 times a second)."""

from __future__ import annotations

from textual.widgets import Static


class Readout(Static):
    """`show_content` updates the widget only if the content differs from what it shows."""

    _shown: object = None

    def show_content(self, content) -> None:
        if content != self._shown:
            self._shown = content
            self.update(content)

    def set_modes(self, active: str, modes: tuple[str, ...]) -> None:
        """Set exactly one of the CSS classes `modes` (the styles live in console.tcss)."""
        for mode in modes:
            self.set_class(mode == active, mode)
