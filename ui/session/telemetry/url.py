"""Where telemetry goes: the broker URL and the treadmill id, checked before anything starts.

    mqtt://[user[:password]@]host[:port]     plain MQTT, port 1883 by default
    mqtts://[user[:password]@]host[:port]    MQTT over TLS, port 8883 by default
    ...?ca=FILE                              a CA file to verify the broker with (else the system's)

A password in the URL is visible to anyone who can list processes: it is blanked from this
process's own command line as soon as the URL is read (`hide_password`), but the shell's
history and a wrapper such as `uv run` still hold it. The safer places are the environment
(`RETROTREAD_MQTT_PASSWORD`) or the site's `[telemetry] password_file`. The password is never
part of any text this module produces (`BrokerUrl.display`, every error).
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
PASSWORD_ENV = "RETROTREAD_MQTT_PASSWORD"
TREADMILL_ID = re.compile(r"[a-z0-9_-]{1,32}")
_HOST = re.compile(r"[A-Za-z0-9._:-]+")


class TelemetryInputError(ValueError):
    """A broker URL, treadmill id or [telemetry] field refused; str() is one line."""


@dataclass(frozen=True)
class BrokerUrl:
    """A parsed broker URL. `password` is kept out of repr and of `display`."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None

    @property
    def tls(self) -> bool:
        return self.scheme == "mqtts"

    @property
    def display(self) -> str:
        """The URL as it may be shown: never the password."""
        user = ""
        if self.username is not None:
            user = self.username + (":***" if self.password else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"

    def with_password(self, password: str | None) -> "BrokerUrl":
        return BrokerUrl(self.scheme, self.host, self.port, self.username, password, self.ca_file)


def redact(text: str) -> str:
    """`text` (a URL as typed) with any password replaced by ***, for error messages."""
    return re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", text)


def parse_broker_url(text: str, where: str = "--mqtt") -> BrokerUrl:
    """Parse `text`; TelemetryInputError naming `where` and the redacted URL if it is not one."""
    shown = redact(text)

    def refuse(reason: str) -> TelemetryInputError:
        return TelemetryInputError(f"{where} {shown}: {reason}")

    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        if "port" in str(exc).lower() and "range" in str(exc).lower():
            raise refuse("port must be within 1-65535") from None
        raise refuse(f"not a broker URL ({redact(str(exc))}); expected mqtt://[user[:password]@]host[:port]") \
            from None
    if parts.scheme not in DEFAULT_PORTS:
        raise refuse("expected mqtt://[user[:password]@]host[:port] (or mqtts:// for TLS)")
    host = parts.hostname or ""
    if not host or not _HOST.fullmatch(host):
        raise refuse("no host name")
    if parts.path not in ("", "/") or parts.fragment:
        raise refuse("a broker URL has no path; topics are retrotread/<treadmill-id>/...")
    if port == 0:
        raise refuse("port must be within 1-65535")
    ca_file = _query_ca(parts.query, refuse)
    if ca_file is not None and parts.scheme != "mqtts":
        raise refuse("ca= needs mqtts:// (TLS)")
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise refuse("a password needs a user name (mqtt://user:password@host)")
    return BrokerUrl(parts.scheme, host, port or DEFAULT_PORTS[parts.scheme], username, password, ca_file)


def _query_ca(query: str, refuse) -> str | None:
    if not query:
        return None
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise refuse("cannot read the query; the one parameter is ca=FILE") from None
    unknown = sorted(set(params) - {"ca"})
    if unknown:
        raise refuse(f"unknown parameter {unknown[0]!r}; the one parameter is ca=FILE")
    ca_file = params["ca"][-1]
    if not os.path.isfile(ca_file):
        raise refuse(f"ca={ca_file}: no such file")
    return ca_file


def check_treadmill_id(text: str, where: str = "--treadmill-id") -> str:
    """The id itself if it is [a-z0-9_-]{1,32}; else TelemetryInputError naming `where`."""
    if not TREADMILL_ID.fullmatch(text):
        raise TelemetryInputError(f"{where} {text!r}: use 1-32 of a-z, 0-9, _ and - "
                                  "(it is part of every topic: retrotread/<treadmill-id>/...)")
    return text


def default_treadmill_id() -> str:
    """This machine's host name, made into a valid id (lower case, other characters as -)."""
    name = re.sub(r"[^a-z0-9_-]", "-", socket.gethostname().split(".")[0].lower()).strip("-")
    return name[:32] or "treadmill"


def hide_password(url_text: str) -> bool:
    """Blank the password of `url_text` (an argument as typed) out of this process's command
    line, which `ps` and /proc show to every user of the machine.

    Linux and glibc only: the arguments live in one block that starts at argv[0], which glibc
    keeps as `program_invocation_name`; it is written only when that block reads exactly as
    /proc/self/cmdline does. Returns whether anything was blanked.
    """
    match = re.match(r"[a-z]+://[^:/@\s]*:([^@/\s]+)@", url_text)
    if match is None:
        return False
    try:
        import ctypes

        with open("/proc/self/cmdline", "rb") as f:
            raw = f.read()
        argument = url_text.encode()
        at = raw.find(b"\0" + argument + b"\0")
        if at < 0:
            return False
        start = ctypes.c_void_p.in_dll(ctypes.CDLL(None), "program_invocation_name").value
        if not start or ctypes.string_at(start, len(raw)) != raw:
            return False
        first = at + 1 + len(url_text[:match.start(1)].encode())
        ctypes.memset(start + first, ord("*"), len(match.group(1).encode()))
        return True
    except (OSError, ValueError, AttributeError):
        return False
