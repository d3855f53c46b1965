"""Flags whose names changed keep their old spelling."""

import pytest

from ui.cli import build_parser


@pytest.mark.parametrize("flag", ["--drive-profile", "--profile"])
def test_sim_server_takes_the_drive_profile_under_both_names(flag):
    args = build_parser().parse_args(["sim-server", "--modbus-tcp", "0", flag, "cia402"])
    assert args.drive_profile == "cia402"


def test_sim_server_drive_profile_defaults_to_delta():
    assert build_parser().parse_args(["sim-server", "--modbus-tcp", "0"]).drive_profile == "delta-ms300"
