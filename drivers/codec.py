"""Pure encode/decode between the drive contract and a profile's registers. No I/O here.

Controller side: `command_registers` turns a DriveCommand into register values,
`write_plan`/`read_plan` group registers into as few requests as the drive's function-code
limits allow, and `decode_status` turns the registers read back into a DriveStatus.
Drive side (the simulator's Modbus server): `decode_command` and `encode_status` do the
reverse, so one profile file describes both ends and the round trip can be tested.

Belt and motor: belt km/h = |motor Hz| * kmh_per_hz, and the motor's forward is the belt's
forward unless the site wired it the other way (`Scale.inverted`). Direction is an enum all
the way to the wire; only drives whose profile says the reference is signed (ABB, CiA 402)
see a sign, and it is derived from the enum here, never from a speed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from drivers.base import Direction, DriveCommand, DriveConfigError, DriveStatus, StopMode
from drivers.profiles import DriveProfile, Reaction, Scaled, StopDecel, any_match
from drivers.site import DriveSite, InputWiring
from drivers.units import KMH_PER_MPS

FC_READ = {"holding": 3, "input": 4}
FC_WRITE_SINGLE = 6
FC_WRITE_MULTIPLE = 16
FC_READ_DISCRETE_INPUTS = 2
MAX_WRITE_REGISTERS = 123
GENERIC_FAULT_CODE = 1  # the drive flags a fault but has no code register

_STOP_ACTIONS = {StopMode.RAMP: "stop", StopMode.QUICK: "quick_stop", StopMode.COAST: "coast"}
#: Tie-break when several actions share a word (e.g. stop = quick stop = coast on Yaskawa).
_ACTION_ORDER = ("run_forward", "run_reverse", "stop", "quick_stop", "coast")
_RUN_ACTIONS = ("run_forward", "run_reverse")


@dataclass(frozen=True, slots=True)
class Scale:
    """Belt <-> motor: km/h per Hz, the frequency cap, and whether the motor is wired reversed."""

    kmh_per_hz: float
    max_hz: float
    inverted: bool = False

    @classmethod
    def from_site(cls, site: DriveSite) -> "Scale":
        return cls(site.kmh_per_hz, site.max_hz, site.motor_forward_is == "reverse")

    def motor(self, belt: Direction) -> Direction:
        """The motor direction that drives the belt in `belt` (and back: it is its own inverse)."""
        if not self.inverted or belt is Direction.NONE:
            return belt
        return Direction.REVERSE if belt is Direction.FORWARD else Direction.FORWARD


@dataclass(frozen=True, slots=True)
class ReadBlock:
    address: int
    count: int


@dataclass(frozen=True, slots=True)
class WriteRequest:
    function_code: int  # 6 (one register) or 16 (several)
    address: int
    values: tuple[int, ...]


# ---- raw values ---------------------------------------------------------------------------

def to_raw(hz: float, scaled: Scaled) -> int:
    """A frequency as the register's 16-bit pattern (two's complement when signed)."""
    raw = round(hz * scaled.raw_per_hz)
    if scaled.signed:
        raw = max(-0x8000, min(0x7FFF, raw))
        return raw & 0xFFFF
    return max(0, min(0xFFFF, raw))


def from_raw(raw: int, scaled: Scaled) -> float:
    """The register's 16-bit pattern as Hz (negative only for signed registers)."""
    raw &= 0xFFFF
    if scaled.signed and raw & 0x8000:
        raw -= 0x10000
    return raw / scaled.raw_per_hz


# ---- request planning ---------------------------------------------------------------------

def status_addresses(profile: DriveProfile, drive_inputs: bool) -> tuple[int, ...]:
    """The registers one status read needs."""
    addresses = {profile.status.address, profile.actual.address}
    if profile.fault is not None:
        addresses.add(profile.fault.address)
    if drive_inputs:
        if profile.inputs is None:
            raise DriveConfigError(f"drive profile {profile.name!r} has no digital-input register: "
                                   "wire the safety key and fall-stop to a Modbus I/O unit (source = \"io\")")
        addresses.add(profile.inputs.address)
    return tuple(sorted(addresses))


