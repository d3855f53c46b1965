"""Drive profiles: a drive model's Modbus register map as data (config/drives/NAME.toml).

A profile says which register takes the command word and which words mean run forward,
run reverse, stop, quick stop, coast and fault reset; where the speed reference goes and
how it is scaled; where the status word, the actual speed, the fault code and the digital
inputs are read; which function codes the drive accepts; the enable sequence of drives with
a state machine (CiA 402, PROFIdrive, ABB drives profile); the drive's comm-loss
watchdog parameters; and the parameter that sets the deceleration of the drive's own quick
stop (`[stop]`, S5). `drivers/codec.py` turns commands and registers into each other with
pure functions; nothing here does I/O except reading the TOML file.

Register addresses are Modbus PDU addresses (0-based): a manual's "40100" is 99 and its
"400001" is 0. See docs/drives.md for how to write a profile.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from drivers.base import DriveConfigError
from drivers.input_errors import InputError, from_validation_error, read_toml

PROFILE_DIR = Path(__file__).resolve().parent.parent / "config" / "drives"

Register = Annotated[int, Field(ge=0, le=0xFFFF)]
Word = Annotated[int, Field(ge=0, le=0xFFFF)]
Reaction = Literal["ramp", "quick", "coast"]

_STRICT = ConfigDict(extra="forbid", frozen=True, strict=True)


class Pattern(BaseModel):
    """Bits of a status word: it matches when `word & mask == value`."""

    model_config = _STRICT

    mask: Word
    value: Word

    @model_validator(mode="after")
    def _value_in_mask(self) -> "Pattern":
        if self.value & ~self.mask:
            raise ValueError(f"value 0x{self.value:04X} has bits outside mask 0x{self.mask:04X}")
        return self

    def matches(self, word: int) -> bool:
        return word & self.mask == self.value


def _patterns(value):
    """A single pattern or a list of alternatives, as a tuple (the first is the canonical one)."""
    if isinstance(value, (dict, Pattern)):
        return (value,)
    return tuple(value)


Patterns = tuple[Pattern, ...]


def any_match(patterns: Patterns, word: int) -> bool:
    return any(pattern.matches(word) for pattern in patterns)


class Functions(BaseModel):
    """Which Modbus function codes the drive takes."""

    model_config = _STRICT

    read: Literal["holding", "input"] = "holding"  # FC03 or FC04 for the status registers
    write: Literal["any", "single", "multiple"] = "any"  # FC06+FC16, FC06 only, FC16 only
    read_gap: Annotated[int, Field(ge=0, le=32)] = 8  # read across gaps of up to this many registers
    max_read: Annotated[int, Field(ge=1, le=125)] = 32  # registers per read request


class Action(BaseModel):
    """A command word plus, for drives that need it, a value for the auxiliary register."""

    model_config = _STRICT

    word: Word
    aux: Word | None = None


class FaultReset(BaseModel):
    """Bits OR'ed into the command word and/or the auxiliary register, sent as a rising edge."""

    model_config = _STRICT

    word: Word = 0
    aux: Word = 0

    @model_validator(mode="after")
    def _some_bits(self) -> "FaultReset":
        if not (self.word or self.aux):
            raise ValueError("fault_reset needs `word` or `aux` bits")
        return self


class CommandMap(BaseModel):
    """The command register and what to write into it for each action."""

    model_config = _STRICT

    address: Register = Field(alias="register")
    aux_register: Register | None = None  # a second command register (e.g. Delta 0x2002)
    aux_idle: Word = 0  # its value when no action sets it
    run_forward: Word | Action
    run_reverse: Word | Action
    stop: Word | Action  # ramp stop
    quick_stop: Word | Action | None = None  # default: stop
    coast: Word | Action | None = None  # default: stop (see the profile's notes)
    fault_reset: FaultReset

    @field_validator("run_forward", "run_reverse", "stop", "quick_stop", "coast", mode="before")
    @classmethod
    def _action(cls, value):
        return {"word": value} if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _aux_consistent(self) -> "CommandMap":
        uses_aux = any(a is not None and a.aux is not None for a in self.actions().values())
        if (uses_aux or self.fault_reset.aux) and self.aux_register is None:
            raise ValueError("an action or fault_reset sets `aux` but there is no aux_register")
        return self

    def actions(self) -> dict[str, Action]:
        stop = self.stop
        return {
            "run_forward": self.run_forward,
            "run_reverse": self.run_reverse,
            "stop": stop,
            "quick_stop": self.quick_stop or stop,
            "coast": self.coast or stop,
        }


