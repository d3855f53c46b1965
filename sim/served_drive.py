"""The drive side of a drive profile: what a real drive does with its registers.

`ServedDrive` holds the register image of one profile and a SimWorld: reads render the
status registers from the world (with the same engine the driver decodes with, drivers/
codec.py), command writes are decoded as the drive would and handed to the world, the
state machine of CiA 402 / PROFIdrive / ABB drives is walked, the comm-loss watchdog
registers set the simulated drive's own watchdog and its reaction, and the profile's `[stop]`
registers set the simulated drive's own stop decelerations (converted with the driver's
codec, from the factory value on). A fired watchdog shows the profile's comm-loss fault code,
and a drive whose profile says so latches it even at standstill. No I/O:
sim/server_modbus.py puts it on a Modbus bus.
"""

from __future__ import annotations

import logging
import math

from controller.clock import Clock
from drivers.base import Direction, DriveCommand, StopMode
from drivers.codec import (Scale, decode_command, encode_inputs, encode_status, served_addresses,
                           stop_decel_mps2, watchdog_reaction, watchdog_timeout_s)
from drivers.profiles import DriveProfile
from drivers.site import DriveSite
from sim import control as C
from sim.belt import FAULT_COMM_LOSS
from sim.world import SimWorld

log = logging.getLogger("retrotread.sim.server")

ILLEGAL_VALUE = 3  # the Modbus exception code for a refused value
_STOP_MODES = {"stop": StopMode.RAMP, "quick_stop": StopMode.QUICK, "coast": StopMode.COAST}
_REACTION_STOPS = {"ramp": StopMode.RAMP, "quick": StopMode.QUICK, "coast": StopMode.COAST}


