"""Per-tick cost of the simulator alone: `uv run python bench/simtick.py` (bench/simspeed.py
measures a whole `retrotread run --fast`; this, the world's share of it).

One tick is what a 50 Hz control loop costs the simulator: advance 0.02 s and read a
status, then apply a command. It runs 180,000 ticks (60 min) of a walk that changes speed
and direction every minute, three times, and reports the best run (the least disturbed
by the rest of the machine).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.base import Direction, DriveCommand  # noqa: E402
from sim.world import SimWorld  # noqa: E402

TICKS = 180_000
DT_S = 0.02
REPEATS = 3

# Pre-built commands, one per minute in turn: the controller's own cost is not measured here.
COMMANDS = (
    DriveCommand(True, Direction.FORWARD, 3.0),
    DriveCommand(True, Direction.FORWARD, 6.0),
    DriveCommand(False, Direction.NONE, 0.0),
    DriveCommand(True, Direction.REVERSE, 2.5),
    DriveCommand(False, Direction.NONE, 0.0),
)


def one_run() -> tuple[float, float, SimWorld]:
    """(seconds in advance_to + status, seconds in apply_command, the world) for one hour."""
    world = SimWorld(seed=1)
    advance_to, status, apply_command = world.advance_to, world.status, world.apply_command
    perf = time.perf_counter
    sim_s = cmd_s = 0.0
    for tick in range(1, TICKS + 1):
        t_s = tick * DT_S
        command = COMMANDS[(tick // 3000) % len(COMMANDS)]
        t0 = perf()
        advance_to(t_s)
        status()
        t1 = perf()
        apply_command(command, t_s)
        t2 = perf()
        sim_s += t1 - t0
        cmd_s += t2 - t1
    return sim_s, cmd_s, world


def main() -> None:
    runs = [one_run() for _ in range(REPEATS)]
    sim_s, cmd_s, world = min(runs, key=lambda run: run[0] + run[1])
    us = 1e6 / TICKS
    print(f"{TICKS} ticks: advance_to + status {sim_s * us:.2f} us/tick, apply_command "
          f"{cmd_s * us:.2f} us/tick, total {(sim_s + cmd_s):.3f} s per simulated hour "
          f"(timer overhead included); belt covered {world.distance_forward_m:.0f} m forward, "
          f"{world.distance_reverse_m:.0f} m reverse")


if __name__ == "__main__":
    main()
