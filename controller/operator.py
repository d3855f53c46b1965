"""Operator commands as the controller applies them, one per queue entry, at a tick boundary.

A mixin of `Controller` (controller/core.py), kept apart so that what an operator can ask for,
and every reason it may be refused, reads in one place. Nothing here moves the belt
directly: commands change targets or fire state-machine triggers, and the interlocks have
already run for this tick.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

from controller import states as S
from controller.commands import Command, Op
from controller.interlocks import Interlock, Severity, Trip, fall_stop
from drivers.base import Direction

if TYPE_CHECKING:
    from controller.interlocks.ui_heartbeat import UiHeartbeat
    from controller.limits import SpeedProfile
    from controller.program import Program
    from drivers.base import DriveStatus

REVERSE, NONE = Direction.REVERSE, Direction.NONE
#: How far the drive's read-back stop deceleration may be from the profile's (the drive's
#: parameter units round it: 0.01-0.1 s on a few seconds of ramp time).
DRIVE_STOP_TOLERANCE = 0.05
#: Where a direction key can act: choose before a start, or reverse the running belt (S3, S14).
DIRECTION_KEY_STATES = (S.IDLE, S.RUNNING)


class ControllerParts(Protocol):
    """What the mixin uses of `Controller` (controller/core.py) and of the state machine."""

    state: str
    now_s: float
    status: DriveStatus | None
    queue: deque[Command]
    program: Program | None
    profile: SpeedProfile
    step_index: int
    direction: Direction
    next_direction: Direction
    incline_target_pct: float
    manual_direction: Direction
    manual_target_kmh: float
    speed_override_kmh: float | None
    incline_override_pct: float | None
    reverse_armed: bool
    resume_pending: bool
    locked: bool
    stop_reason: str | None
    drive_stop_decel_mps2: float | None
    fall_stop: fall_stop.FallStop
    ui_heartbeat: UiHeartbeat | None
    _start_blockers: tuple[tuple[Interlock, ...], tuple[Interlock, ...]]

    @property
    def program_complete(self) -> bool: ...
    def _event(self, kind: str, **fields: Any) -> None: ...
    def _trip(self, trip: Trip) -> None: ...
    def _request_reset(self) -> None: ...
    def _desired_direction(self) -> Direction: ...
    def _step_target_kmh(self) -> float: ...
    def _set_program(self, program: Program | None, profile: SpeedProfile) -> None: ...
    def _motion_reset(self) -> None: ...
    def _enter_step(self, index: int) -> None: ...
    def _begin_countdown_to(self, direction: Direction) -> None: ...
    def _begin_reversal(self, direction: Direction) -> None: ...
    def _advance_paused(self, dt_s: float) -> None: ...
    # triggers bound by the state machine (controller/states.py)
    def begin_countdown(self) -> bool: ...
    def begin_pause(self) -> bool: ...
    def begin_stop(self) -> bool: ...


# Type checkers see the mixin as a ControllerParts; at run time it is a plain class.
_Base = ControllerParts if TYPE_CHECKING else object


class OperatorCommands(_Base):
    """Start, stop, e-stop, pause/resume, reset, arming, speed/incline keys, programs."""

    def start_refusal(self) -> str | None:
        """Why a start from idle is refused now, or None."""
        if self.state != S.IDLE:
            return f"cannot start while {self.state}"
        if self.locked:
            return "console locked: enter the operator PIN"
        if self.program_complete:
            return "program complete: load a program to start again"
        exchange, others = self._start_blockers
        for interlock in exchange:  # these need no status, and without them none is trusted
            if (reason := interlock.still_present(self)) is not None:
                return reason
        if self.status is None:
            return "no status from the drive yet"
        for interlock in others:
            if (reason := interlock.still_present(self)) is not None:
                return reason
        if (reason := self.drive_stop_refusal()) is not None:
            return reason
        if self._desired_direction() is REVERSE:
            return fall_stop.reverse_refusal(self.status, self.reverse_armed)
        return None

    def drive_stop_refusal(self) -> str | None:
        """Why the drive's own stop does not fit this session's profile (S5), or None.

        The host sets the drive's quick stop for the profile at connect, and again when a
        program brings another profile; until then an e-stop would not stop as this profile
        says, so nothing starts."""
        held_mps2 = self.drive_stop_decel_mps2
        wanted_mps2 = self.profile.estop_decel_mps2
        if held_mps2 is None or abs(held_mps2 - wanted_mps2) <= DRIVE_STOP_TOLERANCE * wanted_mps2:
            return None
        return (f"the drive's own stop is set to {held_mps2:.2f} m/s^2 but profile {self.profile.name!r} "
                f"stops at {wanted_mps2:g} m/s^2: wait for the drive to be reconfigured")

    def can_start(self) -> bool:
        """Guard of the `begin_countdown` trigger."""
        return self.start_refusal() is None

    def _apply(self, command: Command) -> None:
        """One queued command: into the trace (but the console's heartbeats), then its handler."""
        op = command.op
        if op is not Op.UI_HEARTBEAT:  # every operator action is in the trace, in order
            value = command.value
            self._event("command", op=op.value, source=command.source,
                        **({"value": getattr(value, "value", value)} if isinstance(value, (int, float, Direction)) else {}))
        HANDLERS[op](self, command)

    def _estop(self, command: Command) -> None:
        self._trip(Trip("operator", Severity.ESTOP, f"e-stop pressed ({command.source})"))

    def _stop(self, command: Command) -> None:
        if self.state in (S.COUNTDOWN, S.RUNNING, S.PAUSED, S.REVERSING):
            self.stop_reason = f"operator stop ({command.source})"
            self._event("operator_stop", source=command.source)
            self.begin_stop()

    def _pause(self, command: Command) -> None:
        if self.state == S.RUNNING:
            self.begin_pause()
        else:
            self._refuse(command, f"cannot pause while {self.state}")

    def _resume(self, command: Command) -> None:
        if self.state == S.PAUSED:
            self.resume_pending = True  # the countdown begins once the belt stands still
            self._advance_paused(0.0)
        else:
            self._refuse(command, f"cannot resume while {self.state}")

    def _heartbeat(self, command: Command) -> None:
        if self.ui_heartbeat is not None:
            self.ui_heartbeat.beat(self.now_s)

    def _reset(self, command: Command) -> None:
        self._request_reset()

    def _lock(self, command: Command) -> None:
        if self.state != S.IDLE:
            self._refuse(command, f"stop the belt before locking (now {self.state})")
        else:
            self.locked = True

    def _unlock(self, command: Command) -> None:
        self.locked = False

    def _load_program(self, command: Command) -> None:
        if self.state != S.IDLE:
            self._refuse(command, "load a program only while idle")
            return
        program, profile = command.value
        if program is not None and (reason := _program_refusal(program, profile)):
            self._refuse(command, reason)
            return
        self._set_program(program, profile)
        self._motion_reset()
        self._event("program_loaded", name=program.name if program else "manual", profile=self.profile.name)

    def _refuse(self, command: Command, reason: str) -> None:
        self._event("refused", command=command.op.value, reason=reason)

    def _start(self, command: Command) -> None:
        reason = self.start_refusal()
        if reason is not None:
            if self.stop_reason is None:  # a refusal never hides why the belt stopped
                self.stop_reason = f"start refused: {reason}"
            self._refuse(command, reason)
            return
        self.stop_reason = None
        if self.status.fall_stop:
            self.fall_stop.armed = True  # clipped at the start: from now on its opening trips (S8)
        self._begin_countdown_to(self._desired_direction())
        self.begin_countdown()
        self._enter_step(self.step_index)

    def _arm_reverse(self, command: Command) -> None:
        armed = bool(command.value)
        if not armed and REVERSE in (self.direction, self.next_direction) and self.state in S.ACTIVE:
            self._refuse(command, "stop the belt before disarming reverse")
            return
        self.reverse_armed = armed
        self._event("reverse_armed" if armed else "reverse_disarmed", source=command.source)

    def _adjust_speed(self, command: Command) -> None:
        delta_kmh = float(command.value)
        if self.state != S.RUNNING:
            self._refuse(command, f"speed can change only while running (now {self.state})")
            return
        cap_kmh = self.profile.max_kmh(self.direction)
        wanted = min(max(self._step_target_kmh() + delta_kmh, self.profile.start_speed_kmh), cap_kmh)
        if self.program is None:
            self.manual_target_kmh = wanted
        else:
            self.speed_override_kmh = wanted

    def _adjust_incline(self, command: Command) -> None:
        delta_pct = float(command.value)
        base_pct = self.incline_override_pct if self.incline_override_pct is not None else self.incline_target_pct
        wanted = min(max(base_pct + delta_pct, 0.0), self.profile.incline_max_pct)
        self.incline_override_pct = wanted

    def _set_direction(self, command: Command) -> None:
        direction = command.value
        if self.program is not None:
            self._refuse(command, "the program sets the direction")
            return
        if self.state not in DIRECTION_KEY_STATES:
            self._refuse(command, f"the direction can change only while idle or running (now {self.state})")
            return
        if direction is REVERSE and (reason := fall_stop.reverse_refusal(self.status, self.reverse_armed)):
            self._refuse(command, reason)
            return
        if direction is not self.manual_direction:
            self.manual_target_kmh = self.profile.start_speed_kmh  # S14: no speed crosses a reversal
        self.manual_direction = direction
        if self.state == S.RUNNING and direction is not self.direction:
            self._begin_reversal(direction)


#: Each operation's handler: one entry per `Op` (a test holds the table complete).
HANDLERS: Mapping[Op, Callable[[OperatorCommands, Command], None]] = {
    Op.ESTOP: OperatorCommands._estop,
    Op.STOP: OperatorCommands._stop,
    Op.START: OperatorCommands._start,
    Op.PAUSE: OperatorCommands._pause,
    Op.RESUME: OperatorCommands._resume,
    Op.UI_HEARTBEAT: OperatorCommands._heartbeat,
    Op.RESET: OperatorCommands._reset,
    Op.ARM_REVERSE: OperatorCommands._arm_reverse,
    Op.ADJUST_SPEED: OperatorCommands._adjust_speed,
    Op.ADJUST_INCLINE: OperatorCommands._adjust_incline,
    Op.LOCK: OperatorCommands._lock,
    Op.UNLOCK: OperatorCommands._unlock,
    Op.SET_DIRECTION: OperatorCommands._set_direction,
    Op.LOAD_PROGRAM: OperatorCommands._load_program,
}


def _program_refusal(program, profile) -> str | None:
    """Why a program cannot run under `profile` (caps, start speed, loosening), or None."""
    from controller.errors import InputError
    from controller.program import check_program

    try:
        check_program(program, profile)
    except InputError as exc:  # one line for the event log: the first error, and how many more
        more = len(exc.errors) - 1
        return exc.line + (f" (and {more} more)" if more else "")
    return None
