"""Bus load per control tick, for every shipped drive profile: requests and bytes of one
read + write, measured on the wire (pymodbus client byte counts), and what that means for a
serial line: line time per tick at 19200 and 115200 baud (8N1, 3.5 characters of silence
per frame), the share of a 50 Hz tick it takes, and the fastest control rate it allows.

    uv run python bench/busload.py [--ticks 250]

Runs against the simulator served in-process over Modbus TCP (127.0.0.1) and over Modbus
RTU on a socat pty pair; the interlocks come from the Modbus I/O unit (the default wiring),
and for profiles with a digital-input register also from the drive itself (one request less).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from drivers import open_drive  # noqa: E402
from drivers.base import Direction, DriveCommand  # noqa: E402
from drivers.profiles import available_profiles, load_profile  # noqa: E402
from drivers.site import DriveSite, InputWiring  # noqa: E402
from sim.server_modbus import SimServer, make_world  # noqa: E402
from sim import ptys

RUN = DriveCommand(True, Direction.FORWARD, 3.0)
CHAR_BITS = 10  # 8N1
GAP_CHARS = 3.5


def pty_pair(directory: Path):
    return ptys.pty_pair(directory, "ttyB")


async def per_tick(server: SimServer, url: str, ticks: int) -> tuple[float, float, float]:
    """(requests, bytes out, bytes in) per read + write."""
    drive = open_drive(url)
    await drive.open()
    await drive.read()
    stats = drive.stats
    r0, o0, i0 = stats.requests, stats.bytes_out, stats.bytes_in
    for _ in range(ticks):
        await drive.read()
        await drive.write(RUN)
    result = ((stats.requests - r0) / ticks, (stats.bytes_out - o0) / ticks, (stats.bytes_in - i0) / ticks)
    await drive.close()
    return result


def site_for(profile_name: str, drive_inputs: bool) -> DriveSite:
    if not drive_inputs:
        return DriveSite()
    return DriveSite(safety_key=InputWiring(source="drive", bit=0), fall_stop=InputWiring(source="drive", bit=1))


async def measure(profile_name: str, drive_inputs: bool, ticks: int, directory: Path) -> dict:
    site = site_for(profile_name, drive_inputs)
    query = f"profile={profile_name}" + ("&key=drive:0&fall=drive:1" if drive_inputs else "")
    server = SimServer(make_world(drive_site=site), load_profile(profile_name), site)
    host, port = await server.start_tcp("127.0.0.1", 0)
    try:
        tcp = await per_tick(server, f"modbus-tcp://{host}:{port}?{query}", ticks)
    finally:
        await server.close()
    with pty_pair(directory) as (server_end, client_end):
        server = SimServer(make_world(drive_site=site), load_profile(profile_name), site)
        await server.start_rtu(server_end, baud=115200)
        try:
            rtu = await per_tick(server, f"modbus-rtu://{client_end}?{query}&baud=115200&timeout_ms=200", ticks)
        finally:
            await server.close()
    return {"tcp": tcp, "rtu": rtu}


def line_time_s(rtu: tuple[float, float, float], baud: int) -> float:
    requests, out, inp = rtu
    frames = 2 * requests
    return (out + inp + GAP_CHARS * frames) * CHAR_BITS / baud


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=250)
    args = parser.parse_args()
    print("| profile | interlocks from | requests/tick | TCP bytes/tick (out+in) | RTU bytes/tick | "
          "line ms/tick at 19200 | at 115200 | 50 Hz tick used at 19200 | max rate at 19200 |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in available_profiles():
            variants = [False] + ([True] if load_profile(name).inputs is not None else [])
            for drive_inputs in variants:
                result = asyncio.run(measure(name, drive_inputs, args.ticks, Path(tmp)))
                tcp, rtu = result["tcp"], result["rtu"]
                slow, fast = line_time_s(rtu, 19200), line_time_s(rtu, 115200)
                print(f"| {name} | {'drive DI' if drive_inputs else 'I/O unit'} | {rtu[0]:.0f} | "
                      f"{tcp[1]:.0f}+{tcp[2]:.0f} | {rtu[1]:.0f}+{rtu[2]:.0f} | {slow * 1000:.1f} | "
                      f"{fast * 1000:.1f} | {slow / 0.02 * 100:.0f} % | {1 / slow:.0f} Hz |", flush=True)


if __name__ == "__main__":
    main()