def read_plan(profile: DriveProfile, drive_inputs: bool) -> tuple[ReadBlock, ...]:
    """Few read requests covering `status_addresses`, bridging gaps of up to `read_gap`."""
    gap, most = profile.functions.read_gap, profile.functions.max_read
    blocks: list[list[int]] = []
    for address in status_addresses(profile, drive_inputs):
        if blocks and address - blocks[-1][1] - 1 <= gap and address - blocks[-1][0] + 1 <= most:
            blocks[-1][1] = address
        else:
            blocks.append([address, address])
    return tuple(ReadBlock(first, last - first + 1) for first, last in blocks)


def write_plan(profile: DriveProfile, values: Mapping[int, int]) -> tuple[WriteRequest, ...]:
    """Register values as write requests within the drive's function-code limits."""
    policy = profile.functions.write
    runs: list[list[int]] = []
    for address in sorted(values):
        if runs and address == runs[-1][-1] + 1 and len(runs[-1]) < MAX_WRITE_REGISTERS:
            runs[-1].append(address)
        else:
            runs.append([address])
    requests = []
    for run in runs:
        if policy == "single" or (policy == "any" and len(run) == 1):
            requests += [WriteRequest(FC_WRITE_SINGLE, a, (values[a] & 0xFFFF,)) for a in run]
        else:
            requests.append(WriteRequest(FC_WRITE_MULTIPLE, run[0], tuple(values[a] & 0xFFFF for a in run)))
    return tuple(requests)


def served_addresses(profile: DriveProfile) -> tuple[set[int], set[int]]:
    """(read-only, writable) registers a drive with this profile answers (for the simulator)."""
    readable = set()
    for block in read_plan(profile, profile.inputs is not None):
        readable.update(range(block.address, block.address + block.count))
    command = profile.command
    writable = {command.address, profile.speed.address}
    if command.aux_register is not None:
        writable.add(command.aux_register)
    watchdog = profile.watchdog
    writable.add(watchdog.timeout_register)
    if watchdog.reaction_register is not None:
        writable.add(watchdog.reaction_register)
    writable.update(setting.address for setting in watchdog.also)
    if watchdog.apply is not None:
        writable.add(watchdog.apply.address)
    stop = profile.stop
    if stop.writable:
        writable.update(stop.registers)
        writable.update(setting.address for setting in stop.also)
        if stop.max_hz_register is not None:
            readable.add(stop.max_hz_register)
    return readable - writable, writable


# ---- controller side: command -> registers ------------------------------------------------

def action_for(command: DriveCommand, motor: Direction) -> str:
    """The profile action that carries out `command` (motor direction already resolved)."""
    if command.run and motor is not Direction.NONE:
        return "run_forward" if motor is Direction.FORWARD else "run_reverse"
    return _STOP_ACTIONS[command.stop_mode]


def enable_word(profile: DriveProfile, run_word: int, status_word: int | None) -> int:
    """For a drive with a state machine: the word that moves it toward running from its state."""
    enable = profile.enable
    if enable is None or (status_word is not None and any_match(enable.enabled, status_word)):
        return run_word
    if status_word is not None:
        for step in enable.sequence:
            if step.when.matches(status_word):
                return step.write
    return enable.fallback_word


def command_registers(profile: DriveProfile, scale: Scale, command: DriveCommand,
                      status_word: int | None = None, reset_level: bool = False) -> dict[int, int]:
    """Register values for one DriveCommand.

    `status_word` is the last status word read (it picks the enable-sequence step of drives
    with a state machine); `reset_level` is the fault-reset bit level for this write -- the
    driver alternates it while `command.fault_reset` is set, so the drive sees rising edges.
    """
    spec = profile.command
    motor = scale.motor(command.direction)
    action_name = action_for(command, motor)
    action = spec.actions()[action_name]
    word = action.word
    hz = 0.0
    if action_name in _RUN_ACTIONS:
        word = enable_word(profile, word, status_word)
        speed_kmh = command.speed_kmh if math.isfinite(command.speed_kmh) and command.speed_kmh > 0 else 0.0
        hz = min(speed_kmh / scale.kmh_per_hz, scale.max_hz)
        if profile.speed.signed and motor is Direction.REVERSE:
            hz = -hz
    values = {spec.address: word, profile.speed.address: to_raw(hz, profile.speed)}
    if spec.aux_register is not None:
        values[spec.aux_register] = spec.aux_idle if action.aux is None else action.aux
    if command.fault_reset and reset_level:
        values[spec.address] |= spec.fault_reset.word
        if spec.aux_register is not None:
            values[spec.aux_register] |= spec.fault_reset.aux
    return values


