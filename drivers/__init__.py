"""The only door to hardware. `open_drive(url)` picks a backend by URL scheme, lazily.

drivers/ knows its own backends only; the composition root registers any other, such as the
simulator's `sim://` (`sim.register()`), with `register_scheme`.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from drivers.base import (
    Direction,
    Drive,
    DriveCommand,
    DriveCommsError,
    DriveConfigError,
    DriveError,
    DriveStatus,
    DriveUrlError,
    StopMode,
)

__all__ = [
    "Direction",
    "Drive",
    "DriveCommand",
    "DriveCommsError",
    "DriveConfigError",
    "DriveError",
    "DriveStatus",
    "DriveUrlError",
    "StopMode",
    "SCHEMES",
    "open_drive",
    "parse_query",
    "register_scheme",
]

#: scheme -> "module:factory"; the module is imported only when that scheme is used.
SCHEMES = {
    "modbus-tcp": "drivers.modbus:from_url",
    "modbus-rtu": "drivers.modbus:from_url",
    "serial": "drivers.serial_line:from_url",
}


def register_scheme(scheme: str, target: str) -> None:
    """Let `open_drive` build `scheme://` URLs with `target`, "module:factory" (imported only
    when such a URL is opened). Registering the same target again is harmless; another target
    for a known scheme is a ValueError (two backends must not fight over one name)."""
    module_name, colon, factory_name = target.partition(":")
    if not (scheme and module_name and colon and factory_name):
        raise ValueError(f"register_scheme({scheme!r}, {target!r}): expected a scheme and 'module:factory'")
    known = SCHEMES.get(scheme)
    if known is not None and known != target:
        raise ValueError(f"scheme {scheme!r} is already registered to {known!r}")
    SCHEMES[scheme] = target


def parse_query(url: str, allowed: set[str]) -> dict[str, str]:
    """The query of `url` as a flat dict; unknown or repeated keys raise DriveUrlError."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for key, values in query.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise DriveUrlError(f"{url}: unknown parameter {key!r} (known: {known})")
        if len(values) != 1:
            raise DriveUrlError(f"{url}: parameter {key!r} given more than once")
    return {key: values[0] for key, values in query.items()}


def open_drive(url: str, **options) -> Drive:
    """Build (not yet open) the drive named by `url`.

    Options go to the backend's `from_url`, and every backend accepts the same four, using
    what it needs: `clock` and `seed` (the simulator), `site` (a SiteConfig) and `site_file`
    (the --config path, whose [drive] table a Modbus drive reads).
    """
    scheme = urlsplit(url).scheme if "://" in url else ""
    target = SCHEMES.get(scheme)
    if target is None:
        known = ", ".join(f"{name}://" for name in SCHEMES)
        raise DriveUrlError(f"{url}: unknown driver scheme {scheme or '(none)'!r} (known: {known})")
    module_name, factory_name = target.split(":")
    import importlib

    module = importlib.import_module(module_name)
    return getattr(module, factory_name)(url, **options)
