"""`retrotread fleet`: every treadmill on one screen, read from the broker, read-only.

A timer takes the model (ui/fleet/model.py, fed on MQTT's thread) at most REFRESH_S apart and
only when it changed: many messages a second become one redraw. Tiles are slots in the
model's order (alarms first); the selection follows the treadmill, not the slot. Arrow keys
move it, Enter opens the detail view, `a` marks the selected treadmill's alarms as seen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import ItemGrid, VerticalScroll
from textual.widgets import Footer, Static

from ui.fleet.detail import DetailScreen
from ui.fleet.model import FleetModel
from ui.fleet.tiles import Tile

GIL_SWITCH_INTERVAL_S = 0.0005
REFRESH_S = 0.25
FLASH_S = 0.5
TILE_WIDTH = 36


class FleetApp(App):
    """The fleet view over `model`. `flash_s=None` holds alarms steady (snapshots)."""

    CSS_PATH = Path(__file__).with_name("fleet.tcss")  # absolute: a subclass elsewhere finds it too
    TITLE = "retrotread fleet"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("left", "move(-1)", "◀", show=False), Binding("right", "move(1)", "▶", show=False),
                Binding("up", "move_row(-1)", "▲", show=False), Binding("down", "move_row(1)", "▼", show=False),
                Binding("tab", "move(1)", show=False, priority=True),
                Binding("shift+tab", "move(-1)", show=False, priority=True),
                Binding("enter", "details", "Details"), Binding("a", "seen", "Alarms seen"),
                Binding("q", "quit", "Quit")]

    def __init__(self, model: FleetModel, *, broker_text: str = "", flash_s: float | None = FLASH_S,
                 refresh_s: float | None = REFRESH_S) -> None:
        super().__init__()
        self.model = model
        self.broker_text = broker_text
        self.selected: str | None = None
        self.flash_on = True
        self._flash_s = flash_s
        self._refresh_s = refresh_s
        self._version = -1
        self._order: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with VerticalScroll(id="fleet"):
            yield ItemGrid(id="tiles", min_column_width=TILE_WIDTH)
        yield Footer()

    def on_mount(self) -> None:
        # The feed's thread takes the GIL from drawing within 0.5 ms (CPython's default: 5 ms), so
        # a message reaches the model while a frame is drawn (as the console's engine does).
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        if self._refresh_s is not None:
            self.set_interval(self._refresh_s, self.poll)
        if self._flash_s is not None:
            self.set_interval(self._flash_s, self.flash)
        self.poll()

    # ---- from the model -------------------------------------------------------------------------
    def poll(self, force: bool = False) -> None:
        """Redraw if the model changed since the last look."""
        version = self.model.version
        if version == self._version and not force:
            return
        self._version = version
        treadmills = self.model.treadmills()
        self._order = [t.id for t in treadmills]
        if self.selected not in self._order:
            self.selected = self._order[0] if self._order else None
        grid = self.query_one("#tiles", ItemGrid)
        tiles = list(grid.query(Tile))
        if len(tiles) < len(treadmills):
            new = [Tile() for _ in range(len(treadmills) - len(tiles))]
            grid.mount_all(new)
            tiles += new
        for tile, t in zip(tiles, treadmills):
            tile.show(t, selected=t.id == self.selected, flash_on=self.flash_on)
        alarms = sum(1 for t in treadmills if t.unseen)
        header = f" retrotread fleet · {self.model.broker} · {len(treadmills)} treadmills"
        if alarms:
            header += f" · {alarms} with alarms"
        self.query_one("#header", Static).update(header)
        self.query_one("#header").set_class(bool(alarms), "-alarm")
        if isinstance(self.screen, DetailScreen):
            self.screen.refresh_from(self.model.treadmill(self.screen.treadmill_id))

    def flash(self) -> None:
        """Alarms not yet seen blink: only their tiles' class changes (no new look at the model)."""
        self.flash_on = not self.flash_on
        for tile in self.query(Tile):
            if tile.shown is not None and tile.shown[-1]:
                tile.set_class(self.flash_on, "-flash")

    # ---- keys --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters) -> bool | None:
        """The fleet's keys only on the fleet screen (the detail view has its own)."""
        if action in ("move", "move_row", "details", "seen") and isinstance(self.screen, DetailScreen):
            return False
        return True

    def action_move(self, step: int) -> None:
        if self._order:
            index = self._order.index(self.selected) if self.selected in self._order else 0
            self.selected = self._order[(index + step) % len(self._order)]
            self.poll(force=True)

    def action_move_row(self, rows: int) -> None:
        width = self.query_one("#tiles").size.width
        self.action_move(rows * max(1, width // TILE_WIDTH))

    def action_details(self) -> None:
        if self.selected is not None and not isinstance(self.screen, DetailScreen):
            self.push_screen(DetailScreen(self.selected))

    def action_seen(self) -> None:
        if self.selected is not None:
            self.model.acknowledge(self.selected)
            self.poll()
