"""Site limits and speed profiles, from config/default.toml plus an optional site file.

Every value is checked against hard bounds here; a site may tighten or loosen the defaults
only within them. A program may only tighten a profile (see controller/program.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from drivers.base import Direction
from drivers.input_errors import from_validation_error, read_toml

#: Athlete-level speeds (S15): above the shipped fitness caps. Backward, that is above the
#: walk-to-run transition (about 5.9 km/h); forward, running faster than a gym's fitness cap.
ATHLETE_FORWARD_ABOVE_KMH = 16.0
ATHLETE_REVERSE_ABOVE_KMH = 5.5

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
DEFAULT_CONFIG = CONFIG_DIR / "default.toml"


def _bounded(low: float, high: float, **kw: Any) -> Any:
    return Annotated[float, Field(ge=low, le=high, **kw)]


class SpeedProfile(BaseModel):
    """One speed profile (rehab, fitness, athlete). Units are in the names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    forward_max_kmh: _bounded(0.5, 25.0)
    reverse_max_kmh: _bounded(0.5, 20.0)
    #: At least 0.5 km/h: below it the stall check (a command of at least 0.5 km/h) and the
    #: direction-mismatch check (0.3 km/h) cannot see a belt that does not follow (S10).
    start_speed_kmh: _bounded(0.5, 2.0)
    accel_forward_mps2: _bounded(0.05, 1.5)
    accel_reverse_mps2: _bounded(0.05, 1.0)
    decel_mps2: _bounded(0.1, 1.5)
    estop_decel_mps2: _bounded(0.5, 3.0)
    dwell_s: _bounded(1.0, 30.0)
    countdown_s: _bounded(2.0, 10.0)
    incline_max_pct: _bounded(0.0, 25.0)
    incline_rate_pct_s: _bounded(0.1, 3.0)
    requires_authorization: bool = Field(False, validate_default=True)  # S15: see the validator
    #: The heart-rate limit for everyone on this profile (S13); None: no site-wide limit (a
    #: program, the person or --max-hr may still set one; each may only tighten).
    max_hr_bpm: _bounded(60.0, 230.0) | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "SpeedProfile":
        if self.start_speed_kmh > min(self.forward_max_kmh, self.reverse_max_kmh):
            raise ValueError("start_speed_kmh is above a direction's maximum")
        if self.estop_decel_mps2 < self.decel_mps2:
            raise ValueError("estop_decel_mps2 must be at least decel_mps2")
        return self

    @field_validator("requires_authorization")
    @classmethod
    def _athlete_needs_authorization(cls, value: bool, info: ValidationInfo) -> bool:
        forward_kmh = info.data.get("forward_max_kmh", 0.0)
        reverse_kmh = info.data.get("reverse_max_kmh", 0.0)
        if not value and (forward_kmh > ATHLETE_FORWARD_ABOVE_KMH or reverse_kmh > ATHLETE_REVERSE_ABOVE_KMH):
            raise ValueError(f"cannot be false: a profile above {ATHLETE_FORWARD_ABOVE_KMH:g} km/h forward or "
                             f"{ATHLETE_REVERSE_ABOVE_KMH:g} km/h backward always needs the operator's "
                             "authorisation (S15)")
        return value

    def max_kmh(self, direction: Direction) -> float:
        return self.reverse_max_kmh if direction is Direction.REVERSE else self.forward_max_kmh

    def tightened(self, **caps: float | None) -> "SpeedProfile":
        """A copy with caps lowered (never raised): forward_max_kmh, reverse_max_kmh, ..."""
        changes = {}
        for key, value in caps.items():
            if value is None:
                continue
            current = getattr(self, key)
            if value > current:
                raise ValueError(f"{key} {value:g} would loosen the profile's {current:g}")
            changes[key] = value
        return self.model_copy(update=changes)


class Monitor(BaseModel):
    """Plausibility monitor thresholds (S10, S11)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    overspeed_margin_kmh: _bounded(0.5, 3.0)
    overspeed_time_s: _bounded(0.1, 2.0)
    overspeed_hard_margin_kmh: _bounded(1.0, 5.0)
    overspeed_hard_time_s: _bounded(0.05, 1.0)
    direction_mismatch_kmh: _bounded(0.1, 1.0)
    direction_mismatch_time_s: _bounded(0.05, 1.0)
    underspeed_margin_kmh: _bounded(1.0, 6.0)
    underspeed_time_s: _bounded(0.5, 5.0)
    stall_fraction: _bounded(0.1, 0.8)
    estop_check_after_s: _bounded(0.2, 2.0)
    estop_margin_kmh: _bounded(0.5, 3.0)


class HeartRate(BaseModel):
    """How heart-rate readings are judged (S13). Bounds keep a site from switching it off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit_hold_s: _bounded(1.0, 10.0) = 5.0        # at or above the limit this long: controlled stop
    warning_margin_bpm: _bounded(5.0, 30.0) = 10.0  # this far below the limit: hr_warning and a cue
    plausible_min_bpm: _bounded(20.0, 40.0) = 30.0  # readings outside [min, max] count as none
    plausible_max_bpm: _bounded(200.0, 250.0) = 240.0
    max_jump_bpm: _bounded(20.0, 60.0) = 40.0       # a jump larger than this within 1 s counts as none
    lost_after_s: _bounded(2.0, 10.0) = 5.0         # no valid reading this long: hr_lost
    lost_stop_after_s: _bounded(10.0, 120.0) = 60.0  # still lost this long after hr_lost: controlled stop


class SiteConfig(BaseModel):
    """The whole site configuration: loop rate, comms timeouts, monitor, profiles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_profile: str
    control_rate_hz: _bounded(20.0, 200.0)
    comms_timeout_s: _bounded(0.05, 1.0)
    drive_comm_loss_timeout_s: _bounded(0.1, 2.0)
    standstill_kmh: _bounded(0.01, 0.2)
    fall_sensor_delay_s: _bounded(0.0, 1.0)
    monitor: Monitor
    profiles: dict[str, SpeedProfile]
    #: The drive and treadmill mechanics ([drive] table): validated by drivers/site.py, which
    #: the controller does not import (controller/ knows only the drive contract).
    drive: dict[str, Any] | None = None
    heart_rate: HeartRate = HeartRate()
    #: The [telemetry] table (MQTT): validated by the telemetry module, as [drive] is by drivers/.
    telemetry: dict[str, Any] | None = None
    console: dict[str, Any] | None = None  # the [console] table (sound): validated by ui/console/sound.py

    @model_validator(mode="after")
    def _default_exists(self) -> "SiteConfig":
        if self.default_profile not in self.profiles:
            raise ValueError(f"default_profile {self.default_profile!r} is not a profile")
        return self

    def profile(self, name: str | None) -> SpeedProfile:
        """The named profile (or the site default); unknown names raise KeyError."""
        return self.profiles[name or self.default_profile]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_site_config(site_file: str | Path | None = None) -> SiteConfig:
    """Defaults merged with the site file; raises InputError naming the file and field."""
    data = read_toml(DEFAULT_CONFIG)
    source = str(DEFAULT_CONFIG)
    if site_file is not None:
        data = _merge(data, read_toml(site_file))
        source = str(site_file)
    for name, profile in data.get("profiles", {}).items():
        if isinstance(profile, dict):
            profile.setdefault("name", name)
    try:
        return SiteConfig.model_validate(data)
    except pydantic.ValidationError as exc:
        raise from_validation_error(source, exc) from None