class Scaled(BaseModel):
    """A frequency register: raw = hz * raw_per_hz, optionally signed (two's complement)."""

    model_config = _STRICT

    address: Register = Field(alias="register")
    raw_per_hz: Annotated[float, Field(gt=0.0, le=10000.0)]
    signed: bool = False  # True: negative = motor reverse


class Status(BaseModel):
    """The status word and what its bits mean."""

    model_config = _STRICT

    address: Register = Field(alias="register")
    running: Patterns  # output enabled / running (alternatives allowed)
    reverse: Patterns | None = None  # motor turning reverse (else: the actual speed's sign)
    fault: Patterns | None = None  # drive faulted (else: the fault register)

    @field_validator("running", "reverse", "fault", mode="before")
    @classmethod
    def _as_tuple(cls, value):
        return None if value is None else _patterns(value)


class FaultRegister(BaseModel):
    model_config = _STRICT

    address: Register = Field(alias="register")
    mask: Word = 0xFFFF


class Inputs(BaseModel):
    """The drive's digital-input status register (bit n = input n closed)."""

    model_config = _STRICT

    address: Register = Field(alias="register")


class Setting(BaseModel):
    model_config = _STRICT

    address: Register = Field(alias="register")
    value: Word


class Watchdog(BaseModel):
    """The drive's own comm-loss watchdog: written at connect and read back (S9)."""

    model_config = _STRICT

    timeout_register: Register
    timeout_raw_per_s: Annotated[float, Field(gt=0.0, le=10000.0)]  # 10: 0.1 s units; 1000: ms
    timeout_min_s: Annotated[float, Field(ge=0.0, le=60.0)] = 0.1
    timeout_max_s: Annotated[float, Field(gt=0.0, le=6000.0)] = 60.0
    factory_timeout_raw: Word = 0  # what a new drive holds (0 is "off" on most drives)
    reaction_register: Register | None = None
    reactions: dict[Reaction, Word] = {}  # raw value per reaction the drive offers
    fixed_reaction: Reaction | None = None  # the reaction when there is no reaction register
    also: tuple[Setting, ...] = ()  # further settings that arm the watchdog (read back too)
    apply: Setting | None = None  # a write that makes parameter writes take effect (not read back)
    #: The fault code the drive latches when its watchdog fires (reset at connect at standstill);
    #: None where the code cannot be told apart from other faults or is unconfirmed.
    comm_loss_fault: Word | None = None
    #: True: the watchdog fires even while the drive stands still (a real Delta does, so a
    #: drive left alone after a session shows the comm-loss fault at the next connect).
    fault_when_stopped: bool = False

    @field_validator("also", mode="before")
    @classmethod
    def _as_tuple(cls, value):
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _reaction_defined(self) -> "Watchdog":
        if self.reaction_register is None:
            if self.fixed_reaction is None or self.reactions:
                raise ValueError("without reaction_register, give fixed_reaction (and no reactions)")
        elif not self.reactions or self.fixed_reaction is not None:
            raise ValueError("reaction_register needs `reactions` (and no fixed_reaction)")
        if self.timeout_min_s >= self.timeout_max_s:
            raise ValueError("timeout_min_s must be below timeout_max_s")
        return self

    def offered(self) -> tuple[Reaction, ...]:
        return (self.fixed_reaction,) if self.fixed_reaction else tuple(self.reactions)


class StopDecel(BaseModel):
    """The parameter that sets the deceleration of the drive's own quick stop (S5).

    `kind = "time"`: the registers hold the time from the maximum frequency to 0, in
    1/`raw_per_unit` s (Delta Pr.01-13, V20 P1135, ABB 23.23, Yaskawa C1-09); the maximum
    frequency is read from `max_hz_register` at connect, else it is the site's `max_hz`.
    `kind = "rate"`: the register holds the deceleration itself, `raw_per_unit` raw per Hz/s
    (CiA 402 0x6085, in the velocity unit of the profile's speed registers). Every register
    in `registers` gets the same value (a drive whose stop word and comm-loss stop use two
    parameters has both set).
    """

    model_config = _STRICT

    writable: bool = True  # false: the drive's stop deceleration cannot be set over the bus
    registers: tuple[Register, ...] = ()
    kind: Literal["time", "rate"] = "time"
    raw_per_unit: Annotated[float, Field(gt=0.0, le=10000.0)] = 10.0
    raw_min: Word = 1
    raw_max: Word = 0xFFFF
    factory_raw: Word = 1
    max_hz_register: Register | None = None  # the drive's maximum frequency (time kind)
    max_hz_raw_per_hz: Annotated[float, Field(gt=0.0, le=10000.0)] = 100.0
    ramp_uses_same: bool = False  # the ramp stop (and a "ramp" comm-loss reaction) use it too
    also: tuple[Setting, ...] = ()  # further settings that select this stop (read back too)
    confirmed: bool = False  # the register facts were checked in a primary source
    source: str = ""

    @field_validator("registers", "also", mode="before")
    @classmethod
    def _as_tuple(cls, value):
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _complete(self) -> "StopDecel":
        if self.writable != bool(self.registers):
            raise ValueError("a writable stop deceleration needs `registers`; one that is not takes none")
        if not 1 <= self.raw_min < self.raw_max:
            raise ValueError("raw_min must be at least 1 and below raw_max")
        if not self.raw_min <= self.factory_raw <= self.raw_max:
            raise ValueError("factory_raw must be within raw_min-raw_max")
        if self.kind == "rate" and self.max_hz_register is not None:
            raise ValueError("a rate needs no maximum frequency: drop max_hz_register")
        return self


