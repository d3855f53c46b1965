"""The console's access: ending a session, the lock screen and the operator PIN.

A mixin of ConsoleApp (ui/console/app.py), kept apart so the App stays a readable size. The
controller refuses every start while locked (Op.LOCK); this decides when to lock and unlock.
"""

from __future__ import annotations

from controller.commands import Op
from ui.console import catalog
from ui.console.screens.dialogs import PinDialog
from ui.console.screens.lock import LockScreen
from ui.pin import PinError, check_format
from ui.session.rest import belt_at_rest


class AccessFlow:
    """Mixed into ConsoleApp: lock after each session, unlock with the PIN, set a PIN."""

    def action_lock(self) -> None:
        snap = self._snap()
        if snap is not None and not belt_at_rest(snap):
            self.say("Stop the belt before ending the session.", "warn")
            return
        if not self._pin_exists():
            self.push_screen(PinDialog("Set the operator PIN", self._set_pin, new=True,
                                       lead="No operator PIN is set. Choose one (4-12 digits): it unlocks the "
                                            "console after each session and authorises the athlete profile."),
                             lambda ok: self.end_session("operator locked") if ok else None)
            return
        self.end_session("operator locked")

    def end_session(self, reason: str) -> None:
        """The session is over: record it, disarm reverse, drop the athlete profile, lock."""
        recorded = self.frame is not None and self.frame.session_open and not self._ending
        self.engine.end_session(reason)
        self._ending = True
        snap = self._snap()
        if snap is not None and snap.reverse_armed:
            self._send(Op.ARM_REVERSE, False)
        if snap is not None and snap.state == "idle":
            self._fresh_program(snap)
        self.lock(reason)
        if recorded:
            self.ask_effort()  # over the lock screen: how it felt, while the person is still there

    def _fresh_program(self, snap) -> None:
        """Reload the program from its start, on a profile that needs no authorisation."""
        label = self.program.name if self.program is not None else catalog.MANUAL.label
        entry = catalog.ProgramEntry(None, label, "manual", self.program)
        name = snap.profile
        if self.site.profiles[name].requires_authorization:
            name = catalog.default_profile(entry, self.site)
            if self.site.profiles[name].requires_authorization or catalog.refusal(entry, name, self.site):
                entry, name = catalog.MANUAL, self.site.default_profile
        self._load(entry, name, quiet=True)

    def lock(self, reason: str | None) -> None:
        """Show the locked screen; `reason` None means the console has just started."""
        self._idle_since_s = None
        if self.locked:
            return
        if not self._pin_exists():
            self.say(f"Session ended ({reason}). No PIN is set, so the console cannot lock: "
                     "run `retrotread set-pin`.", "warn")
            return
        self.locked = True
        self._send(Op.LOCK)  # the controller itself refuses every start until UNLOCK
        text = (f"Session over ({reason}). Enter the operator PIN to unlock." if reason else
                "Enter the operator PIN to start.")
        self.push_screen(LockScreen(self.check_pin, text), self._unlocked)

    def _unlocked(self, ok: bool | None) -> None:
        self.locked = False
        self._send(Op.UNLOCK)
        self.say("Unlocked. Check the harness and arm reverse again for this session.", "good")
        self.ask_person()

    def check_pin(self, pin: str) -> tuple[bool, str]:
        try:
            verdict = self.pins.verify(pin)
        except PinError as exc:
            return False, str(exc)
        return verdict.ok, verdict.message

    def _set_pin(self, pin: str) -> tuple[bool, str]:
        if (reason := check_format(pin)) is not None:
            return False, reason
        try:
            self.pins.set_pin(pin)
        except PinError as exc:
            return False, str(exc)
        return True, "PIN set"

    def _pin_exists(self) -> bool:
        try:
            return self.pins.exists()
        except PinError:
            return True  # a damaged PIN file must not unlock anything: check_pin will say why
