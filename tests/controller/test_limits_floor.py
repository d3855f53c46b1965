"""A site may not set a start speed below what the speed monitor can watch (S10)."""

import pytest

from controller.errors import InputError
from controller.interlocks.speed_monitor import STALL_MIN_COMMAND_KMH
from controller.limits import load_site_config


def test_a_start_speed_below_the_stall_checks_reach_is_refused_naming_the_field(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("[profiles.rehab]\nstart_speed_kmh = 0.3\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_site_config(site)
    assert "profiles.rehab.start_speed_kmh" in str(refused.value)
    site.write_text(f"[profiles.rehab]\nstart_speed_kmh = {STALL_MIN_COMMAND_KMH}\n", encoding="utf-8")
    assert load_site_config(site).profiles["rehab"].start_speed_kmh == STALL_MIN_COMMAND_KMH