# ---- controller side: registers -> status -------------------------------------------------

def decode_status(profile: DriveProfile, scale: Scale, registers: Mapping[int, int], *,
                  safety_key: bool = True, fall_stop: bool | None = True) -> DriveStatus:
    """A DriveStatus from the registers of one status read (plus the decoded interlocks)."""
    status_word = registers[profile.status.address] & 0xFFFF
    hz = from_raw(registers[profile.actual.address], profile.actual)
    if profile.status.reverse is not None:
        motor_reverse = any_match(profile.status.reverse, status_word)
    else:
        motor_reverse = hz < 0
    speed_kmh = abs(hz) * scale.kmh_per_hz
    if speed_kmh == 0.0:
        direction = Direction.NONE
    else:
        direction = scale.motor(Direction.REVERSE if motor_reverse else Direction.FORWARD)
    fault_code = 0
    if profile.fault is not None:
        fault_code = registers[profile.fault.address] & profile.fault.mask
    if not fault_code and profile.status.fault is not None and any_match(profile.status.fault, status_word):
        fault_code = GENERIC_FAULT_CODE
    running = any_match(profile.status.running, status_word)
    return DriveStatus(speed_kmh, direction, running, fault_code, safety_key, fall_stop)


def io_block(site: DriveSite) -> ReadBlock | None:
    """The discrete inputs to read from the site's Modbus I/O unit, or None."""
    numbers = [w.input for w in (site.safety_key, site.fall_stop) if w.source == "io"]
    if not numbers:
        return None
    return ReadBlock(min(numbers), max(numbers) - min(numbers) + 1)


def _reading(wiring: InputWiring, di_word: int | None, io_bits: Sequence[bool] | None,
             io_first: int) -> bool | None:
    if wiring.source == "none":
        return None
    if wiring.source == "drive":
        closed = bool((di_word or 0) >> wiring.bit & 1) if di_word is not None else False
    else:
        index = wiring.input - io_first
        closed = bool(io_bits[index]) if io_bits is not None and index < len(io_bits) else False
    return wiring.is_ok(closed)


def decode_inputs(site: DriveSite, di_word: int | None,
                  io_bits: Sequence[bool] | None) -> tuple[bool, bool | None]:
    """(safety_key, fall_stop) from the drive's DI word and/or the I/O unit's inputs.

    An input that could not be read reads "not OK": a missing reading never permits motion.
    """
    block = io_block(site)
    first = block.address if block else 0
    key = _reading(site.safety_key, di_word, io_bits, first)
    fall = _reading(site.fall_stop, di_word, io_bits, first)
    return bool(key), fall


# ---- the drive's comm-loss watchdog -------------------------------------------------------

def choose_reaction(profile: DriveProfile, requested: Reaction | None) -> Reaction:
    """The comm-loss reaction to configure: the site's, else quick, else ramp, else coast.

    Quick first: the comm-loss reaction is the same stop as an e-stop (S5), whose deceleration
    the driver writes at connect. A drive whose ramp stop uses that same parameter (Delta's one
    deceleration time, `[stop] ramp_uses_same`) offers only "ramp", which is then that stop.
    """
    offered = profile.watchdog.offered()
    if requested is not None:
        if requested not in offered:
            raise DriveConfigError(f"drive profile {profile.name!r}: comm-loss reaction {requested!r} "
                                   f"is not offered by the drive (offered: {', '.join(offered)})")
        return requested
    for reaction in ("quick", "ramp", "coast"):
        if reaction in offered:
            return reaction
    raise AssertionError("a watchdog always offers a reaction")  # pragma: no cover


def watchdog_settings(profile: DriveProfile, timeout_s: float,
                      reaction: Reaction) -> tuple[tuple[int, int], ...]:
    """(register, raw value) pairs that arm the drive's watchdog, in write order."""
    watchdog = profile.watchdog
    if not watchdog.timeout_min_s <= timeout_s <= watchdog.timeout_max_s:
        raise DriveConfigError(f"drive profile {profile.name!r}: comm-loss timeout {timeout_s:g} s is "
                               f"outside the drive's {watchdog.timeout_min_s:g}-{watchdog.timeout_max_s:g} s")
    raw = round(timeout_s * watchdog.timeout_raw_per_s)
    if not 1 <= raw <= 0xFFFF:
        raise DriveConfigError(f"drive profile {profile.name!r}: comm-loss timeout {timeout_s:g} s "
                               "cannot be written (0 would switch the watchdog off)")
    settings = []
    if watchdog.reaction_register is not None:
        settings.append((watchdog.reaction_register, watchdog.reactions[reaction]))
    settings.append((watchdog.timeout_register, raw))
    settings += [(setting.address, setting.value) for setting in watchdog.also]
    return tuple(settings)