class Step(BaseModel):
    """One step of an enable sequence: in a state matching `when`, write `write`."""

    model_config = _STRICT

    when: Pattern
    write: Word
    state: str


class Enable(BaseModel):
    """A drive state machine: the words that walk it to the state where run words apply."""

    model_config = _STRICT

    sequence: tuple[Step, ...] = Field(min_length=1)
    enabled: Patterns  # the state where the run words apply
    fallback: Word | None = None  # written in any other state (default: the first step's word)

    @field_validator("enabled", mode="before")
    @classmethod
    def _as_patterns(cls, value):
        return _patterns(value)

    @field_validator("sequence", mode="before")
    @classmethod
    def _as_tuple(cls, value):
        return tuple(value) if isinstance(value, list) else value

    @property
    def fallback_word(self) -> int:
        return self.sequence[0].write if self.fallback is None else self.fallback


class Serial(BaseModel):
    """The drive's usual RTU framing (a hint for sim-server and docs; the URL decides)."""

    model_config = _STRICT

    baud: Annotated[int, Field(ge=1200, le=230400)] = 19200
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1


class DriveProfile(BaseModel):
    """A drive model's register map. `name` is the file name without `.toml`."""

    model_config = _STRICT

    name: str
    title: str
    source: str  # where the register facts come from
    notes: str = ""
    functions: Functions = Functions()
    serial: Serial = Serial()
    command: CommandMap
    speed: Scaled
    status: Status
    actual: Scaled
    fault: FaultRegister | None = None
    inputs: Inputs | None = None
    watchdog: Watchdog
    stop: StopDecel
    enable: Enable | None = None

    @model_validator(mode="after")
    def _complete(self) -> "DriveProfile":
        if self.status.reverse is None and not self.actual.signed:
            raise ValueError("the measured direction needs status.reverse or a signed actual speed")
        if self.status.fault is None and self.fault is None:
            raise ValueError("faults need status.fault or a [fault] register")
        forward, reverse = self.command.run_forward, self.command.run_reverse
        if forward == reverse and not self.speed.signed:
            raise ValueError("run_forward equals run_reverse: the speed reference must be signed")
        return self


def profile_path(name: str) -> Path:
    return PROFILE_DIR / f"{name}.toml"


def available_profiles() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.toml"))


def parse_profile(data: dict, source: str) -> DriveProfile:
    """Validate profile data; DriveConfigError names the source and the field."""
    try:
        return DriveProfile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise DriveConfigError(str(from_validation_error(source, exc))) from None


def load_profile_file(path: str | Path) -> DriveProfile:
    """A profile from any TOML file (its `name` must match the file name)."""
    path = Path(path)
    try:
        data = read_toml(path)
    except InputError as exc:
        raise DriveConfigError(str(exc)) from None
    profile = parse_profile(data, str(path))
    if profile.name != path.stem:
        raise DriveConfigError(f"{path}: name: {profile.name!r} does not match the file name {path.stem!r}")
    return profile


@functools.lru_cache(maxsize=None)
def load_profile(name: str) -> DriveProfile:
    """A shipped profile by name (config/drives/NAME.toml), or a path to a TOML file."""
    if "/" in name or name.endswith(".toml"):
        return load_profile_file(name)
    path = profile_path(name)
    if not path.is_file():
        known = ", ".join(available_profiles()) or "none"
        raise DriveConfigError(f"unknown drive profile {name!r} (known: {known})")
    return load_profile_file(path)
