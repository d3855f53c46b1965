"""Every key of the console, in one table: the bindings, the help screen and docs/console.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    keys: str  # Textual key names, comma-separated
    action: str
    label: str  # short, for the footer
    help: str  # one line, for the help screen
    display: str | None = None
    footer: bool = True


ESTOP_KEY = "space"
#: the speed presets: digit N asks for N km/h (Key.action "preset" is bound once per digit)
PRESET_KEYS = "1,2,3,4,5,6,7,8,9"

#: The e-stop: an application-wide priority binding, so it works on every screen and in
#: every dialog, whatever has the focus.
ESTOP = Key(ESTOP_KEY, "estop", "E-STOP", "EMERGENCY STOP: works on every screen and in every dialog",
            display="SPACE")

MAIN = (
    Key("s", "start", "Start", "Start the program after a countdown (resumes when paused)"),
    Key("p", "pause", "Pause", "Pause (ramps to a stop, program clock held) / resume"),
    Key("x", "stop", "Stop", "Controlled stop at the normal deceleration"),
    Key("r", "reset", "Reset", "Reset after an e-stop or fault; refused, naming the cause, while one persists"),
    # ↑/↓ stay out of the footer: at 80 columns it must keep Quit and E-STOP (issue 13)
    Key("up,plus,equals_sign", "faster", "+0.1", "Speed +0.1 km/h (never above the profile's cap)", display="↑",
        footer=False),
    Key("down,minus", "slower", "-0.1", "Speed -0.1 km/h (never below the start speed)", display="↓", footer=False),
    Key("shift+up", "much_faster", "+0.5", "Speed +0.5 km/h (never above the profile's cap)", display="Shift+↑",
        footer=False),
    Key("shift+down", "much_slower", "-0.5", "Speed -0.5 km/h (never below the start speed)", display="Shift+↓",
        footer=False),
    Key(PRESET_KEYS, "preset", "Preset", "Speed 1-9 km/h at once, through the usual ramp (never above the cap)",
        display="1…9", footer=False),
    Key("pageup,right_square_bracket", "incline_up", "Incl+", "Incline +0.5 % (up to the profile's maximum)",
        display="PgUp", footer=False),
    Key("pagedown,left_square_bracket", "incline_down", "Incl-", "Incline -0.5 %", display="PgDn", footer=False),
    Key("a", "arm", "Arm rev", "Arm reverse after checking the harness (a confirmation); again to disarm"),
    Key("d", "direction", "Dir", "Manual mode: change direction (reverse needs arming)", footer=False),
    Key("o", "programs", "Program", "Choose the program and the profile (athlete needs the PIN)"),
    Key("i", "simulator", "Sim", "Simulator panel: key, fall, harness, comms, faults, heart rate", footer=False),
    Key("h", "heart_rate", "HR", "Heart-rate source: scan for a strap and choose it, or none, or the simulator's",
        footer=False),
    Key("v", "sessions", "Sessions", "The last sessions", footer=False),
    Key("l", "lock", "Lock", "End the session and lock the console (the PIN unlocks it)", footer=False),
    Key("c", "theme", "Colours", "Colours: the colour-blind-safe theme / the standard one (remembered)",
        footer=False),
    Key("question_mark,f1", "help", "Help", "This list of keys", display="?"),
    Key("q", "quit", "Quit", "Quit: the belt is brought to a stop first"),
)

SIMULATOR = (
    Key("k", "key", "Key", "Pull the safety key out / put it back"),
    Key("f", "fall", "Fall", "The person falls (into the harness if clipped)"),
    Key("h", "harness", "Harness", "Unclip / clip the fall-stop harness"),
    Key("c", "comms", "Comms", "Cut / restore the drive's communication"),
    Key("t", "drive_fault", "Trip", "Drive fault (overcurrent trip: the belt coasts)"),
    Key("v", "overspeed", "Overspeed", "Runaway speed loop: belt 3.5 km/h above the reference"),
    Key("j", "stall", "Stall", "The belt jams"),
    Key("plus,equals_sign,up", "hr_up", "HR+", "Heart rate +10 BPM (starts at 90)"),
    Key("minus,down", "hr_down", "HR-", "Heart rate -10 BPM"),
    Key("n", "strap", "Strap", "The heart-rate strap's signal is lost / comes back"),
    Key("escape,i", "close", "Close", "Close the simulator panel"),
)