def watchdog_timeout_s(profile: DriveProfile, raw: int) -> float:
    """The timeout a raw register value means; 0 = off (infinite)."""
    return math.inf if raw == 0 else raw / profile.watchdog.timeout_raw_per_s


def watchdog_reaction(profile: DriveProfile, raw: int | None) -> Reaction | None:
    """The reaction a raw reaction-register value means (None: not a stop, e.g. warn only)."""
    watchdog = profile.watchdog
    if watchdog.reaction_register is None:
        return watchdog.fixed_reaction
    for reaction, value in watchdog.reactions.items():
        if value == raw:
            return reaction
    return None


# ---- the drive's own quick stop (S5) -------------------------------------------------------

def _hz_per_s(decel_mps2: float, scale: Scale) -> float:
    """A belt deceleration as a motor frequency ramp: m/s^2 -> km/h per s -> Hz per s."""
    return decel_mps2 * KMH_PER_MPS / scale.kmh_per_hz


def stop_decel_raw(stop: StopDecel, scale: Scale, max_hz: float, decel_mps2: float) -> float:
    """The register value (unrounded) that makes the drive's quick stop decelerate at
    `decel_mps2`: a time from `max_hz` to 0, or a rate, in the register's units."""
    hz_per_s = _hz_per_s(decel_mps2, scale)
    if stop.kind == "time":
        return max_hz / hz_per_s * stop.raw_per_unit
    return hz_per_s * stop.raw_per_unit


def stop_decel_mps2(stop: StopDecel, scale: Scale, max_hz: float, raw: int) -> float:
    """The belt deceleration (m/s^2) a raw register value means (the inverse of `stop_decel_raw`)."""
    if stop.kind == "time":
        hz_per_s = max_hz / (raw / stop.raw_per_unit)
    else:
        hz_per_s = raw / stop.raw_per_unit
    return hz_per_s * scale.kmh_per_hz / KMH_PER_MPS


def stop_settings(profile: DriveProfile, scale: Scale, max_hz: float, decel_mps2: float,
                  most_mps2: float) -> tuple[tuple[int, int], ...]:
    """(register, raw value) pairs that set the quick stop to `decel_mps2`, in write order.

    The raw value is rounded to the nearest the register holds, or to the gentler neighbour
    when the nearest would brake harder than `most_mps2` (the site's braking limit).
    DriveConfigError (without the drive's name: the driver adds it) when the deceleration is
    not a positive number, is beyond the braking limit or cannot be reached within the
    register's range; the message names the most (or least) the drive can be set to.
    """
    stop = profile.stop
    if not (math.isfinite(decel_mps2) and decel_mps2 > 0):
        raise DriveConfigError(f"quick-stop deceleration {decel_mps2:g} m/s^2 must be a positive number")
    if stop.kind == "time" and not (math.isfinite(max_hz) and max_hz > 0):
        raise DriveConfigError(f"the drive's maximum frequency {max_hz:g} Hz cannot scale a stop time")
    # The register's reach: for a time the shortest time brakes hardest, for a rate the largest.
    hardest_raw, gentlest_raw = (stop.raw_min, stop.raw_max) if stop.kind == "time" else (stop.raw_max, stop.raw_min)
    hardest = stop_decel_mps2(stop, scale, max_hz, hardest_raw)
    gentlest = stop_decel_mps2(stop, scale, max_hz, gentlest_raw)
    most = min(most_mps2, hardest)
    if decel_mps2 > most * (1 + 1e-9):
        raise DriveConfigError(f"quick-stop deceleration {decel_mps2:g} m/s^2 is more than the drive can be "
                               f"set to (at most {most:.3g} m/s^2)")
    if decel_mps2 < gentlest * (1 - 1e-9):
        raise DriveConfigError(f"quick-stop deceleration {decel_mps2:g} m/s^2 is less than the drive can be "
                               f"set to (at least {gentlest:.3g} m/s^2)")
    exact = stop_decel_raw(stop, scale, max_hz, decel_mps2)
    raw = min(stop.raw_max, max(stop.raw_min, round(exact)))
    if stop_decel_mps2(stop, scale, max_hz, raw) > most:
        raw = math.ceil(exact) if stop.kind == "time" else math.floor(exact)  # the gentler neighbour
    settings = [(address, raw) for address in stop.registers]
    settings += [(setting.address, setting.value) for setting in stop.also]
    return tuple(settings)


