"""The detail view of one treadmill: its banner, every reading, the chart of the last two
minutes (speed, target and heart rate; chart.py) and its event log, newest first. Opening it
counts as seeing the treadmill's alarms."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from ui.fleet.chart import FleetChart
from ui.fleet.model import ALARM_EVENTS, Treadmill
from ui.fleet.words import BANNER_MODES, STATE_LABELS, alarm_line, banner, clock_time, event_line
from ui.session.words import mmss

CHART_STEP_S = 0.5  # one dot column per half second, as the console's chart
LOG_LINES = 60
VALUE_WIDTH = 26


def chart_samples(t: Treadmill) -> list[tuple]:
    """The history, one sample per CHART_STEP_S: (t_s, target_kmh, belt_kmh, direction, hr_bpm)."""
    samples, next_s = [], None
    for sample in t.history:
        if next_s is None or sample[0] >= next_s:
            samples.append(sample)
            next_s = sample[0] + CHART_STEP_S - 1e-6
    return samples


def readings(t: Treadmill) -> Text:
    s = t.state or {}
    hr = s.get("heart_rate_bpm")
    step = "--" if s.get("step") is None else f"{s['step'] + 1} {s.get('step_name') or ''}"
    interlocks = s.get("interlocks") or {}
    rows = [("Belt", f"{s.get('belt_kmh', 0.0):.1f} km/h", "Target", f"{s.get('target_kmh', 0.0):.1f} km/h"),
            ("Heart", "--" if hr is None else f"{hr:.0f} bpm", "Incline", f"{s.get('incline_pct', 0.0):.1f} %"),
            ("Program", s.get("program") or "--", "Step", step),
            ("Elapsed", mmss(s.get("elapsed_s")), "Left", mmss(s.get("remaining_s"))),
            ("Forward", f"{s.get('distance_forward_m', 0.0):,.0f} m",
             "Back", f"{s.get('distance_backward_m', 0.0):,.0f} m"),
            ("Heard", clock_time(s.get("ts")), "Stop", s.get("stop_reason") or "--")]
    text = Text(no_wrap=True, overflow="ellipsis")
    for label1, value1, label2, value2 in rows:
        value1 = value1 if len(value1) <= VALUE_WIDTH else value1[:VALUE_WIDTH - 1] + "…"
        text.append(f"{label1:<9}", style="dim")
        text.append(f"{value1:<{VALUE_WIDTH + 2}}", style="bold")
        text.append(f"{label2:<8}", style="dim")
        text.append(f"{value2}\n", style="bold")
    for key, ok in interlocks.items():
        text.append(f"{'✓' if ok else '✗'} {key.replace('_', ' ')}   ", style="green" if ok else "bold red")
    return text


class DetailScreen(Screen):
    """One treadmill (see the module docstring); Escape goes back to the fleet."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back to the fleet"),
                Binding("q", "app.quit", "Quit")]

    def __init__(self, treadmill_id: str) -> None:
        super().__init__()
        self.treadmill_id = treadmill_id

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-banner")
        with Horizontal(id="detail-middle"):
            yield Static(id="detail-readings")
            yield Static(id="detail-alarms")
        yield FleetChart(id="detail-chart")
        yield Static(id="detail-log")
        yield Footer()

    def on_mount(self) -> None:
        self.app.model.acknowledge(self.treadmill_id)
        self.refresh_from(self.app.model.treadmill(self.treadmill_id))

    def refresh_from(self, t: Treadmill | None) -> None:
        if t is None:
            return
        state = "OFFLINE" if t.online is False else STATE_LABELS.get(t.state_name, t.state_name.upper())
        self.query_one("#detail-title", Static).update(Text(f" {t.id}   {state}", style="bold"))
        mode, line = banner(t)
        banner_widget = self.query_one("#detail-banner", Static)
        banner_widget.update(Text(line, justify="center"))
        for mode_class in BANNER_MODES:
            banner_widget.set_class(mode_class == mode, mode_class)
        self.query_one("#detail-readings", Static).update(readings(t))
        alarms = Text()
        for alarm in t.alarms[-6:]:
            alarms.append(f"{clock_time(alarm.ts)} {ALARM_EVENTS.get(alarm.kind, alarm.kind.upper())}: {alarm.text}\n",
                          style="bold red" if not alarm.seen else "")
        alarm_now, _ = alarm_line(t)
        self.query_one("#detail-alarms", Static).update(alarms or Text(alarm_now or "no alarms", style="dim"))
        self.query_one(FleetChart).show(chart_samples(t))
        newest_first = reversed(list(t.events)[-LOG_LINES:])
        log = "\n".join(event_line(e) for e in newest_first) or "no events heard yet"
        self.query_one("#detail-log", Static).update(Text(log, no_wrap=True, overflow="ellipsis"))
