"""The fleet simulator's scripted operators: one per simulated treadmill, for demos and scale.

Each is a sink on its treadmill's session host: it watches the per-tick view (twice a second)
and presses the buttons an operator would, through the controller's command queue like the
console does: start the program after a pause at rest, load it again when it is complete,
re-arm reverse after a fall-stop trip (the person checked), and, after a latched stop, clear
what was injected, wait, reset and start again. With chaos it also injects faults now and
then (mean `CHAOS_MEAN_S` apart per treadmill): safety stays with each treadmill's own
controller, which is what a demo of the fleet view shows.
"""

from __future__ import annotations

import random

from controller.commands import Command, Op

POLL_S = 0.5
REST_S = (3.0, 15.0)  # the pause at rest before each start, drawn per start
RECOVER_AFTER_S = 6.0  # after a latched stop has run down: clear, then reset
RESUME_AFTER_S = 8.0  # a pause ends after this
CHAOS_MEAN_S = 120.0  # mean time between injected faults on one treadmill
#: injected fault -> what clears it in the world (injected just before the reset)
CHAOS = {"fall": None, "key-out": "key-in", "comms-loss": "comms-restore", "drive-fault": None,
         "overspeed": None, "stall": None, "harness-off": "harness-on", "op-estop": None, "pause": None}
COMMS_BACK_AFTER_S = 2.0  # a comms loss ends by itself (the controller has faulted meanwhile)
AT_REST_KMH = 0.05
SOURCE = "fleet-sim"


class ScriptedOperator:
    """Presses one treadmill's buttons (see the module docstring). A sink: on_event, on_tick, close."""

    def __init__(self, host, *, seed: int, chaos_seed: int | None = None, first_start_s: float = 0.0) -> None:
        self.host = host
        self.rng = random.Random(seed)
        self.chaos = random.Random(chaos_seed) if chaos_seed is not None else None
        self.injected = 0
        self.active = True  # False: presses nothing more (the fleet is stopping)
        self._next_s = 0.0
        self._start_at_s: float | None = host.t0_s + first_start_s
        self._latched_at_s: float | None = None
        self._paused_at_s: float | None = None
        self._clear: list[str] = []
        self._comms_back_at_s: float | None = None
        self._rearm = False
        self._chaos_at_s = self._draw_chaos(host.t0_s) if self.chaos else None

    def on_event(self, event) -> None:
        if event["event"] == "reverse_disarmed" and event.get("source") != SOURCE:
            self._rearm = True  # S8: after a fall-stop trip the operator checks and arms again

    def on_tick(self, v) -> None:
        now_s = v.now_s
        if now_s < self._next_s or not self.active:
            return
        self._next_s = now_s + POLL_S
        if self._comms_back_at_s is not None and now_s >= self._comms_back_at_s:
            self._comms_back_at_s = None
            self.host.inject("comms-restore")
        state = v.state
        if state in ("estop", "fault"):
            self._recover(v, now_s)
        elif state == "idle":
            self._start(v, now_s)
        elif state == "paused":
            self._paused_at_s = self._paused_at_s or now_s
            if now_s - self._paused_at_s >= RESUME_AFTER_S:
                self._paused_at_s = None
                self._submit(Op.RESUME)
        elif state == "running" and self._chaos_at_s is not None and now_s >= self._chaos_at_s:
            self._inject_chaos(now_s)

    def close(self) -> None:
        pass

    def _submit(self, op: Op, value=None) -> None:
        self.host.controller.submit(Command(op, value, source=SOURCE))

    def _start(self, v, now_s: float) -> None:
        if self._start_at_s is None:
            self._start_at_s = now_s + self.rng.uniform(*REST_S)
            return
        if now_s < self._start_at_s:
            return
        self._start_at_s = None
        if v.program_complete:
            self._submit(Op.LOAD_PROGRAM, (self.host.plan.program, self.host.plan.profile))
        if self._rearm:
            self._rearm = False
            self._submit(Op.ARM_REVERSE, True)
        self._submit(Op.START)

    def _recover(self, v, now_s: float) -> None:
        if v.belt_kmh > AT_REST_KMH:
            return
        if self._latched_at_s is None:
            self._latched_at_s = now_s
            return
        if now_s - self._latched_at_s < RECOVER_AFTER_S:
            return
        self._latched_at_s = None  # tried again after another RECOVER_AFTER_S if still latched
        for event in self._clear:
            self.host.inject(event)
        self._clear.clear()
        self._submit(Op.RESET)
        self._start_at_s = None

    def _inject_chaos(self, now_s: float) -> None:
        event = self.chaos.choice(sorted(CHAOS))
        self._chaos_at_s = self._draw_chaos(now_s)
        self.injected += 1
        if event == "op-estop":
            self._submit(Op.ESTOP)
        elif event == "pause":
            self._submit(Op.PAUSE)
        else:
            self.host.inject(event)
        if event == "comms-loss":
            self._comms_back_at_s = now_s + COMMS_BACK_AFTER_S
        elif CHAOS[event] is not None:
            self._clear.append(CHAOS[event])

    def _draw_chaos(self, now_s: float) -> float:
        return now_s + self.chaos.expovariate(1.0 / CHAOS_MEAN_S)
