"""Modbus TCP and RTU drives, described by a drive profile (config/drives/NAME.toml).

    modbus-tcp://HOST[:PORT]?profile=NAME[&unit=1][&timeout_ms=25][&config=SITE.toml]
    modbus-rtu:///dev/ttyUSB0?profile=NAME[&baud=19200][&parity=N][&stopbits=1][&unit=1]...
    further keys: io_unit=N (Modbus I/O unit id), key=io:N|drive:BIT, fall=io:N|drive:BIT|none

Every bus call goes through one error funnel (`ModbusBus.call`, drivers/modbus_bus.py):
timeouts, exception replies, garbled or mismatched frames and lost connections all become
`DriveCommsError`, logged loudly once; the connection is reopened by the next call. Requests
have a short timeout and no retries, so a missed reply is known within about one control
tick. One asyncio lock per bus keeps the drive's and its I/O unit's requests apart.

At `open()` the drive's own comm-loss watchdog is written and read back (S9); if it does not
stick, `DriveConfigError` (unless the site's `[drive]` table declares an external watchdog).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from urllib.parse import urlsplit

from drivers import parse_query
from drivers.base import (STOPPED, Drive, DriveCommand, DriveCommsError, DriveConfigError, DriveError,
                          DriveStatus, DriveUrlError)
from drivers.codec import (FC_READ, ReadBlock, Scale, WriteRequest, choose_reaction, command_registers,
                           decode_inputs, decode_status, io_block, read_plan, watchdog_settings, write_plan)
from drivers.modbus_bus import (DEFAULT_TCP_PORT, EXCEPTION_NAMES, BusStats, Endpoint, ExceptionReply,
                                ModbusBus, acquire_bus, release_bus)
from drivers.profiles import DriveProfile, load_profile
from drivers.site import DriveSite, InputWiring, load_drive_site

log = logging.getLogger("retrotread.drivers.modbus")

COMMON_KEYS = {"profile", "unit", "timeout_ms", "config", "io_unit", "key", "fall"}
RTU_KEYS = COMMON_KEYS | {"baud", "parity", "stopbits"}
DEFAULT_TIMEOUT_S = 0.025  # about one 50 Hz tick: a missed reply is known within the tick
OPEN_TIMEOUT_S = 0.5  # parameter writes at connect may take drives longer
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 5, 2000


class ModbusDrive(Drive):
    """A motor drive on a Modbus bus, driven through its profile."""

    def __init__(self, bus: ModbusBus, profile: DriveProfile, site: DriveSite, *, unit: int = 1,
                 watchdog_timeout_s: float = 0.5, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.bus = bus
        self.profile = profile
        self.site = site
        self.unit = unit
        self.scale = Scale.from_site(site)
        self.reaction = choose_reaction(profile, site.comm_loss_reaction)
        self.watchdog_timeout_s = watchdog_timeout_s
        self.timeout_s = timeout_s
        self.name = f"{bus.name} unit {unit} ({profile.name})"
        self._read_fc = FC_READ[profile.functions.read]
        self._read_blocks = read_plan(profile, site.uses_drive_inputs())
        self._io_block = io_block(site)
        if not site.external_watchdog:
            watchdog_settings(profile, watchdog_timeout_s, self.reaction)  # refuse bad values now
        self._status_word: int | None = None
        self._reset_level = False
        self._closed = False

    # ---- lifecycle ----------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, arm and verify the drive's comm-loss watchdog, read the status once."""
        self.bus.timeout_s = max(self.timeout_s, OPEN_TIMEOUT_S)
        self.bus.quiet = True  # a failure here is raised with its reason: no log line besides
        try:
            if self.site.external_watchdog:
                log.warning("%s: the site declares an external hardware watchdog: the drive's own "
                            "comm-loss timeout is not set or checked", self.name)
            else:
                await self._arm_watchdog()
            await self.read()
        except DriveConfigError:
            raise
        except DriveCommsError as exc:
            raise DriveCommsError(f"{self.name}: no usable answer at connect: "
                                  f"{str(exc).removeprefix(self.bus.name + ': ')}") from None
        finally:
            self.bus.timeout_s = self.timeout_s
            self.bus.quiet = False

    async def _arm_watchdog(self) -> None:
        profile = self.profile
        settings = dict(watchdog_settings(profile, self.watchdog_timeout_s, self.reaction))
        # Python dicts keep insertion order: the reaction is written before the timeout.
        for request in write_plan(profile, settings):
            await self._write_parameter(request)
        apply = profile.watchdog.apply
        if apply is not None:
            await self._write_parameter(write_plan(profile, {apply.address: apply.value})[0])
        for address, wanted in settings.items():
            block = ReadBlock(address, 1)
            try:
                (got,) = await self.bus.read_registers(self.unit, block, 3)
            except ExceptionReply as exc:
                raise DriveConfigError(f"{self.name}: cannot read back the comm-loss watchdog setting at "
                                       f"0x{address:04X}: exception reply {exc.code}; refusing to run") from None
            if got != wanted:
                raise DriveConfigError(
                    f"{self.name}: the drive's comm-loss watchdog did not stick: wrote {wanted} to "
                    f"0x{address:04X}, read back {got}; refusing to run. Check that the drive accepts "
                    f"parameter writes over Modbus, or declare external_watchdog = true in the site's "
                    f"[drive] table if a hardware watchdog stops the belt")
        log.info("%s: drive comm-loss watchdog armed: %g s, reaction %s", self.name,
                 self.watchdog_timeout_s, self.reaction)

    async def _write_parameter(self, request: WriteRequest) -> None:
        try:
            await self.bus.write(self.unit, request)
        except ExceptionReply as exc:
            raise DriveConfigError(f"{self.name}: the drive refused its comm-loss watchdog setting "
                                   f"(register 0x{request.address:04X}): exception reply {exc.code} "
                                   f"({EXCEPTION_NAMES.get(exc.code, 'unknown')}); refusing to run") from None

    async def close(self) -> None:
        """Ramp-stop the drive if it still answers, then release the bus. Never raises."""
        if self._closed:
            return
        self._closed = True
        self.bus.quiet = True  # best effort: a drive that does not answer now has its watchdog
        try:
            await self.write(STOPPED)
        except DriveError:
            pass
        finally:
            self.bus.quiet = False
            release_bus(self.bus)

    # ---- one tick ---------------------------------------------------------------------------
    async def read(self) -> DriveStatus:
        registers: dict[int, int] = {}
        for block in self._read_blocks:
            values = await self.bus.read_registers(self.unit, block, self._read_fc)
            registers.update(zip(range(block.address, block.address + block.count), values))
        io_bits = None
        if self._io_block is not None:
            io_bits = await self.bus.read_inputs(self.site.io_unit, self._io_block)
        di_word = registers[self.profile.inputs.address] if self.site.uses_drive_inputs() else None
        safety_key, fall_stop = decode_inputs(self.site, di_word, io_bits)
        self._status_word = registers[self.profile.status.address]
        return decode_status(self.profile, self.scale, registers, safety_key=safety_key, fall_stop=fall_stop)

    async def write(self, command: DriveCommand) -> None:
        # While a reset is requested the bit toggles every write: the drive sees rising edges.
        self._reset_level = (not self._reset_level) if command.fault_reset else False
        values = command_registers(self.profile, self.scale, command, self._status_word, self._reset_level)
        for request in write_plan(self.profile, values):
            await self.bus.write(self.unit, request)

    # ---- for benchmarks and tests -------------------------------------------------------------
    @property
    def stats(self) -> BusStats:
        return self.bus.stats


