"""The heart-rate source picker (H): scan for Bluetooth straps, choose one (or none, or the
simulator's person), and see whether it connected.

The scan runs in a worker on the UI's event loop (bleak is asyncio all the way down), so the
screen keeps drawing and SPACE keeps stopping the belt while it listens. A machine without
Bluetooth, or a scan that finds nothing, is one line on the screen, never a traceback. The
choice goes to the engine (`Engine.use_heart_rate`), which switches between sessions and
answers with an `hr_source` event: connected, or the one-line reason it is not.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ui.console.screens.dialogs import Dialog
from ui.console.text import hr_source_label, hr_source_line
from ui.console.widgets.base import Readout

SCAN_S = 5.0  # as `retrotread hr-scan`: straps advertise about once a second
STATUS_MODES = ("-info", "-good", "-bad")


class StrapScreen(Dialog):
    """The sources to choose from: none, the simulator's person (on sim://), the straps heard."""

    AUTO_FOCUS = "#strap-list"
    BINDINGS = [Binding("s,f5", "scan", "Scan again"), Binding("escape,h", "close", "Close")]

    def __init__(self, *, scan_s: float = SCAN_S, backend=None) -> None:
        """`backend`: bleak backend classes (drivers.heart_rate.BleakBackend); None: the platform's."""
        super().__init__()
        self.scan_s = scan_s
        self.backend = backend
        self.straps: list = []  # drivers.heart_rate.scan.StrapSeen, strongest first
        self.asked: str | None = None  # the URL asked of the engine, until its hr_source event

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="strap-dialog") as body:
            body.border_title = "Heart-rate source · Esc closes"
            yield Readout("", id="strap-now")
            yield Static("↑/↓ and Enter choose · S scans again · a strap must be worn to advertise",
                         classes="lead", id="strap-keys")
            yield OptionList(id="strap-list")
            yield Readout("", id="strap-status")

    def on_mount(self) -> None:
        self._fill()
        self.watch(self.app, "frame", self._answer)
        self.action_scan()

    # ---- scanning ---------------------------------------------------------------------------
    def action_scan(self) -> None:
        self._status(f"Scanning for heart-rate straps ({self.scan_s:g} s)…", "-info")
        self.run_worker(self._scan(), exclusive=True, group="strap-scan")

    async def _scan(self) -> None:
        from drivers.heart_rate.bt_errors import describe
        from drivers.heart_rate.scan import scan_straps

        try:
            straps = await scan_straps(self.scan_s, backend=self.backend)
        except Exception as exc:  # the Bluetooth stack's failures: one line (no adapter, no BlueZ)
            self._status(f"No scan: {describe(exc)}", "-bad")
            return
        self.straps = straps
        self._fill()
        if straps:
            self._status(f"{len(straps)} strap{'s' if len(straps) > 1 else ''} found: choose one with Enter", "-good")
        else:
            self._status(f"No heart-rate strap (service 0x180D) found within {self.scan_s:g} s: wear it "
                         "(most advertise only with skin contact), then S", "-bad")

    # ---- choosing -----------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#strap-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.choose(event.option.id)

    def choose(self, url: str) -> None:
        """Ask the engine for this source; its `hr_source` event answers (see _answer)."""
        self.asked = url
        self.app.engine.use_heart_rate(url)
        self._status(f"Switching to {hr_source_label(url)}…", "-info")

    def _answer(self, frame) -> None:
        if frame is None:
            return
        for event in frame.events:
            if event["event"] == "hr_source" and event["url"] == self.asked:
                self.asked = None
                self._status(hr_source_line(event), "-good" if event["ok"] else "-bad")
                self._fill()

    def _fill(self) -> None:
        """The list, the source in use marked; the cursor stays on the same line."""
        engine = self.app.engine
        now = engine.heart_rate_source
        choices = [("none", "No heart rate (none)")]
        if engine.simulated:
            choices.append(("sim", "The simulator's person (sim)"))
        choices += [(f"ble://{s.address}", f"{s.address}  {s.name or '(no name)'}  {s.rssi_dbm} dBm")
                    for s in self.straps]
        listing = self.query_one("#strap-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options([Option(Text(("● " if url == now else "  ") + label), id=url) for url, label in choices])
        listing.highlighted = min(highlighted, len(choices) - 1) if highlighted is not None else 0
        self.query_one("#strap-now", Readout).show_content(f"In use: {hr_source_label(now)}")

    def _status(self, line: str, mode: str) -> None:
        status = self.query_one("#strap-status", Readout)
        status.show_content(line)  # whole: the reason may take two lines
        status.set_modes(mode, STATUS_MODES)

    def action_close(self) -> None:
        self.dismiss()
