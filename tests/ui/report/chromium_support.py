"""Debian's headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
the browser reads JSON commands on fd 3 and writes replies and events on fd 4, each message ended
by a NUL byte). Enough of the protocol to load a page, collect what its console says, and measure
its images."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "chromium"


def base_args(profile: Path) -> list[str]:
    # the sandbox cannot start as root (CI containers); elsewhere it stays on
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    return [CHROMIUM, "--headless", *sandbox, "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}"]


class Browser:
    """One headless Chromium; `open(url)` loads a page and returns a Page."""

    def __init__(self, profile: Path, timeout_s: float = 20.0) -> None:
        self.timeout_s = timeout_s
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def as_fds_3_and_4() -> None:  # in the child: the pipe ends at the numbers Chromium expects
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen([*base_args(profile), "--remote-debugging-pipe", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        close_fds=False, preexec_fn=as_fds_3_and_4)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict[str, Any]:
        """A command and its result (AssertionError if the browser answers with an error)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        reply = self.wait_for(lambda m: m.get("id") == self._next_id)
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def wait_for(self, match) -> dict[str, Any]:
        """The first message (reply or event) for which match(message) is true; events are kept."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if match(message):
                    return message
            left = deadline - time.monotonic()
            assert left > 0, "Chromium did not answer in time"
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                assert chunk, f"Chromium closed the pipe (exit {self.process.poll()})"
                self._buffer += chunk

    def open(self, url: str) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(f"{domain}.enable", session=session)
        first_event = len(self.events)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        return Page(self, session, first_event)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except AssertionError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


class Page:
    """A loaded page: its console's errors, and JavaScript evaluated in it (by the test, not the page)."""

    def __init__(self, browser: Browser, session: str, first_event: int) -> None:
        self.browser, self.session, self._first_event = browser, session, first_event

    def evaluate(self, expression: str) -> Any:
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                   session=self.session)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def console_errors(self) -> list[str]:
        """Errors and warnings from the page's console, its uncaught exceptions, and the browser's
        log about it (a resource that failed to load, a blocked request)."""
        found = []
        for event in self.browser.events[self._first_event:]:
            if event.get("sessionId") != self.session:
                continue
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(params["entry"].get("text", ""))
        return found


def print_to_pdf(profile: Path, url: str, pdf: Path, timeout_s: float = 30.0) -> bytes:
    """`chromium --headless --print-to-pdf`: the page as the browser prints it."""
    done = subprocess.run([*base_args(profile), "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url],
                          capture_output=True, text=True, timeout=timeout_s)
    assert done.returncode == 0 and pdf.exists(), f"chromium --print-to-pdf failed:\n{done.stderr[-2000:]}"
    return pdf.read_bytes()
