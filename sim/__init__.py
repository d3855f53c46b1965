"""The stand-in world: belt + drive physics (belt), the person (person), sensors, fault
injection (faults), all of them together (world), and `sim://` behind the drive contract (drive).

drivers/ does not know this package: the composition root calls `register()` once, so that
`drivers.open_drive("sim://...")` builds a `sim.drive.SimDrive`.
"""

from drivers import register_scheme

SCHEME = "sim"


def register() -> None:
    """Make `open_drive` build `sim://` URLs (sim/drive.py, imported only when one is opened)."""
    register_scheme(SCHEME, "sim.drive:from_url")
