"""The strap source over bumble's virtual link: an emulated strap (hr_strap.py) and the real
client code - BleHeartRateSource through bleak's BleakScanner/BleakClient - with no radio.

Time: readings are stamped with a SimClock that the tests move, so staleness is exact and
no test waits for it; the link itself runs on the event loop in real time (milliseconds).
"""

from __future__ import annotations

import asyncio
import logging
import math

import pytest

from controller.clock import SimClock
from drivers.heart_rate import HeartRateError, open_heart_rate
from drivers.heart_rate.ble import RETRY_FIRST_S, RETRY_MAX_S, BleHeartRateSource, backoff_s
from hr_strap import EmulatedStrap, until

QUICK = dict(scan_s=0.5, retry_first_s=0.01, retry_max_s=0.04, connect_timeout_s=1.0)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(start_s=100.0)


@pytest.fixture
async def sources(air, clock):
    """make(strap, **options) -> an unopened source for that strap; all closed afterwards."""
    made: list[BleHeartRateSource] = []

    def make(strap: EmulatedStrap, **options) -> BleHeartRateSource:
        source = BleHeartRateSource(strap.address, clock, backend=air.bleak_backend(), **{**QUICK, **options})
        made.append(source)
        return source

    yield make
    for source in made:
        await source.close()


@pytest.fixture
async def source(sources, strap):
    """An opened source subscribed to `strap`."""
    opened = sources(strap)
    await opened.open()
    await strap.subscribed()
    return opened


async def send(strap: EmulatedStrap, source: BleHeartRateSource, bpm: int, **fields):
    """Notify once and wait until the source has taken it in."""
    before = source.latest()
    await strap.notify(bpm, **fields)
    await until(lambda: source.latest() is not before)
    return source.latest()


async def test_open_connects_and_subscribes_through_bleak(strap, source):
    assert source.connected and source.name == f"ble://{strap.address}"
    assert source.latest() is None and source.bpm_now(100.0) is None  # connected, nothing sent yet


async def test_a_uint8_value(strap, source, clock):
    reading = await send(strap, source, 72)
    assert (reading.bpm, reading.contact, reading.rr_s, reading.energy_kj) == (72, None, (), None)
    assert source.bpm_now(clock.now_s()) == 72.0


@pytest.mark.parametrize("bpm", [72, 255, 256, 300])
async def test_a_uint16_value(strap, source, clock, bpm):
    reading = await send(strap, source, bpm, wide=True)
    assert reading.bpm == bpm and source.bpm_now(clock.now_s()) == float(bpm)


async def test_the_reading_is_stamped_with_the_session_clock_on_arrival(strap, source, clock):
    clock.advance_to(123.25)
    reading = await send(strap, source, 80)
    assert reading.received_s == 123.25


async def test_contact_lost_reads_as_no_heart_rate_and_contact_back_restores_it(strap, source, clock):
    assert (await send(strap, source, 90, contact=True)).contact is True
    assert source.bpm_now(clock.now_s()) == 90.0
    lost = await send(strap, source, 91, contact=False)
    assert lost.contact is False and lost.bpm == 91
    assert source.bpm_now(clock.now_s()) is None
    await send(strap, source, 92, contact=True)
    assert source.bpm_now(clock.now_s()) == 92.0


async def test_a_strap_without_contact_bits_is_trusted(strap, source, clock):
    reading = await send(strap, source, 70, contact=None)
    assert reading.contact is None and source.bpm_now(clock.now_s()) == 70.0


async def test_zero_bpm_is_no_heart_rate_not_a_low_one(strap, source, clock):
    reading = await send(strap, source, 0, contact=True)
    assert reading.bpm == 0
    assert source.bpm_now(clock.now_s()) is None


async def test_rr_intervals_and_energy_arrive_converted(strap, source):
    reading = await send(strap, source, 75, rr_s=(0.8, 0.8125, 1.0), energy_kj=421)
    assert reading.rr_s == (819 / 1024, 832 / 1024, 1.0)
    assert reading.energy_kj == 421


async def test_a_garbled_packet_is_counted_and_never_becomes_a_reading(strap, source, clock, caplog):
    good = await send(strap, source, 80)
    for packet in (b"\x01\x48", b"", b"\x10\x48\x00"):
        await strap.notify_raw(packet)
    await until(lambda: source.garbled_count == 3)
    assert source.latest() is good and source.bpm_now(clock.now_s()) == 80.0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "garbled" in r.message]
    assert len(warnings) == 1  # the first loudly, the repeats quietly
    assert (await send(strap, source, 81)).bpm == 81


async def test_a_strap_that_stops_notifying_goes_stale_after_stale_s(strap, source, clock):
    await send(strap, source, 120)
    clock.advance_to(100.0 + source.stale_s)
    assert source.bpm_now(clock.now_s()) == 120.0
    clock.advance_to(100.0 + source.stale_s + 0.01)
    assert source.bpm_now(clock.now_s()) is None
    assert source.bpm_now(10_000.0) is None  # never the last value forever
    assert source.latest().bpm == 120  # still there to look at
    await send(strap, source, 121)
    assert source.bpm_now(clock.now_s()) == 121.0


async def test_bpm_now_of_a_nonsense_time_is_none(strap, source):
    await send(strap, source, 100)
    assert source.bpm_now(math.nan) is None
    assert source.bpm_now(math.inf) is None


