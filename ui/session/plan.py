"""One plan for a session, resolved once for `run`, `console` and `check` (S12).

The site config, the program, the speed profile (the flag's, else the program's, else the
site's default), the program against that profile, the operator's authorisation and the
drive's options: checked before the drive is even opened. Every refusal is one `Refused`
whose message is one line naming the file or flag and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from drivers.input_errors import InputError
from controller.limits import SiteConfig, load_site_config
from controller.program import Program, check_program, load_checked


class Refused(Exception):
    """Input refused before anything moved; the message is one line."""


@dataclass
class SessionPlan:
    """What every session needs, validated."""

    site: SiteConfig
    program: Program | None
    profile: Any  # the SpeedProfile chosen (the program may tighten it further, S4)
    driver_url: str = "sim://"
    site_file: str | None = None  # the --config path (a Modbus drive reads its [drive] table)
    allow_reverse: bool = False
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # what one front end adds (run: injections, trace)
    #: The heart-rate source (--hr): "sim", "none" or "ble://ADDRESS"; None: "sim" on the
    #: simulator, else "none".
    hr_url: str | None = None
    max_hr_bpm: float | None = None  # the session's own limit (--max-hr, the person's): S13
    mass_kg: float | None = None  # for the energy estimate (--mass-kg, the person's); None: 70 kg, estimated
    person: str | None = None  # the pseudonymous person code (--person)
    #: bleak backend classes for a strap (drivers.heart_rate.BleakBackend); None: the platform's.
    #: Tests pass one built on bumble's virtual link.
    hr_backend: Any = None

    @property
    def hr_source(self) -> str:
        """The heart-rate source's URL, the default filled in."""
        if self.hr_url is not None:
            return self.hr_url
        return "sim" if self.driver_url.startswith("sim:") else "none"

    @property
    def hr_input(self) -> str:
        """How the controller gets the heart rate: "status" (the drive's, the simulated person),
        "fed" (a strap the host reads) or "none"."""
        source = self.hr_source
        return "status" if source == "sim" else "none" if source == "none" else "fed"

    @property
    def profile_name(self) -> str:
        return self.profile.name

    def drive_options(self, clock) -> dict[str, Any]:
        """What open_drive needs besides the URL (every backend takes all four)."""
        return {"clock": clock, "seed": self.seed, "site": self.site, "site_file": self.site_file}


def load_site(config: str | None) -> SiteConfig:
    try:
        return load_site_config(config)
    except InputError as exc:
        raise Refused(str(exc)) from None


def profile_name_for(site: SiteConfig, program: Program | None, flag: str | None, where: str | None = None) -> str:
    """The flag's profile, else the program's, else the site's default; Refused if unknown
    (naming `where`, else the flag or the program's field)."""
    name = flag or (program.profile if program else None) or site.default_profile
    if name not in site.profiles:
        where = where or ("--profile" if flag else f"{program.source}: profile")
        raise Refused(f"{where}: unknown profile {name!r} (known: {', '.join(site.profiles)})")
    return name


def check_against(program: Program, site: SiteConfig, name: str) -> None:
    """The program within the profile's caps (S4); Refused naming the step and field."""
    try:
        check_program(program, site.profiles[name])
    except InputError as exc:
        raise Refused(str(exc)) from None


def check_heart_rate(plan: SessionPlan) -> None:
    """The heart-rate source exists where the session relies on one (S13); Refused if not."""
    source = plan.hr_source
    if source not in ("sim", "none"):
        from drivers.heart_rate import HeartRateError, parse_hr_url

        try:
            parse_hr_url(source)
        except HeartRateError as exc:
            raise Refused(str(exc)) from None
    if source == "sim" and not plan.driver_url.startswith("sim:"):
        raise Refused(f"--hr sim: the simulated person exists only on the simulator (sim://), not on "
                      f"{plan.driver_url}; use --hr ble://ADDRESS or --hr none")
    if source != "none":
        return
    program = plan.program
    if plan.max_hr_bpm is not None:
        raise Refused(f"--max-hr {plan.max_hr_bpm:g}: a heart-rate limit needs a heart-rate source "
                      "(--hr ble://ADDRESS)")
    if program is not None and program.hr_guided:
        step = next(step for step in program.steps if step.target_hr_bpm is not None)
        raise Refused(f"{program.source}: {step.path}.target_hr_bpm: an HR-guided step needs a heart-rate "
                      "source (--hr ble://ADDRESS)")
    if program is not None and program.max_hr_bpm is not None:
        raise Refused(f"{program.source}: max_hr_bpm: a heart-rate limit needs a heart-rate source "
                      "(--hr ble://ADDRESS)")


def plan_session(*, config: str | None, program_path: str | None, profile_flag: str | None,
                 authorization: Callable[[str], str | None], driver_url: str = "sim://",
                 allow_reverse: bool = False, seed: int = 0, hr_url: str | None = None,
                 max_hr_bpm: float | None = None, mass_kg: float | None = None,
                 person: str | None = None) -> SessionPlan:
    """Check everything a session starts from; raise Refused.

    `authorization(profile_name)` returns why a profile that needs the operator's
    authorisation (S15) does not have it, or None: each front end asks in its own way.
    """
    site = load_site(config)
    try:  # structure and limits together: every error in the file at once
        program = load_checked(program_path, lambda p: site.profiles[profile_name_for(site, p, profile_flag)]) \
            if program_path else None
    except InputError as exc:
        raise Refused(str(exc)) from None
    name = profile_name_for(site, program, profile_flag)
    if site.profiles[name].requires_authorization and (why := authorization(name)) is not None:
        raise Refused(why)
    plan = SessionPlan(site, program, site.profiles[name], driver_url, config, allow_reverse, seed,
                       hr_url=hr_url, max_hr_bpm=max_hr_bpm, mass_kg=mass_kg, person=person)
    check_heart_rate(plan)
    return plan