# ---- URL --------------------------------------------------------------------------------------
def _int(url: str, key: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DriveUrlError(f"{url}: {key} {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise DriveUrlError(f"{url}: {key} {value} must be within {low}-{high}")
    return value


def _wiring(url: str, key: str, text: str) -> InputWiring:
    kind, _, number = text.partition(":")
    if kind == "none" and not number and key == "fall":
        return InputWiring(source="none")
    if kind == "io" and number:
        return InputWiring(source="io", input=_int(url, key, number, 0, 9999))
    if kind == "drive" and number:
        return InputWiring(source="drive", bit=_int(url, key, number, 0, 15))
    allowed = "io:N, drive:BIT" + (" or none" if key == "fall" else "")
    raise DriveUrlError(f"{url}: {key} {text!r} must be {allowed}")


def parse_endpoint(url: str) -> tuple[Endpoint, dict[str, str]]:
    """The bus endpoint and the query of a modbus-tcp:// or modbus-rtu:// URL."""
    parts = urlsplit(url)
    if parts.fragment:
        raise DriveUrlError(f"{url}: a driver URL takes no #fragment")
    if parts.scheme == "modbus-tcp":
        query = parse_query(url, COMMON_KEYS)
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise DriveUrlError(f"{url}: the port must be a number within 1-65535") from None
        if not host or parts.path not in ("", "/"):
            raise DriveUrlError(f"{url}: expected modbus-tcp://HOST:PORT?profile=NAME")
        return Endpoint("tcp", host, port or DEFAULT_TCP_PORT), query
    if parts.scheme == "modbus-rtu":
        query = parse_query(url, RTU_KEYS)
        if parts.netloc or not parts.path.startswith("/") or parts.path == "/":
            raise DriveUrlError(f"{url}: expected modbus-rtu:///dev/DEVICE?profile=NAME (three slashes)")
        baud = _int(url, "baud", query.get("baud", "19200"), 1200, 921600)
        parity = query.get("parity", "N").upper()
        if parity not in ("N", "E", "O"):
            raise DriveUrlError(f"{url}: parity {query['parity']!r} must be N, E or O")
        stopbits = _int(url, "stopbits", query.get("stopbits", "1"), 1, 2)
        return Endpoint("rtu", parts.path, baud=baud, parity=parity, stopbits=stopbits), query
    raise DriveUrlError(f"{url}: not a Modbus URL (modbus-tcp:// or modbus-rtu://)")


def default_timeout_s(endpoint: Endpoint, profile: DriveProfile) -> float:
    """One tick, plus on a serial line the wire time of the longest exchange of a tick."""
    if endpoint.kind == "tcp":
        return DEFAULT_TIMEOUT_S
    longest = max(block.count for block in read_plan(profile, profile.inputs is not None))
    # request 8 bytes + reply 5 + 2 per register, plus 3.5 character times of silence each.
    return DEFAULT_TIMEOUT_S + endpoint.wire_time_s(8 + 5 + 2 * longest + 7)


def from_url(url: str, *, site=None, site_file: str | Path | None = None,
             drive_site: DriveSite | None = None, **_ignored) -> ModbusDrive:
    """Build (not open) a ModbusDrive from its URL.

    `site` (controller.limits.SiteConfig) gives the default comm-loss timeout; `site_file` or
    the URL's `config=` names the site file whose `[drive]` table applies; `drive_site` passes
    that table already loaded. Options for other backends (clock, seed) are ignored.
    """
    endpoint, query = parse_endpoint(url)
    if "profile" not in query:
        from drivers.profiles import available_profiles

        raise DriveUrlError(f"{url}: needs ?profile=NAME (known: {', '.join(available_profiles())})")
    try:
        profile = load_profile(query["profile"])
    except DriveConfigError as exc:
        raise DriveUrlError(f"{url}: {exc}") from None
    unit = _int(url, "unit", query.get("unit", "1"), 1, 247)
    if drive_site is None:
        drive_site = load_drive_site(query.get("config", site_file))
    overrides = {}
    if "io_unit" in query:
        overrides["io_unit"] = _int(url, "io_unit", query["io_unit"], 1, 247)
    if "key" in query:
        overrides["safety_key"] = _wiring(url, "key", query["key"])
    if "fall" in query:
        overrides["fall_stop"] = _wiring(url, "fall", query["fall"])
    if overrides:
        drive_site = DriveSite.model_validate({**drive_site.model_dump(), **{
            k: (v.model_dump() if isinstance(v, InputWiring) else v) for k, v in overrides.items()}})
    if "timeout_ms" in query:
        timeout_s = _int(url, "timeout_ms", query["timeout_ms"], MIN_TIMEOUT_MS, MAX_TIMEOUT_MS) / 1000
    else:
        timeout_s = default_timeout_s(endpoint, profile)
    site_default = getattr(site, "drive_comm_loss_timeout_s", None)
    watchdog_s = drive_site.watchdog_timeout_s(site_default)
    if not math.isfinite(watchdog_s):
        raise DriveConfigError(f"{url}: comm-loss timeout must be finite")
    bus = acquire_bus(endpoint, timeout_s)
    try:
        return ModbusDrive(bus, profile, drive_site, unit=unit, watchdog_timeout_s=watchdog_s,
                           timeout_s=timeout_s)
    except DriveError:
        release_bus(bus)
        raise
