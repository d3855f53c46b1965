"""Modbus TCP and RTU drives, described by a drive profile (config/drives/NAME.toml).

    modbus-tcp://HOST[:PORT]?profile=NAME[&unit=1][&timeout_ms=100][&config=SITE.toml]
    modbus-rtu:///dev/ttyUSB0?profile=NAME[&baud=19200][&parity=N][&stopbits=1][&unit=1]...
    further keys: io_unit=N (Modbus I/O unit id), key=io:N|drive:BIT, fall=io:N|drive:BIT|none

Every bus call goes through one error funnel (`ModbusBus.call`, drivers/modbus_bus.py):
timeouts, exception replies, garbled or mismatched frames and lost connections all become
`DriveCommsError`, logged loudly once; the connection is reopened by the next call. Requests
have a short timeout and no retries, so a missed reply is known within a few control ticks
and a single one never trips the controller's 0.25 s comms watchdog. One asyncio lock per
bus keeps the drive's and its I/O unit's requests apart.

At `open()` the drive's own comm-loss watchdog is written and read back (S9); if it does not
stick, `DriveConfigError` (unless the site's `[drive]` table declares an external watchdog).
Its reaction is the quick stop where the drive offers one (S5). Then, when built with
`estop_decel_mps2`, the deceleration of the drive's own quick stop is written and read back
(`configure_stop`, the profile's `[stop]` table). Last, a comm-loss fault the drive latched
after the previous session is reset if the belt stands still (logged, in `notices`); any
other fault is left for the controller to refuse.
"""

from __future__ import annotations

import contextlib
import logging
import math
from pathlib import Path
from urllib.parse import urlsplit

from drivers import parse_query
from drivers.base import (STOPPED, Direction, Drive, DriveCommand, DriveCommsError, DriveConfigError,
                          DriveError, DriveStatus, DriveUrlError, StopMode)
from drivers.codec import (FC_READ, ReadBlock, Scale, WriteRequest, choose_reaction, command_registers,
                           decode_inputs, decode_status, io_block, read_plan, stop_decel_mps2, stop_settings,
                           watchdog_settings, write_plan)
from drivers.modbus_bus import (DEFAULT_TCP_PORT, EXCEPTION_NAMES, BusStats, Endpoint, ExceptionReply,
                                ModbusBus, acquire_bus, release_bus)
from drivers.profiles import DriveProfile, load_profile
from drivers.site import DriveSite, InputWiring, load_drive_site

log = logging.getLogger("retrotread.drivers.modbus")

COMMON_KEYS = {"profile", "unit", "timeout_ms", "config", "io_unit", "key", "fall"}
RTU_KEYS = COMMON_KEYS | {"baud", "parity", "stopbits"}
#: Covers the slowest replies measured on a busy 2-core machine (59 ms; docs/performance.md,
#: "Modbus reply timeout") and leaves room for two missed replies in a row within the
#: controller's 0.25 s comms watchdog, so a single miss never trips it.
DEFAULT_TIMEOUT_S = 0.100
OPEN_TIMEOUT_S = 0.5  # parameter writes at connect may take drives longer
MIN_TIMEOUT_MS, MAX_TIMEOUT_MS = 5, 2000
MIN_DRIVE_MAX_HZ, MAX_DRIVE_MAX_HZ = 5.0, 650.0  # a maximum frequency read back outside: a wrong register
RESET_TRIES = 5  # fault-reset edges at connect before giving up
_KEPT_STOPS = (StopMode.QUICK, StopMode.COAST)  # close() never softens these into a ramp stop