class ServedDrive:
    """The drive's side of a profile: its register image and what it does with writes."""

    def __init__(self, world: SimWorld, profile: DriveProfile, site: DriveSite, clock: Clock,
                 faults: C.BusFaults) -> None:
        self.world = world
        self.profile = profile
        self.site = site
        self.scale = Scale.from_site(site)
        self.clock = clock
        self.faults = faults
        self.readonly, self.writable = served_addresses(profile)
        self.image = {address: 0 for address in self.readonly | self.writable}
        watchdog = profile.watchdog
        self.image[watchdog.timeout_register] = watchdog.factory_timeout_raw
        if watchdog.reaction_register is not None:
            reactions = watchdog.reactions
            self.image[watchdog.reaction_register] = reactions.get("ramp", next(iter(reactions.values())))
        stop = profile.stop
        if stop.writable:
            self.image.update({address: stop.factory_raw for address in stop.registers})
            if stop.max_hz_register is not None:
                self.image[stop.max_hz_register] = round(site.max_hz * stop.max_hz_raw_per_hz)
            self._apply_stop()
        self._last_command_s = clock.now_s()  # the watchdog counts from the last command write
        self._apply_watchdog()
        self.stage = 0  # enable-sequence position; len(sequence) = the run words apply
        self._reset_was_set = False
        self.command_writes = 0
        self.events = 0
        self._event_t_s: float | None = None
        self.latency_s: float | None = None
        self._last_run_kmh = 0.0
        self._warned_words: set[int] = set()

    # ---- time ---------------------------------------------------------------------------
    def advance(self) -> None:
        """Bring the world to now; a drive whose watchdog fires at standstill latches its fault."""
        world = self.world
        now_s = self.clock.now_s()
        world.advance_to(now_s)
        belt = world.belt
        if (self.profile.watchdog.fault_when_stopped and not belt.enabled and not belt.fault_code
                and self.reaction and now_s - self._last_command_s > self.watchdog_s):
            belt.trip(FAULT_COMM_LOSS)

    # ---- registers ----------------------------------------------------------------------
    def _state_word(self) -> int:
        enable = self.profile.enable
        if enable is None:
            return 0
        if self.stage < len(enable.sequence):
            return enable.sequence[self.stage].when.value
        return enable.enabled[0].value

    def render(self) -> None:
        """Refresh the status registers from the world."""
        status = self.world.status()
        comm_loss_code = self.profile.watchdog.comm_loss_fault
        if status.fault_code == FAULT_COMM_LOSS and comm_loss_code is not None:
            status = status._replace(fault_code=comm_loss_code)  # the drive's own code, not the sim's
        self.image.update(encode_status(self.profile, self.scale, status, self._state_word()))
        di_word, _ = encode_inputs(self.site, status.safety_key, status.fall_stop)
        if self.profile.inputs is not None:
            self.image[self.profile.inputs.address] = di_word

    def io_inputs(self) -> dict[int, bool]:
        status = self.world.status()
        return encode_inputs(self.site, status.safety_key, status.fall_stop)[1]

    def write(self, address: int, values: list[int]) -> int | None:
        """Take a write of `values` at `address`; return an exception code to refuse it.

        May change `values` in place (a drive that silently ignores a parameter write).
        """
        watchdog = self.profile.watchdog
        touched = range(address, address + len(values))
        if watchdog.timeout_register in touched and self.faults.refuse_watchdog:
            if self.faults.refuse_watchdog == 2:
                return ILLEGAL_VALUE
            values[watchdog.timeout_register - address] = self.image[watchdog.timeout_register]
        stop = self.profile.stop
        for address, value in zip(touched, values):
            if address in stop.registers and not stop.raw_min <= value <= stop.raw_max:
                return ILLEGAL_VALUE  # out of the parameter's range: the drive refuses it
        self.image.update(zip(touched, values))
        if watchdog.timeout_register in touched or watchdog.reaction_register in touched:
            self._last_command_s = self.clock.now_s()  # arming the watchdog restarts its count
            self._apply_watchdog()
        if any(address in touched for address in stop.registers):
            self._apply_stop()
        command = self.profile.command
        if any(a in touched for a in (command.address, command.aux_register, self.profile.speed.address)):
            self._last_command_s = self.clock.now_s()
            self._apply_command()
        return None

    def _apply_watchdog(self) -> None:
        watchdog = self.profile.watchdog
        self.watchdog_s = watchdog_timeout_s(self.profile, self.image[watchdog.timeout_register])
        raw = self.image.get(watchdog.reaction_register) if watchdog.reaction_register is not None else None
        self.reaction = watchdog_reaction(self.profile, raw)
        # A reaction that is not a stop (e.g. Delta's "warn and keep running") stops nothing.
        belt = self.world.belt
        belt.comm_loss_timeout_s = self.watchdog_s if self.reaction else math.inf
        if self.reaction:
            belt.comm_loss_stop = _REACTION_STOPS[self.reaction]

    def _apply_stop(self) -> None:
        """The simulated drive's stop decelerations from its [stop] registers (S5)."""
        stop = self.profile.stop
        max_hz = self.site.max_hz  # what the served maximum-frequency register holds
        belt = self.world.belt
        # Every register of the list gets the same value from the driver; the first one rules.
        decel = stop_decel_mps2(stop, self.scale, max_hz, self.image[stop.registers[0]])
        belt.quick_stop_decel_mps2 = decel
        if stop.ramp_uses_same:
            belt.ramp_stop_decel_mps2 = decel

    def _apply_command(self) -> None:
        """Decode the command image as the drive would and hand the command to the world."""
        profile = self.profile
        served = decode_command(profile, self.image)
        self.command_writes += 1
        reset_edge = served.reset and not self._reset_was_set
        self._reset_was_set = served.reset
        world = self.world
        if reset_edge and world.belt.fault_code:
            self.stage = 0
        self._walk_state_machine(served)
        enabled = profile.enable is None or self.stage >= len(profile.enable.sequence)
        action = served.action
        if action is None and served.word not in self._warned_words and not served.steps:
            self._warned_words.add(served.word)
            log.warning("served %s: unknown command word 0x%04X: treated as stop", profile.name, served.word)
        if action in ("run_forward", "run_reverse") and enabled:
            direction = self.scale.motor(served.motor)
            command = DriveCommand(True, direction, served.hz * self.scale.kmh_per_hz, fault_reset=reset_edge)
        else:
            mode = _STOP_MODES.get(action, StopMode.RAMP)
            command = DriveCommand(False, Direction.NONE, 0.0, stop_mode=mode, fault_reset=reset_edge)
        # The latency probe stops at the first command that slows the belt: a stop word, or a
        # lower reference (the controller's e-stop ramps the reference down from its first tick).
        slows = not command.run or command.speed_kmh < self._last_run_kmh - 1e-9
        self._last_run_kmh = command.speed_kmh if command.run else 0.0
        if self._event_t_s is not None and slows:
            self.latency_s = self.clock.now_s() - self._event_t_s
            self._event_t_s = None
        world.apply_command(command, self.clock.now_s())

    def _walk_state_machine(self, served) -> None:
        enable = self.profile.enable
        if enable is None:
            return
        if served.action in ("quick_stop", "coast") or (served.word == enable.fallback_word
                                                        and not served.steps):
            self.stage = 0
            return
        for step in served.steps:
            if self.stage == step or self.stage > step + 1:
                self.stage = step + 1  # forward one step, or back (e.g. enabled -> switched on)
                return

    # ---- injections ---------------------------------------------------------------------
    def inject(self, event: str, value: float | None = None) -> None:
        self.advance()
        self.world.inject(event, value)
        self.events += 1
        self._event_t_s = self.clock.now_s()

    def state_registers(self) -> list[int]:
        return C.state_registers(self.world, self.watchdog_s, self.command_writes, self.latency_s, self.events)
