"""The operator PIN store: salted scrypt hash, never the PIN; rate-limited checks."""

from __future__ import annotations

import json
import stat

import pytest

from console_harness import FakeWallClock
from ui.pin import FIRST_WAIT_S, FREE_TRIES, PinError, PinStore, check_format


@pytest.fixture
def wall():
    return FakeWallClock()


@pytest.fixture
def store(tmp_path, wall):
    return PinStore(tmp_path / "retrotread" / "pin.json", now=wall, scrypt_n=2**10)


def test_the_file_holds_a_salted_scrypt_hash_never_the_pin(store):
    store.set_pin("246813")
    text = store.path.read_text()
    record = json.loads(text)
    assert record["kdf"] == "scrypt" and len(bytes.fromhex(record["salt"])) == 16
    assert "246813" not in record.values() and "pin" not in record
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    first_salt = record["salt"]
    store.set_pin("246813")
    assert json.loads(store.path.read_text())["salt"] != first_salt  # a fresh salt every time


def test_verify(store):
    assert not store.exists()
    assert not store.verify("1234").ok
    store.set_pin("1234")
    assert store.exists()
    assert store.verify("1234").ok
    assert not store.verify("1235").ok
    assert not store.verify("").ok


@pytest.mark.parametrize("pin, ok", [("1234", True), ("123456789012", True), ("123", False),
                                     ("1234567890123", False), ("12a4", False), ("١٢٣٤", False), ("", False)])
def test_pin_format(pin, ok):
    assert (check_format(pin) is None) is ok


def test_set_pin_refuses_a_bad_pin(store):
    with pytest.raises(PinError):
        store.set_pin("12")
    assert not store.exists()


def test_wrong_pins_are_rate_limited_with_a_doubling_wait(store, wall):
    store.set_pin("1234")
    for _ in range(FREE_TRIES - 1):
        verdict = store.verify("0000")
        assert not verdict.ok and verdict.wait_s == 0
    verdict = store.verify("0000")
    assert verdict.wait_s == FIRST_WAIT_S
    refused = store.verify("1234")  # right PIN, but inside the wait
    assert not refused.ok and "try again" in refused.message
    wall.t_s += FIRST_WAIT_S + 1
    assert store.verify("0000").wait_s == 2 * FIRST_WAIT_S
    wall.t_s += 2 * FIRST_WAIT_S + 1
    assert store.verify("0000").wait_s == 4 * FIRST_WAIT_S
    # a new PinStore (a restarted console) still knows about the wait
    again = PinStore(store.path, now=wall)
    assert again.wait_left_s() > 0 and not again.verify("1234").ok
    wall.t_s += 4 * FIRST_WAIT_S + 1
    assert again.verify("1234").ok
    assert again.verify("0000").wait_s == 0  # the right PIN cleared the count


def test_a_damaged_pin_file_is_refused_not_bypassed(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(PinError):
        store.exists()
    store.path.write_text(json.dumps({"kdf": "none"}))
    with pytest.raises(PinError):
        store.verify("1234")
