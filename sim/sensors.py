"""The interlock inputs the drive reports: safety key, harness/fall-stop switch, heart rate.

- Safety key: a magnet on a tether clipped to the person. Out when injected `key-out` or when
  the person drifts past the tether's reach; it stays out until `key-in`.
- Fall-stop switch: True = OK (harness clipped, nobody hanging in it), False = open.
  It opens `fall_sensor_delay_s` after the person falls into the harness, and reads open
  while the harness is unclipped. `None` when the site has no fall-stop sensor fitted.
- Heart rate: the strap's reading of the simulated person's heart (sim/physiology.py), or
  the value last injected with `hr:BPM` (it overrides the model from then on); None while
  the strap is lost (`hr-loss`) until `hr-restore`.
"""

from __future__ import annotations

from sim.physiology import Heart


class Sensors:
    """The sensor states; `fall_stop` is computed from the harness and the person."""

    __slots__ = ("safety_key", "harness_clipped", "fall_stop_fitted", "fall_sensor_delay_s",
                 "heart", "hr_injected_bpm", "hr_reporting")

    def __init__(self, fall_stop_fitted: bool = True, fall_sensor_delay_s: float = 0.15,
                 heart: Heart | None = None) -> None:
        self.safety_key = True
        # Where no sensor is fitted we assume no harness either: a fall lands on the belt.
        self.harness_clipped = fall_stop_fitted
        self.fall_stop_fitted = fall_stop_fitted
        self.fall_sensor_delay_s = fall_sensor_delay_s
        self.heart = heart if heart is not None else Heart()
        self.hr_injected_bpm: float | None = None  # set by `hr:BPM`: overrides the heart
        self.hr_reporting = True  # False between `hr-loss` and `hr-restore`

    @property
    def heart_rate_bpm(self) -> float | None:
        """The heart-rate reading now: None while lost, else the injected value or the heart's."""
        if not self.hr_reporting:
            return None
        injected = self.hr_injected_bpm
        return self.heart.reading_bpm if injected is None else injected

    def fall_stop(self, hanging: bool, fallen_for_s: float) -> bool | None:
        """The switch reading given whether the person hangs in the harness, and how long."""
        if not self.fall_stop_fitted:
            return None
        if not self.harness_clipped:
            return False
        # The switch closes again when the person gets up (hanging goes False).
        return not (hanging and fallen_for_s >= self.fall_sensor_delay_s)
