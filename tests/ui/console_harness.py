"""Shared helpers for the console tests: a manual engine on a SimClock and a console app."""

from __future__ import annotations

from pathlib import Path

from controller.clock import SimClock
from controller.limits import load_site_config
from controller.program import load_program
from ui.console.app import ConsoleApp
from ui.console.catalog import SHIPPED_DIR
from ui.console.sessions import SessionRecorder
from ui.engine import Engine
from ui.pin import PinStore
from ui.session.records import Store

PIN = "2468"
BEGINNER = SHIPPED_DIR / "beginner-retro-walk.toml"
FORWARD_CLASSIC = SHIPPED_DIR / "forward-classic.toml"
KNEE = SHIPPED_DIR / "knee-rehab-backward.toml"
FIXED_WALL_S = 1_767_225_600.0  # 2026-01-01 00:00 UTC: session names and dates in snapshots


class FakeWallClock:
    """Wall time for the PIN rate limit and session names, stepped by the test."""

    def __init__(self, t_s: float = FIXED_WALL_S) -> None:
        self.t_s = t_s

    def __call__(self) -> float:
        return self.t_s


def make_engine(program: Path | None = BEGINNER, *, profile: str | None = None, sessions: Path | None = None,
                url: str = "sim://", heartbeat_s: float | None = 1.0, wall=None, hr_backend=None,
                records: Path | None = None) -> Engine:
    """`records`: a data folder to record into (its store, made if new), as `console` does by default."""
    site = load_site_config()
    prog = load_program(program) if program is not None else None
    name = profile or (prog.profile if prog is not None else None) or site.default_profile
    engine = Engine(site, site.profiles[name], prog, driver_url=url, clock=SimClock(),
                    ui_heartbeat_timeout_s=heartbeat_s, hr_backend=hr_backend,
                    records=Store.open(records, create=True) if records is not None else None)
    if records is not None:
        engine.recorder.wall_clock = wall or FakeWallClock()
    if sessions is not None:
        engine.recorder = SessionRecorder(sessions, wall_clock=wall or FakeWallClock())
    return engine


def make_pins(path: Path, *, pin: str | None = PIN, wall=None) -> PinStore:
    store = PinStore(path, now=wall or FakeWallClock(), scrypt_n=2**10)
    if pin is not None:
        store.set_pin(pin)
    return store


def make_app(engine: Engine, pins: PinStore, *, sessions: Path | None = None, locked: bool = False,
             program_dirs: list[Path] | None = None, plan_dirs: list[Path] | None = None) -> ConsoleApp:
    return ConsoleApp(engine, pins=pins, sessions_dir=sessions, start_locked=locked, poll=False,
                      program_dirs=program_dirs, plan_dirs=plan_dirs)


async def run(pilot, seconds: float, *, ui_alive: bool = True) -> None:
    """Advance the control loop by `seconds` of simulated time and let the console catch up."""
    app = pilot.app
    await app.engine.advance(seconds, ui_alive=ui_alive)
    app.poll()
    await pilot.pause()