class ModbusDrive(Drive):
    """A motor drive on a Modbus bus, driven through its profile."""

    def __init__(self, bus: ModbusBus, profile: DriveProfile, site: DriveSite, *, unit: int = 1,
                 watchdog_timeout_s: float = 0.5, timeout_s: float = DEFAULT_TIMEOUT_S,
                 estop_decel_mps2: float | None = None) -> None:
        self.bus = bus
        self.profile = profile
        self.site = site
        self.unit = unit
        self.scale = Scale.from_site(site)
        self.reaction = choose_reaction(profile, site.comm_loss_reaction)
        self.watchdog_timeout_s = watchdog_timeout_s
        self.timeout_s = timeout_s
        self.estop_decel_mps2 = estop_decel_mps2
        self.name = f"{bus.name} unit {unit} ({profile.name})"
        self.notices = ()
        self._last_command: DriveCommand = STOPPED
        self._said_fixed_stop = False
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
        """Connect, arm and verify the drive's comm-loss watchdog, configure its quick stop when
        asked, read the status and reset a comm-loss fault left latched at standstill."""
        try:
            with self._configuring():
                if self.site.external_watchdog:
                    log.warning("%s: the site declares an external hardware watchdog: the drive's own "
                                "comm-loss timeout is not set or checked", self.name)
                else:
                    await self._arm_watchdog()
                if self.estop_decel_mps2 is not None:
                    await self._configure_stop(self.estop_decel_mps2)
                status = await self.read()
                await self._reset_comm_loss_fault(status)
        except DriveConfigError:
            raise
        except DriveCommsError as exc:
            raise DriveCommsError(f"{self.name}: no usable answer at connect: "
                                  f"{str(exc).removeprefix(self.bus.name + ': ')}") from None

    @contextlib.contextmanager
    def _configuring(self):
        """Parameter traffic: the longer connect timeout, and failures raised but not logged."""
        self.bus.timeout_s = max(self.timeout_s, OPEN_TIMEOUT_S)
        self.bus.quiet = True  # a failure here is raised with its reason: no log line besides
        try:
            yield
        finally:
            self.bus.timeout_s = self.timeout_s
            self.bus.quiet = False

    async def configure_stop(self, decel_mps2: float) -> float | None:
        """Write the deceleration of the drive's own quick stop and read it back (S5)."""
        try:
            with self._configuring():
                return await self._configure_stop(decel_mps2)
        except DriveConfigError:
            raise
        except DriveCommsError as exc:
            raise DriveCommsError(f"{self.name}: no usable answer while setting the quick stop: "
                                  f"{str(exc).removeprefix(self.bus.name + ': ')}") from None

    async def check_stop(self, decel_mps2: float) -> None:
        """The settings `configure_stop` would write, computed and refused alike; none written."""
        if not self.profile.stop.writable:
            return
        try:
            with self._configuring():
                await self._stop_settings(decel_mps2)
        except DriveCommsError as exc:
            raise DriveCommsError(f"{self.name}: no usable answer while checking the quick stop: "
                                  f"{str(exc).removeprefix(self.bus.name + ': ')}") from None

    async def _stop_settings(self, decel_mps2: float) -> tuple[dict[int, int], float]:
        """(register -> raw value) for the quick stop at `decel_mps2`, and the max frequency."""
        max_hz = await self._drive_max_hz()
        try:
            return dict(stop_settings(self.profile, self.scale, max_hz, decel_mps2,
                                      self.site.max_stop_decel_mps2)), max_hz
        except DriveConfigError as exc:
            raise DriveConfigError(f"{self.name}: {exc}") from None

    async def _configure_stop(self, decel_mps2: float) -> float | None:
        stop = self.profile.stop
        if not stop.writable:
            if not self._said_fixed_stop:  # once per drive
                self._said_fixed_stop = True
                log.warning("%s: the drive's quick-stop deceleration cannot be set over the bus (profile "
                            "%s): the e-stop is ramped by the controller", self.name, self.profile.name)
            self.stop_decel_mps2 = None
            return None
        settings, max_hz = await self._stop_settings(decel_mps2)
        await self._write_verified(settings, "quick-stop deceleration", "quick-stop deceleration",
                                   "Check that the drive accepts parameter writes over Modbus (and the "
                                   "profile's [stop] register)")
        held = stop_decel_mps2(stop, self.scale, max_hz, settings[stop.registers[0]])
        self.stop_decel_mps2 = held
        log.info("%s: drive quick stop set to %.3g m/s^2 (asked %g; raw %d at 0x%04X)", self.name, held,
                 decel_mps2, settings[stop.registers[0]], stop.registers[0])
        return held

    async def _drive_max_hz(self) -> float:
        """The frequency the drive's stop time refers to: its own register, else the site's max_hz."""
        stop = self.profile.stop
        if stop.kind != "time" or stop.max_hz_register is None:
            return self.site.max_hz
        raw = await self._read_parameter(stop.max_hz_register, "maximum frequency")
        max_hz = raw / stop.max_hz_raw_per_hz
        if not MIN_DRIVE_MAX_HZ <= max_hz <= MAX_DRIVE_MAX_HZ:
            raise DriveConfigError(f"{self.name}: the drive's maximum frequency reads {max_hz:g} Hz "
                                   f"(register 0x{stop.max_hz_register:04X}): not a usable reference for "
                                   f"its stop time; check the profile's [stop] max_hz_register")
        return max_hz

    async def _reset_comm_loss_fault(self, status: DriveStatus) -> None:
        """Reset the comm-loss fault a previous session left latched, if the belt stands still."""
        code = self.profile.watchdog.comm_loss_fault
        if code is None or status.fault_code != code:
            return
        if status.belt_kmh > 0.0 or status.direction is not Direction.NONE:
            log.warning("%s: comm-loss fault 0x%02X latched while the belt moves (%.2f km/h): not reset",
                        self.name, code, status.belt_kmh)
            return
        reset = DriveCommand(False, Direction.NONE, 0.0, fault_reset=True)
        for _ in range(RESET_TRIES):
            await self.write(reset)  # the reset bit rises (the edge the drive resets on) ...
            await self.write(reset)  # ... and falls again
            status = await self.read()
            if status.fault_code == 0:
                break
        await self.write(STOPPED)
        if status.fault_code:
            log.warning("%s: comm-loss fault 0x%02X did not clear at connect (reads 0x%02X)", self.name, code,
                        status.fault_code)
            return
        notice = (f"{self.name}: reset comm-loss fault 0x{code:02X} left latched at standstill "
                  f"(the drive's watchdog fired after the previous session)")
        log.warning("%s", notice)
        self.notices = self.notices + (notice,)

    async def _write_verified(self, settings: dict[int, int], what: str, name: str, hint: str) -> None:
        """Write parameter `settings` (then the profile's apply write, if any) and read each one
        back; DriveConfigError naming `name` and the register when one did not stick."""
        for request in write_plan(self.profile, settings):
            await self._write_parameter(request, what)
        apply = self.profile.watchdog.apply
        if apply is not None:
            await self._write_parameter(write_plan(self.profile, {apply.address: apply.value})[0], what)
        for address, wanted in settings.items():
            got = await self._read_parameter(address, what)
            if got != wanted:
                raise DriveConfigError(f"{self.name}: the drive's {name} did not stick: wrote {wanted} to "
                                       f"0x{address:04X}, read back {got}; refusing to run. {hint}")

    async def _arm_watchdog(self) -> None:
        profile = self.profile
        settings = dict(watchdog_settings(profile, self.watchdog_timeout_s, self.reaction))
        # Python dicts keep insertion order: the reaction is written before the timeout.
        await self._write_verified(settings, "comm-loss watchdog setting", "comm-loss watchdog",
                                   "Check that the drive accepts parameter writes over Modbus, or declare "
                                   "external_watchdog = true in the site's [drive] table if a hardware "
                                   "watchdog stops the belt")
        log.info("%s: drive comm-loss watchdog armed: %g s, reaction %s", self.name,
                 self.watchdog_timeout_s, self.reaction)

    async def _write_parameter(self, request: WriteRequest, what: str) -> None:
        try:
            await self.bus.write(self.unit, request)
        except ExceptionReply as exc:
            raise DriveConfigError(f"{self.name}: the drive refused its {what} "
                                   f"(register 0x{request.address:04X}): exception reply {exc.code} "
                                   f"({EXCEPTION_NAMES.get(exc.code, 'unknown')}); refusing to run") from None

    async def _read_parameter(self, address: int, what: str) -> int:
        try:
            (value,) = await self.bus.read_registers(self.unit, ReadBlock(address, 1), 3)
        except ExceptionReply as exc:
            raise DriveConfigError(f"{self.name}: cannot read back the {what} at 0x{address:04X}: "
                                   f"exception reply {exc.code}; refusing to run") from None
        return value

    async def close(self) -> None:
        """Stop the drive if it still answers, then release the bus. Never raises.

        The stop is the last command's when that was a quick stop or coast (a latched e-stop is
        never softened into a ramp stop), else a ramp stop.
        """
        if self._closed:
            return
        self._closed = True
        last = self._last_command
        stop = STOPPED
        if not last.run and last.stop_mode in _KEPT_STOPS:
            stop = DriveCommand(False, Direction.NONE, 0.0, stop_mode=last.stop_mode)
        self.bus.quiet = True  # best effort: a drive that does not answer now has its watchdog
        try:
            await self.write(stop)
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
        self._last_command = command
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
             drive_site: DriveSite | None = None, estop_decel_mps2: float | None = None,
             **_ignored) -> ModbusDrive:
    """Build (not open) a ModbusDrive from its URL.

    `site` (controller.limits.SiteConfig) gives the default comm-loss timeout; `site_file` or
    the URL's `config=` names the site file whose `[drive]` table applies; `drive_site` passes
    that table already loaded; `estop_decel_mps2` is the deceleration `open()` sets the drive's
    own quick stop to (None: left as the drive holds it). Options for other backends (clock,
    seed) are ignored.
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
                           timeout_s=timeout_s, estop_decel_mps2=estop_decel_mps2)
    except DriveError:
        release_bus(bus)
        raise