# ---- drive side (the simulator): registers -> command, status -> registers ----------------

@dataclass(frozen=True, slots=True)
class ServedCommand:
    """What a drive makes of its command registers."""

    action: str | None  # run_forward, run_reverse, stop, quick_stop, coast; None = unknown word
    word: int  # the command word without the fault-reset bits
    steps: tuple[int, ...]  # enable-sequence steps whose word this is
    motor: Direction  # for run actions: the motor direction (from the word or the sign)
    hz: float  # |reference|
    reset: bool  # fault-reset bits are set


def decode_command(profile: DriveProfile, registers: Mapping[int, int]) -> ServedCommand:
    """Decode the command registers as the drive would (unknown words give action None)."""
    spec = profile.command
    word = registers.get(spec.address, 0) & 0xFFFF
    aux = registers.get(spec.aux_register, spec.aux_idle) if spec.aux_register is not None else None
    reset_bits = spec.fault_reset
    reset = bool(reset_bits.word and word & reset_bits.word == reset_bits.word)
    reset |= bool(reset_bits.aux and aux is not None and aux & reset_bits.aux == reset_bits.aux)
    base_word = word & ~reset_bits.word
    base_aux = aux & ~reset_bits.aux if aux is not None else None
    best, best_score = None, 0
    for name in _ACTION_ORDER:
        action = spec.actions()[name]
        if action.word != base_word:
            continue
        score = 1 if action.aux is None else (2 if action.aux == base_aux else 0)
        if score > best_score:
            best, best_score = name, score
    reference = from_raw(registers.get(profile.speed.address, 0), profile.speed)
    motor = Direction.NONE
    if best in _RUN_ACTIONS:
        motor = Direction.FORWARD if best == "run_forward" else Direction.REVERSE
        if profile.speed.signed and reference != 0:
            motor = Direction.REVERSE if reference < 0 else Direction.FORWARD
    steps = ()
    if profile.enable is not None:
        steps = tuple(i for i, step in enumerate(profile.enable.sequence) if step.write == base_word)
    return ServedCommand(best, base_word, steps, motor, abs(reference), reset)


def encode_status(profile: DriveProfile, scale: Scale, status: DriveStatus,
                  state_word: int = 0) -> dict[int, int]:
    """The status registers a drive shows for `status` (belt side; the DI word is separate).

    `state_word` carries the state-machine bits of drives that have one.
    """
    motor = scale.motor(status.direction)
    hz = status.belt_kmh / scale.kmh_per_hz
    word = state_word
    if status.running:
        word |= profile.status.running[0].value
    if motor is Direction.REVERSE and profile.status.reverse is not None:
        word |= profile.status.reverse[0].value
    if status.fault_code and profile.status.fault is not None:
        fault = profile.status.fault[0]
        word = (word & ~fault.mask) | fault.value
    signed_hz = -hz if motor is Direction.REVERSE and profile.actual.signed else hz
    values = {profile.status.address: word, profile.actual.address: to_raw(signed_hz, profile.actual)}
    if profile.fault is not None:
        values[profile.fault.address] = status.fault_code & profile.fault.mask
    return values


def encode_inputs(site: DriveSite, safety_key: bool,
                  fall_stop: bool | None) -> tuple[int, dict[int, bool]]:
    """(drive DI word, {I/O unit input: closed}) that read back as these interlock states."""
    di_word = 0
    io: dict[int, bool] = {}
    for wiring, ok in ((site.safety_key, safety_key), (site.fall_stop, fall_stop)):
        if wiring.source == "none":
            continue
        closed = wiring.contact_for(bool(ok)) if ok is not None else False
        if wiring.source == "drive":
            di_word |= int(closed) << wiring.bit
        else:
            io[wiring.input] = closed
    return di_word, io
