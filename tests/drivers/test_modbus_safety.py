"""Core safety scenarios re-run over Modbus TCP: the real Controller and control loop, the
Modbus driver, and the served simulator on 127.0.0.1, injections through its control unit.
"""

from __future__ import annotations

import time

from modbus_support import LoopRun, opened, self_stop_bound_s, served_tcp, tcp_url, wait_for, write_program
from sim.control import ControlClient

RUNNING_KMH = 1.5
TICK_S = 0.02


def running(c) -> bool:
    return c.state == "running" and c.status is not None and c.status.belt_kmh > RUNNING_KMH


async def test_key_out_while_running_in_reverse_estops_on_the_next_tick(tmp_path):
    """S1 over the wire: key pulled -> e-stop, and the stop command is on the wire within a tick."""
    async with served_tcp() as server:
        drive = await opened(tcp_url(server))
        async with LoopRun(drive, write_program(tmp_path, "reverse", 2.0)) as run, \
                ControlClient(*server.address) as control:
            await run.until(running, 8.0)
            await control.inject("key-out")
            pulled = time.monotonic()
            await run.until(lambda c: c.state == "estop", 1.0)
            assert time.monotonic() - pulled < 0.2
            assert run.reasons("estop") == ["safety key removed"]
            state = await control.state()
            assert state.latency_s is not None and state.latency_s <= 3 * TICK_S + 0.02
            await wait_for(lambda: server.world.status().belt_kmh <= 0.05, 2.0)


async def test_a_fall_in_reverse_estops_once_the_fall_stop_opens(tmp_path):
    """S8 over the wire: the harness switch opens 0.15 s after the fall -> e-stop."""
    async with served_tcp() as server:
        drive = await opened(tcp_url(server))
        async with LoopRun(drive, write_program(tmp_path, "reverse", 2.0)) as run, \
                ControlClient(*server.address) as control:
            await run.until(running, 8.0)
            await control.inject("fall")
            await run.until(lambda c: c.state == "estop", 1.0)
            assert run.reasons("estop") == ["fall-stop harness opened: check the person first (a fall, or the "
                                            "harness released); reverse is disarmed"]
            state = await control.state()
            sensor_delay_s = server.world.sensors.fall_sensor_delay_s
            assert sensor_delay_s <= state.latency_s <= sensor_delay_s + 3 * TICK_S + 0.02
            await wait_for(lambda: server.world.status().belt_kmh <= 0.05, 2.0)


async def test_server_gone_mid_run_the_controller_faults_and_the_drive_stops_itself(tmp_path):
    """S9 at both ends: the controller latches a comms fault; the drive's watchdog stops the belt."""
    async with served_tcp() as server:
        drive = await opened(tcp_url(server))
        async with LoopRun(drive, write_program(tmp_path, "forward", 3.0)) as run:
            await run.until(lambda c: c.state == "running" and c.status.belt_kmh > 2.5, 10.0)
            await server.stop_serving()
            gone = time.monotonic()
            await run.until(lambda c: c.state == "fault", 1.0)
            assert time.monotonic() - gone <= run.site.comms_timeout_s + 0.15
            assert "drive_comms" in run.controller.latched
            await wait_for(lambda: server.world.status().belt_kmh <= 0.05, 3.0)
            assert time.monotonic() - gone <= self_stop_bound_s(3.0)
            assert server.world.belt.fault_code == 0x0E


async def test_no_reverse_start_while_the_fall_stop_reads_open(tmp_path):
    """S2 over the wire: reverse needs the harness switch reading OK, through the I/O unit."""
    async with served_tcp() as server:
        async with ControlClient(*server.address) as control:
            await control.inject("harness-off")
        drive = await opened(tcp_url(server))
        async with LoopRun(drive, write_program(tmp_path, "reverse", 2.0)) as run:
            await run.until(lambda c: any(e["event"] == "refused" for e in run.events), 5.0)
            assert "fall-stop harness is open" in run.reasons("refused")[0]
            assert run.controller.state == "idle"
            assert all(command.speed_kmh == 0.0 for _, _, command in run.ticks)
