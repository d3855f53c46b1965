"""The top of the screen: the status line, the direction banner, the speed and the readings."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from controller.energy import DEFAULT_MASS_KG, met, vo2_ml_kg_min
from drivers.base import Direction
from ui.console.text import (REVERSE_PHASES, STATE_LABELS, countdown_number, distance, mmss, mph, speed_range,
                             travel_direction)
from ui.console.widgets.base import Readout
from ui.console.widgets.bignum import BigNumber

DIRECTION_MODES = ("-forward", "-reverse", "-stopped", "-estop")
ARROWS = {"forward": "▲", "reverse": "▼"}
WORDS = {"forward": "FORWARD", "reverse": "REVERSE"}
SHORT_WORDS = {"forward": "FWD", "reverse": "REV"}
EXPLAIN = {"forward": "walking forward, facing the console",
           "reverse": "WALKING BACKWARD · hold the handrails"}


class StatusLine(Readout):
    """Program · profile · driver on the left, the state on the right."""

    def show(self, frame, program_label: str, notes: tuple[str, ...]) -> None:
        snap = frame.snapshot
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {STATE_LABELS.get(snap.state, snap.state)} ", style="bold reverse")
        text.append(f"  {program_label} · {snap.profile}")
        if snap.reverse_armed:
            text.append("  REVERSE ARMED", style="bold")
        for note in notes:
            text.append(f"  ⚠ {note}", style="bold")
        self.show_content(text)
        self.set_modes("-" + snap.state, tuple("-" + s for s in STATE_LABELS))


class DirectionBanner(Readout):
    """Which way the belt runs, in a word, an arrow and a colour nobody can misread."""

    def show(self, snap) -> None:
        state = snap.state
        if state in ("estop", "fault"):
            word = "E-STOP" if state == "estop" else "FAULT"
            mode, line1, line2 = "-estop", f"✖  {word}  ✖", snap.stop_reason or ""
            moving = travel_direction(snap)  # the drive stops the belt itself: it runs down meanwhile
            if moving in WORDS:
                line1 += f"   {ARROWS[moving]} belt still moving {WORDS[moving]} {ARROWS[moving]}"
        elif state in ("countdown", "reversing") and snap.upcoming_direction in WORDS:
            up = snap.upcoming_direction
            arrow = ARROWS[up]
            if snap.countdown_left_s is not None:
                line2 = f"starting in {countdown_number(snap.countdown_left_s)} · {EXPLAIN[up]}"
            else:
                line2 = f"changing direction: {REVERSE_PHASES.get(snap.reverse_phase or '', '')}"
            mode, line1 = "-" + up, f"{arrow} {arrow}   NEXT: {WORDS[up]}   {arrow} {arrow}"
        elif (d := travel_direction(snap)) in WORDS:
            arrow = ARROWS[d]
            mode = "-" + d
            line1 = f"{arrow} {arrow} {arrow}   {WORDS[d]}   {arrow} {arrow} {arrow}"
            line2 = {"paused": "PAUSED · slowing to a stop", "stopping": "STOPPING"}.get(state, EXPLAIN[d])
        elif state == "paused":
            nxt = snap.upcoming_direction
            mode, line1 = "-stopped", "❚❚  PAUSED  ❚❚"
            line2 = f"P resumes {ARROWS[nxt]} {WORDS[nxt]}, after a countdown" if nxt in WORDS else \
                "P resumes, after a countdown"
        else:
            mode, line1 = "-stopped", "■  STOPPED  ■"
            nxt = snap.upcoming_direction
            line2 = f"next start: {ARROWS[nxt]} {WORDS[nxt]}" if nxt in WORDS and not snap.program_complete else ""
        self.show_content(Text(f"{line1}\n{line2}", justify="center", no_wrap=True, overflow="ellipsis"))
        self.set_modes(mode, DIRECTION_MODES)


class SpeedReadout(Vertical):
    """The measured belt speed, large, in km/h, with mph beside it and the target below."""

    def compose(self) -> ComposeResult:
        yield BigNumber(id="speed-kmh")
        yield Readout("", id="speed-target")

    def show(self, snap, wide: bool = False) -> None:
        number = self.query_one("#speed-kmh", BigNumber)
        number.value = f"{snap.belt_kmh:.1f}"
        moving = travel_direction(snap)
        # the way it runs beside the digits, in a glyph and a word: never by colour alone
        up = snap.upcoming_direction
        if moving in WORDS:
            way = f"{ARROWS[moving]} {SHORT_WORDS[moving]}"
        elif snap.state in ("countdown", "reversing", "paused") and up in WORDS:
            way = f"next {ARROWS[up]} {SHORT_WORDS[up]}"  # standing still, and which way it goes next
        else:
            way = "■ STOP"
        number.side = (Text("km/h", style="bold"), Text(f"{mph(snap.belt_kmh):.1f} mph"), Text(way, style="bold"))
        self.query_one("#speed-target", Readout).show_content(target_line(snap, wide))
        self.set_class(moving == "reverse", "-reverse")
        self.set_class(moving == "forward", "-forward")


class Readings(Readout):
    """Incline, times, distances and the energy estimate, in two aligned columns."""

    def show(self, frame) -> None:
        snap = frame.snapshot
        incline = f"{snap.incline_pct:.1f} %"
        if abs(snap.incline_target_pct - snap.incline_pct) >= 0.05:
            incline += f" → {snap.incline_target_pct:.1f}"
        rows = (("Incline", incline, "MET", f"≈ {met_now(snap):.1f}"),
                ("Elapsed", mmss(frame.session_s), "Left", mmss(snap.program_left_s)),
                ("Forward", distance(frame.distance_forward_m), "Back", distance(frame.distance_backward_m)))
        text = Text(no_wrap=True, overflow="ellipsis")
        for label1, value1, label2, value2 in rows:
            text.append(f"{label1:<8}", style="dim")
            text.append(f"{value1:<13}", style="bold")
            text.append(f"{label2:<7}", style="dim")
            text.append(value2 + "\n", style="bold")
        text.append(f"{'Energy':<8}", style="dim")
        text.append(energy_text(frame), style="bold")
        self.show_content(text)


def target_line(snap, wide: bool = False) -> str:
    """The target speed and the cap for the coming direction; in an HR-guided step, its speed
    range and target heart rate instead of the cap (the range is within it), and on a narrow
    screen instead of the target speed too (the belt's speed is just above)."""
    if snap.hr_speed_range_kmh is not None and snap.target_hr_bpm is not None:
        guided = f"HR-guided {speed_range(snap.hr_speed_range_kmh)} km/h → {snap.target_hr_bpm:.0f} bpm"
        return f"target {snap.target_kmh:.1f} km/h · {guided}" if wide else guided
    up = snap.upcoming_direction
    cap = snap.max_reverse_kmh if up == "reverse" else snap.max_forward_kmh
    return f"target {snap.target_kmh:.1f} km/h · cap {cap:.1f} {up if up != 'none' else ''}"


def met_now(snap) -> float:
    """The metabolic equivalent of what the belt asks now (controller/energy.py): an estimate."""
    direction = Direction(snap.belt_direction) if snap.belt_direction in WORDS else Direction.NONE
    return met(vo2_ml_kg_min(snap.belt_kmh, snap.incline_pct, direction))


def energy_text(frame) -> str:
    """The session's kcal so far, said to be an estimate (and for which mass, when assumed)."""
    if frame.energy_kcal is None:
        return "≈ 0 kcal (estimate)"
    assumed = f", {DEFAULT_MASS_KG:g} kg" if frame.energy_estimated else ""
    return f"≈ {frame.energy_kcal:.0f} kcal (estimate{assumed})"
