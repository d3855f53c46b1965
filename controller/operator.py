"""Operator commands as the controller applies them, one per queue entry, at a tick boundary.

A mixin of `Controller` (controller/core.py), kept apart so that what an operator can ask for,
and every reason it may be refused, reads in one place. Nothing here moves the belt
directly: commands change targets or fire state-machine triggers, and the interlocks have
already run for this tick.
"""

from __future__ import annotations

from controller import states as S
from controller.commands import Command, Op
from controller.interlocks import Severity, Trip, drive_fault, fall_stop, safety_key
from drivers.base import Direction

REVERSE, NONE = Direction.REVERSE, Direction.NONE
#: How far the drive's read-back stop deceleration may be from the profile's (the drive's
#: parameter units round it: 0.01-0.1 s on a few seconds of ramp time).
DRIVE_STOP_TOLERANCE = 0.05
#: Where a direction key can act: choose before a start, or reverse the running belt (S3, S14).
DIRECTION_KEY_STATES = (S.IDLE, S.RUNNING)


class OperatorCommands:
    """Start, stop, e-stop, pause/resume, reset, arming, speed/incline keys, programs."""

    def start_refusal(self) -> str | None:
        """Why a start from idle is refused now, or None."""
        if self.state != S.IDLE:
            return f"cannot start while {self.state}"
        if self.locked:
            return "console locked: enter the operator PIN"
        if self.program_complete:
            return "program complete: load a program to start again"
        if (reason := self.comms.present()) is not None:
            return reason
        if self.status is None:
            return "no status from the drive yet"
        if (reason := safety_key.present(self.status)) is not None:
            return reason
        if (reason := drive_fault.present(self.status)) is not None:
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

    def start_permitted(self) -> bool:
        """Guard of `begin_countdown`."""
        return self.start_refusal() is None

    def _apply(self, command: Command) -> None:
        op = command.op
        if op is not Op.UI_HEARTBEAT:  # every operator action is in the trace, in order
            value = command.value
            self._event("command", op=op.value, source=command.source,
                        **({"value": getattr(value, "value", value)} if isinstance(value, (int, float, Direction)) else {}))
        if op is Op.ESTOP:
            self._trip(Trip("operator", Severity.ESTOP, f"e-stop pressed ({command.source})"))
        elif op is Op.STOP:
            if self.state in (S.COUNTDOWN, S.RUNNING, S.PAUSED, S.REVERSING):
                self.stop_reason = f"operator stop ({command.source})"
                self._event("operator_stop", source=command.source)
                self.begin_stop()
        elif op is Op.START:
            self._start(command)
        elif op is Op.PAUSE:
            if self.state == S.RUNNING:
                self.begin_pause()
            else:
                self._refuse(command, f"cannot pause while {self.state}")
        elif op is Op.RESUME:
            if self.state == S.PAUSED:
                self.resume_pending = True  # the countdown begins once the belt stands still
                self._advance_paused(0.0)
            else:
                self._refuse(command, f"cannot resume while {self.state}")
        elif op is Op.UI_HEARTBEAT:
            if self.ui_heartbeat is not None:
                self.ui_heartbeat.beat(self.now_s)
        elif op is Op.RESET:
            self._request_reset()
        elif op is Op.ARM_REVERSE:
            self._arm_reverse(bool(command.value), command)
        elif op is Op.ADJUST_SPEED:
            self._adjust_speed(float(command.value), command)
        elif op is Op.ADJUST_INCLINE:
            self._adjust_incline(float(command.value))
        elif op is Op.LOCK:
            if self.state != S.IDLE:
                self._refuse(command, f"stop the belt before locking (now {self.state})")
            else:
                self.locked = True
        elif op is Op.UNLOCK:
            self.locked = False
        elif op is Op.SET_DIRECTION:
            self._set_direction(command.value, command)
        elif op is Op.LOAD_PROGRAM:
            if self.state != S.IDLE:
                self._refuse(command, "load a program only while idle")
            else:
                program, profile = command.value
                if program is not None and (reason := _program_refusal(program, profile)):
                    self._refuse(command, reason)
                    return
                self._set_program(program, profile)
                self._motion_reset()
                self._event("program_loaded", name=program.name if program else "manual",
                            profile=self.profile.name)

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

    def _arm_reverse(self, armed: bool, command: Command) -> None:
        if not armed and REVERSE in (self.direction, self.next_direction) and self.state in S.ACTIVE:
            self._refuse(command, "stop the belt before disarming reverse")
            return
        self.reverse_armed = armed
        self._event("reverse_armed" if armed else "reverse_disarmed", source=command.source)

    def _adjust_speed(self, delta_kmh: float, command: Command) -> None:
        if self.state != S.RUNNING:
            self._refuse(command, f"speed can change only while running (now {self.state})")
            return
        cap_kmh = self.profile.max_kmh(self.direction)
        wanted = min(max(self._step_target_kmh() + delta_kmh, self.profile.start_speed_kmh), cap_kmh)
        if self.program is None:
            self.manual_target_kmh = wanted
        else:
            self.speed_override_kmh = wanted

    def _adjust_incline(self, delta_pct: float) -> None:
        base_pct = self.incline_override_pct if self.incline_override_pct is not None else self.incline_target_pct
        wanted = min(max(base_pct + delta_pct, 0.0), self.profile.incline_max_pct)
        self.incline_override_pct = wanted

    def _set_direction(self, direction: Direction, command: Command) -> None:
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


def _program_refusal(program, profile) -> str | None:
    """Why a program cannot run under `profile` (caps, start speed, loosening), or None."""
    from controller.errors import InputError
    from controller.program import check_program

    try:
        check_program(program, profile)
    except InputError as exc:
        return str(exc)
    return None
