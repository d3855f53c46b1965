"""Setting up an opened drive for a session: its own quick stop (S5, S11).

Used by the session host (ui/session/host.py), for `run` and the console alike. The drive
holds one quick-stop deceleration; the session's profile decides it, and only that one is
written. Every other profile of the site is checked at connect (`Drive.check_stop`: computed
and refused as a write would be, nothing written), so a site file asking for an e-stop the
drive cannot do is refused before anything moves (S11: escalation must never replace a working
stop with a slower coast), whichever profile the operator picks later.
"""

from __future__ import annotations

from controller.limits import DEFAULT_CONFIG, SiteConfig
from drivers.base import Drive, DriveConfigError


async def configure_drive_stop(drive: Drive, site: SiteConfig, profile,
                               site_file: str | None = None) -> float | None:
    """Check every site profile's e-stop deceleration on the drive, then set `profile`'s.

    Returns the deceleration the drive holds (None: its stop cannot be set, and the controller
    ramps e-stops itself). DriveConfigError names the site file's field and the drive.
    """
    source = site_file or str(DEFAULT_CONFIG)
    others = {p.estop_decel_mps2: p for p in site.profiles.values() if p.estop_decel_mps2 != profile.estop_decel_mps2}
    candidate = profile
    try:
        for candidate in others.values():  # checked, not written: a drive's parameters are
            await drive.check_stop(candidate.estop_decel_mps2)  # often EEPROM, worn by each write
        candidate = profile
        return await drive.configure_stop(profile.estop_decel_mps2)
    except DriveConfigError as exc:
        raise DriveConfigError(f"{source}: profiles.{candidate.name}.estop_decel_mps2 = "
                               f"{candidate.estop_decel_mps2:g}: {exc}") from None
