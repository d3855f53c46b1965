"""An independent Modbus client (mbpoll, libmodbus) against the served simulator: it reads the
drive's status, writes a command, and the simulated belt reacts.
"""

from __future__ import annotations

import asyncio
import re

from drivers.base import Direction
from modbus_support import requires_mbpoll, requires_socat, served_rtu, served_tcp, wait_for

pytestmark = requires_mbpoll
VALUE = re.compile(r"^\[(\d+)\]:\s+(-?\d+)", re.MULTILINE)


async def mbpoll(*args: str) -> dict[int, int]:
    """Run mbpoll once (-1); return {reference: value} of what it printed."""
    proc = await asyncio.create_subprocess_exec("mbpoll", "-0", "-1", "-o", "1", *args,
                                                stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, (out + err).decode(errors="replace")
    return {int(ref): int(value) for ref, value in VALUE.findall(out.decode())}


async def test_mbpoll_reads_the_status_and_its_command_moves_the_belt():
    async with served_tcp("delta-ms300") as server:
        host, port = server.address
        tcp = ["-m", "tcp", "-p", str(port), "-a", "1"]
        status = await mbpoll(*tcp, "-r", str(0x2100), "-c", "4", host)
        assert status == {0x2100: 0, 0x2101: 0, 0x2102: 0, 0x2103: 0}
        # 0x2000 = 0x0012 run forward, 0x2001 = 500: 5.00 Hz, one write-multiple
        await mbpoll(*tcp, "-r", str(0x2000), host, str(0x0012), "500")
        await wait_for(lambda: abs(server.world.belt_velocity_kmh_signed - 1.6) < 0.01, 2.0)
        status = await mbpoll(*tcp, "-r", str(0x2100), "-c", "4", host)
        assert status[0x2101] & 0x0003 == 0x0003  # running
        assert abs(status[0x2103] - 500) < 20  # 5 Hz output (measured, with noise)
        assert server.world.status().direction is Direction.FORWARD
        # the control unit's state block, as input registers
        state = await mbpoll(*tcp[:4], "-a", "99", "-t", "3", "-r", "100", "-c", "13", host)
        assert 150 <= state[100] <= 170 and state[101] == 1
        await mbpoll(*tcp, "-r", str(0x2000), host, "1")  # stop
        await wait_for(lambda: server.world.status().belt_kmh == 0.0, 2.0)


async def test_mbpoll_injects_through_the_control_unit():
    async with served_tcp() as server:
        host, port = server.address
        await mbpoll("-m", "tcp", "-p", str(port), "-a", "99", "-r", "0", host, "2")  # key-out
        assert server.world.status().safety_key is False
        inputs = await mbpoll("-m", "tcp", "-p", str(port), "-a", "2", "-t", "1", "-r", "0", "-c", "2", host)
        assert inputs == {0: 0, 1: 1}  # I/O unit: key input open, fall-stop closed


@requires_socat
async def test_mbpoll_over_rtu_reads_the_served_drive(tmp_path):
    async with served_rtu(tmp_path, "yaskawa-v1000") as (server, device):
        server.world.inject("drive-fault")
        regs = await mbpoll("-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-r", str(0x20), "-c", "2", device)
        assert regs[0x20] & 0x0008  # fault bit
        assert regs[0x21] == 0x07  # the simulated overcurrent code in the fault register


async def test_mbpoll_reads_the_quick_stop_time_the_driver_configured():
    from modbus_support import opened, tcp_url

    async with served_tcp("delta-ms300") as server:
        host, port = server.address
        tcp = ["-m", "tcp", "-p", str(port), "-a", "1"]
        assert await mbpoll(*tcp, "-r", str(0x010D), host) == {0x010D: 1000}  # factory: 10.00 s
        drive = await opened(tcp_url(server, "delta-ms300", timeout_ms=250), estop_decel_mps2=1.2)
        # Pr.01-13: 75 Hz / 13.5 Hz/s = 5.56 s; Pr.01-00: the 75.00 Hz it refers to
        assert await mbpoll(*tcp, "-r", str(0x010D), host) == {0x010D: 556}
        assert await mbpoll(*tcp, "-r", str(0x0100), host) == {0x0100: 7500}
        await drive.close()
