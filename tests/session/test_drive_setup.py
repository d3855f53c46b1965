"""Connect-time setup of the drive's own quick stop (S5, S11): every site profile is checked,
only the session's is written, and a refusal names the site field."""

import pytest

from controller.clock import SimClock
from controller.limits import load_site_config
from drivers.base import DriveConfigError
from sim.drive import from_url
from ui.session.drive_setup import configure_drive_stop


class Counting:
    """The simulated drive, counting what is checked and what is written."""

    def __init__(self) -> None:
        self.drive = from_url("sim://", clock=SimClock())
        self.checked: list[float] = []
        self.written: list[float] = []

    async def check_stop(self, decel_mps2: float) -> None:
        self.checked.append(decel_mps2)
        await self.drive.check_stop(decel_mps2)

    async def configure_stop(self, decel_mps2: float) -> float | None:
        self.written.append(decel_mps2)
        return await self.drive.configure_stop(decel_mps2)


async def test_only_the_sessions_deceleration_is_written_the_others_are_checked():
    site = load_site_config()
    drive = Counting()
    held = await configure_drive_stop(drive, site, site.profiles["rehab"])
    assert held == drive.written[0] == 1.0 and len(drive.written) == 1
    assert sorted(drive.checked) == [1.2, 1.5]


async def test_an_unreachable_other_profile_is_refused_naming_its_field_before_any_write(tmp_path):
    site_file = tmp_path / "site.toml"
    site_file.write_text("[profiles.athlete]\nestop_decel_mps2 = 3.0\n")
    site = load_site_config(site_file)
    drive = Counting()
    with pytest.raises(DriveConfigError) as info:
        await configure_drive_stop(drive, site, site.profiles["fitness"], str(site_file))
    assert str(info.value).startswith(f"{site_file}: profiles.athlete.estop_decel_mps2 = 3: sim://: ")
    assert drive.written == []