async def test_a_dropped_strap_reads_none_at_once_and_readings_resume_after_reconnect(
        strap, source, clock, caplog):
    await send(strap, source, 110)
    await strap.drop()
    await until(lambda: not source.connected)
    assert source.bpm_now(clock.now_s()) is None  # at once, not after stale_s
    await until(lambda: source.connected)
    await strap.subscribed()
    assert source.bpm_now(clock.now_s()) is None  # the reading from before the drop does not count
    assert (await send(strap, source, 111)).bpm == 111
    assert source.bpm_now(clock.now_s()) == 111.0
    assert (source.drop_count, source.reconnect_count) == (1, 1)
    drops = [r for r in caplog.records if r.levelno == logging.WARNING and "disconnected" in r.message]
    assert len(drops) == 1


async def test_a_strap_away_for_several_retries_is_logged_once_and_found_when_back(
        strap, sources, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="drivers.heart_rate.ble")
    source = sources(strap, scan_s=0.05)
    await source.open()
    await strap.subscribed()
    await strap.drop(comes_back=False)
    await until(lambda: sum("reconnect attempt" in r.message for r in caplog.records) >= 3)
    assert not source.connected and source.bpm_now(clock.now_s()) is None
    await strap.advertise()
    await until(lambda: source.connected)
    await strap.subscribed()
    assert (await send(strap, source, 95)).bpm == 95
    drops = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.message for r in drops] == [f"heart-rate strap {strap.address} disconnected; "
                                          "reconnecting in the background"]


async def test_a_strap_that_drops_as_it_is_subscribed_ends_up_connected(strap, sources, clock):
    strap.drops_on_subscribe = 3  # each time, the drop follows the subscription at once
    source = sources(strap)
    await source.open()
    await until(lambda: strap.drops_on_subscribe == 0)
    await strap.subscribed()
    await until(lambda: source.connected)
    assert (await send(strap, source, 101)).bpm == 101
    assert source.bpm_now(clock.now_s()) == 101.0
    assert len(strap.connections) == 1  # one reconnect loop, one connection


async def test_a_strap_that_drops_during_reconnection_is_retried_quietly(strap, source, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="drivers.heart_rate.ble")
    strap.drops_on_connect = 2  # the next two connections end during service discovery
    await strap.drop()
    await until(lambda: strap.drops_on_connect == 0)
    await until(lambda: source.connected)
    await strap.subscribed()
    assert (await send(strap, source, 102)).bpm == 102
    failed = [r.message for r in caplog.records if "reconnect attempt" in r.message]
    assert len(failed) == 2 and all("disconnected during service discovery" in m for m in failed)
    assert source.drop_count == 1  # the reconnection's own drops are not new drops
    assert [r.levelno for r in caplog.records if "disconnected;" in r.message] == [logging.WARNING]


def test_reconnects_back_off_from_half_a_second_doubling_to_five():
    waits = backoff_s(RETRY_FIRST_S, RETRY_MAX_S)
    assert [next(waits) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


async def test_close_stops_reconnecting(strap, source):
    await strap.drop(comes_back=False)
    await until(lambda: not source.connected)
    await source.close()
    await strap.advertise()
    await asyncio.sleep(0.2)  # ten advertising intervals: time enough for a reconnect to happen
    assert strap.connections == [] and not source.connected


async def test_close_disconnects_and_can_be_called_twice(strap, source):
    await source.close()
    await until(lambda: strap.connections == [])
    await source.close()
    assert not source.connected


async def test_only_the_strap_at_the_address_counts(air, sources, clock):
    ours = await EmulatedStrap.start(air, name="ours")
    theirs = await EmulatedStrap.start(air, name="theirs")
    source = sources(ours)
    await source.open()
    await ours.subscribed()
    assert theirs.connections == []
    await theirs.notify(180)
    assert (await send(ours, source, 70)).bpm == 70


async def test_nothing_advertising_is_not_found_within_the_scan_time(air, clock):
    source = open_heart_rate("ble://C0:00:00:00:0F:0F", clock, scan_s=0.2, backend=air.bleak_backend())
    with pytest.raises(HeartRateError) as refused:
        await source.open()
    assert str(refused.value) == ("--hr ble://C0:00:00:00:0F:0F: strap not found within 0.2 s "
                                  "(is it worn and awake? retrotread hr-scan lists straps)")


async def test_a_strap_that_is_on_but_not_advertising_is_not_found(air, sources):
    silent = await EmulatedStrap.start(air, advertise=False)
    with pytest.raises(HeartRateError, match="strap not found within 0.1 s"):
        await sources(silent, scan_s=0.1).open()


async def test_a_device_without_the_heart_rate_service_is_refused_and_let_go(air, sources):
    other = await EmulatedStrap.start(air, name="not-a-strap", with_hr_service=False)
    source = sources(other)
    with pytest.raises(HeartRateError) as refused:
        await source.open()
    assert str(refused.value) == (f"--hr ble://{other.address}: no heart-rate service (0x180D): "
                                  "is this a heart-rate strap?")
    await until(lambda: other.connections == [])
    assert not source.connected


async def test_a_strap_lost_while_connecting_is_one_line_from_open(strap, sources):
    strap.drops_on_connect = 1
    source = sources(strap)
    with pytest.raises(HeartRateError) as refused:
        await source.open()
    assert str(refused.value) == (f"--hr ble://{strap.address}: cannot connect: Bluetooth error: "
                                  f"{strap.address}: disconnected during service discovery")
    assert not source.connected and source.bpm_now(100.0) is None
