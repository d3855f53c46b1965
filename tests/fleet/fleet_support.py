"""A fleet as the broker would carry it: hand-written messages per DESIGN.md's contract, for
the fleet view's tests, published through a real Mosquitto (see conftest.py)."""

from __future__ import annotations

import json

T0 = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
OK = {"safety_key": True, "fall_stop": True, "drive_comms": True, "drive_ok": True}


def state(ts: float, state: str = "running", direction: str = "forward", belt_kmh: float = 3.2, **more) -> dict:
    record = {"ts": ts, "state": state, "direction": direction, "upcoming_direction": direction,
              "belt_direction": direction if belt_kmh > 0.05 else "none", "belt_kmh": belt_kmh,
              "target_kmh": belt_kmh, "incline_pct": 0.0, "heart_rate_bpm": 98, "program": "Retro walking",
              "step": 0, "step_name": "Warm-up", "elapsed_s": 95.0, "remaining_s": 745.0,
              "distance_forward_m": 80.0, "distance_backward_m": 12.0, "interlocks": dict(OK), "stop_reason": None}
    record.update(more)
    return record


def ramp(tid: str, start: float, kmh: list[float], direction: str = "forward", **more) -> list[tuple]:
    """State messages at 10 Hz (the detail view's chart draws them)."""
    return [(f"retrotread/{tid}/state", state(round(start + i * 0.1, 3), belt_kmh=round(v, 3), direction=direction,
                                              **more), True) for i, v in enumerate(kmh)]


def scenario() -> list[tuple[str, object, bool]]:
    """(topic, payload, retained) in publish order: eight treadmills in every kind of condition."""
    m: list[tuple[str, object, bool]] = []

    def online(tid):
        m.append((f"retrotread/{tid}/status", "online", True))

    for tid in ("sim-01", "sim-02", "sim-03", "sim-04", "sim-05", "sim-06", "sim-07", "sim-08"):
        online(tid)
    walk = ramp("sim-01", T0 - 40, [min(3.2, 2.0 + 0.006 * i) for i in range(400)])  # 40 s: a ramp, then steady
    for i, (_topic, payload, _retained) in enumerate(walk):
        payload["heart_rate_bpm"] = 90 + i // 20 if i % 97 > 8 else None  # rising, with dropouts (gaps)
    m += walk
    m += ramp("sim-02", T0, [1.5] * 5, direction="reverse", step=2, step_name="Back", heart_rate_bpm=None)
    m.append(("retrotread/sim-03/state", state(T0 + 1, "countdown", "none", 0.0, upcoming_direction="reverse",
                                               step=1, step_name="Back"), True))
    m += ramp("sim-04", T0, [2.5, 2.5, 2.5, 2.5], direction="reverse")
    m.append(("retrotread/sim-04/state", state(T0 + 0.5, "estop", "none", 1.1, belt_direction="reverse",
                                               upcoming_direction="reverse", target_kmh=0.0,
                                               stop_reason="safety key removed",
                                               interlocks={**OK, "safety_key": False}), True))
    m.append(("retrotread/sim-04/event", {"t": 95.5, "event": "state", "from": "running", "to": "estop",
                                          "ts": T0 + 0.5}, False))
    m.append(("retrotread/sim-04/event", {"t": 95.5, "event": "estop", "reason": "safety key removed",
                                          "cause": "safety_key", "ts": T0 + 0.5}, False))
    m.append(("retrotread/sim-05/state", state(T0 + 2, "idle", "none", 0.0, upcoming_direction="none", step=None,
                                               step_name=None, remaining_s=0.0), True))
    m.append(("retrotread/sim-06/state", state(T0 + 5, "idle", "none", 0.0, upcoming_direction="none", step=None,
                                               step_name=None, program=None, remaining_s=None), True))
    m.append(("retrotread/sim-06/status", "offline", True))
    m += ramp("sim-07", T0 + 3, [4.0, 4.0])
    m.append(("retrotread/sim-07/status", "offline", True))
    m += ramp("sim-08", T0 + 4, [5.0, 5.0], heart_rate_bpm=171)
    m.append(("retrotread/sim-08/event", {"t": 96.0, "event": "hr_warning", "heart_rate_bpm": 171, "limit_bpm": 180,
                                          "ts": T0 + 4.1}, False))
    return m


def encode(payload) -> bytes:
    return payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
