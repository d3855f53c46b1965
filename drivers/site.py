"""The site's `[drive]` table: how this treadmill's belt relates to its motor drive.

A drive profile (config/drives/*.toml) describes a drive model; this table describes one
installation: the belt speed per motor hertz, the highest frequency the mechanics allow,
which way the motor turns for forward belt travel, the drive's comm-loss watchdog, and
where the safety key and the fall-stop switch are wired (a drive digital input or a
Modbus I/O unit). It lives in the site file as a `[drive]` table:

    [drive]
    kmh_per_hz = 0.32             # belt km/h per motor Hz (16 km/h at 50 Hz)
    max_hz = 75.0                 # never command more than this
    motor_forward_is = "forward"  # belt direction when the motor turns forward
    comm_loss_timeout_s = 0.5     # written to the drive at connect (default: the site's
                                  # drive_comm_loss_timeout_s, else 0.5)
    comm_loss_reaction = "quick"  # ramp | quick | coast (default: quick where offered)
    max_stop_decel_mps2 = 2.0     # what the drive with its braking resistor can stop the
                                  # loaded belt at; confirm in the commissioning e-stop test
    external_watchdog = false     # true: a hardware watchdog stops the belt, skip the check
    io_unit = 2                   # unit id of the Modbus I/O unit on the same bus
    safety_key = { source = "io", input = 0, ok_when = "closed" }
    fall_stop = { source = "io", input = 1, ok_when = "closed" }

Unknown keys and out-of-range values are refused with the file and the field named.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.base import DriveConfigError
from drivers.input_errors import InputError, from_validation_error, read_toml

DEFAULT_COMM_LOSS_TIMEOUT_S = 0.5
Reaction = Literal["ramp", "quick", "coast"]


class InputWiring(BaseModel):
    """Where one interlock input is wired, and which contact state means OK."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: Literal["drive", "io", "none"]
    bit: Annotated[int, Field(ge=0, le=15)] | None = None  # drive: bit of its DI status register
    input: Annotated[int, Field(ge=0, le=9999)] | None = None  # io: discrete input number (0-based)
    # "closed" (normally-closed wiring, the fail-safe choice: a broken wire reads "not OK").
    ok_when: Literal["closed", "open"] = "closed"

    @model_validator(mode="after")
    def _addressed(self) -> "InputWiring":
        if self.source == "drive" and (self.bit is None or self.input is not None):
            raise ValueError('source "drive" needs `bit` (and no `input`)')
        if self.source == "io" and (self.input is None or self.bit is not None):
            raise ValueError('source "io" needs `input` (and no `bit`)')
        if self.source == "none" and (self.bit is not None or self.input is not None):
            raise ValueError('source "none" takes no `bit` or `input`')
        return self

    def is_ok(self, closed: bool) -> bool:
        """The interlock reading for a contact that reads `closed`."""
        return closed if self.ok_when == "closed" else not closed

    def contact_for(self, ok: bool) -> bool:
        """The contact state (closed?) that reads as `ok` (for the simulator)."""
        return ok if self.ok_when == "closed" else not ok


class DriveSite(BaseModel):
    """One installation's drive settings (the site file's `[drive]` table)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kmh_per_hz: Annotated[float, Field(gt=0.02, le=2.0)] = 0.32
    max_hz: Annotated[float, Field(ge=5.0, le=200.0)] = 75.0
    motor_forward_is: Literal["forward", "reverse"] = "forward"
    comm_loss_timeout_s: Annotated[float, Field(ge=0.1, le=2.0)] | None = None
    comm_loss_reaction: Reaction | None = None
    external_watchdog: bool = False
    #: What the drive with its braking resistor can stop the loaded belt at (m/s^2); confirm in
    #: the commissioning e-stop test. A quick-stop deceleration above it is refused at connect.
    max_stop_decel_mps2: Annotated[float, Field(gt=0.0, le=10.0)] = 2.0
    io_unit: Annotated[int, Field(ge=1, le=247)] = 2
    safety_key: InputWiring = InputWiring(source="io", input=0)
    fall_stop: InputWiring = InputWiring(source="io", input=1)

    @model_validator(mode="after")
    def _sane(self) -> "DriveSite":
        if not math.isfinite(self.kmh_per_hz) or not math.isfinite(self.max_hz):
            raise ValueError("kmh_per_hz and max_hz must be finite numbers")
        if self.safety_key.source == "none":
            raise ValueError("safety_key: the safety key must be wired (S1); source \"none\" is not allowed")
        return self

    @property
    def max_kmh(self) -> float:
        return self.max_hz * self.kmh_per_hz

    def uses_drive_inputs(self) -> bool:
        return "drive" in (self.safety_key.source, self.fall_stop.source)

    def watchdog_timeout_s(self, site_default_s: float | None) -> float:
        """The comm-loss timeout to write: this table's, else the site's, else 0.5 s."""
        if self.comm_loss_timeout_s is not None:
            return self.comm_loss_timeout_s
        return site_default_s if site_default_s is not None else DEFAULT_COMM_LOSS_TIMEOUT_S


def drive_site_from_dict(data: Any, source: str = "[drive]") -> DriveSite:
    """Validate a `[drive]` table; DriveConfigError names the source and the field."""
    if data is None:
        return DriveSite()
    if not isinstance(data, dict):
        raise DriveConfigError(f"{source}: drive: must be a table")
    try:
        return DriveSite.model_validate(data)
    except pydantic.ValidationError as exc:
        raise DriveConfigError(str(from_validation_error(source, exc, prefix=("drive",)))) from None


def load_drive_site(path: str | Path | None) -> DriveSite:
    """The `[drive]` table of a site file (defaults when `path` is None or has no table)."""
    if path is None:
        return DriveSite()
    try:
        data = read_toml(path)
    except InputError as exc:
        raise DriveConfigError(str(exc)) from None
    return drive_site_from_dict(data.get("drive"), str(path))
