"""Sound cues (issue 13, point 6): a walker facing away from the console still hears that a
countdown or a change of direction is coming, and an e-stop.

The site file's [console] table (controller/limits.py keeps it as a plain dict, validated
here as [telemetry] is by its module):

    [console]
    sound = "bell"                      # "bell" (the terminal's), "command", or "off"
    sound_command = "paplay cue.oga"    # with sound = "command": run with the cue's name added

A command runs in the background (never waited for: the UI thread keeps its heartbeat); one
that cannot start is said once on the message line, and the bell stands in for it.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from typing import Any, Callable

MODES = ("bell", "command", "off")
KEYS = ("sound", "sound_command")
#: the cue of each event that needs one: a countdown begins, a change of direction begins, an e-stop
CUES = {"countdown": "countdown", "reversing": "direction"}  # states entered; and every `estop` event


class SoundError(ValueError):
    """A [console] table that does not check; the message names the field."""


@dataclass(frozen=True)
class SoundSettings:
    mode: str = "bell"
    command: tuple[str, ...] = ()


def sound_settings(table: dict[str, Any] | None, where: str = "[console]") -> SoundSettings:
    """The [console] table's sound settings, checked; SoundError naming the field if not."""
    table = table or {}
    for key in table:
        if key not in KEYS:
            raise SoundError(f"{where} {key}: unknown setting (known: {', '.join(KEYS)})")
    mode = table.get("sound", "bell")
    if mode not in MODES:
        raise SoundError(f"{where} sound: {mode!r} is not one of {', '.join(MODES)}")
    text = table.get("sound_command")
    if text is not None and (not isinstance(text, str) or not text.strip()):
        raise SoundError(f"{where} sound_command: a command line, not {text!r}")
    if mode == "command" and text is None:
        raise SoundError(f"{where} sound_command: needed with sound = \"command\"")
    return SoundSettings(mode, tuple(shlex.split(text)) if text else ())


def cues_of(events) -> list[str]:
    """The cues a frame's events call for, in order."""
    cues = []
    for event in events:
        kind = event["event"]
        if kind == "state" and event["to"] in CUES:
            cues.append(CUES[event["to"]])
        elif kind == "estop":
            cues.append("estop")
    return cues


class Sound:
    """Plays cues: the bell, a command, or nothing."""

    def __init__(self, settings: SoundSettings, bell: Callable[[], None], say: Callable[[str, str], None]) -> None:
        self.settings = settings
        self.bell = bell
        self.say = say
        self.running: list[subprocess.Popen] = []  # the commands started (the tests wait for them)
        self._failed = False

    def play(self, cue: str) -> None:
        mode = self.settings.mode
        if mode == "off":
            return
        if mode == "command" and not self._failed:
            try:
                self.running = [p for p in self.running if p.poll() is None]
                self.running.append(subprocess.Popen([*self.settings.command, cue], stdin=subprocess.DEVNULL,
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                return
            except OSError as exc:
                self._failed = True
                self.say(f"Sound command {self.settings.command[0]!r} failed ({exc.strerror}): the terminal bell "
                         "stands in for it.", "warn")
        self.bell()
