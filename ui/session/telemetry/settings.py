"""Telemetry settings: the command line's `--mqtt` / `--treadmill-id` over the site's table.

The site file may hold a `[telemetry]` table (controller/limits.py keeps it unread, as it
keeps [drive] for drivers/); it is validated here, strictly, naming the file and the field:

    [telemetry]
    url = "mqtts://gym-broker.local"   # mqtt:// or mqtts://, as for --mqtt
    treadmill_id = "tm-03"             # [a-z0-9_-]{1,32}; default: the host name
    username = "tm-03"                 # instead of user@ in the URL
    password_file = "/etc/retrotread/mqtt-password"   # first line; keep it 0600
    ca_file = "/etc/retrotread/broker-ca.pem"         # mqtts: the CA that signed the broker
    discovery = true                   # Home Assistant discovery configs (default true)
    discovery_prefix = "homeassistant"

A password comes from the URL, else `password_file`, else $RETROTREAD_MQTT_PASSWORD.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Any

from ui.session.telemetry.url import (PASSWORD_ENV, TREADMILL_ID, BrokerUrl, TelemetryInputError,
                                      check_treadmill_id, default_treadmill_id, parse_broker_url)

DISCOVERY_PREFIX = "homeassistant"


@dataclass(frozen=True)
class TelemetrySettings:
    """Everything a publisher needs, validated."""

    broker: BrokerUrl
    treadmill_id: str
    discovery: bool = True
    discovery_prefix: str = DISCOVERY_PREFIX


def _table_model():
    # pydantic is imported only when a site has a [telemetry] table (start-up stays light)
    from pydantic import BaseModel, ConfigDict, Field

    class TelemetryTable(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

        url: str
        treadmill_id: Annotated[str, Field(pattern=f"^{TREADMILL_ID.pattern}$")] | None = None
        username: Annotated[str, Field(min_length=1, max_length=128)] | None = None
        password_file: str | None = None
        ca_file: str | None = None
        discovery: bool = True
        discovery_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] = DISCOVERY_PREFIX

    return TelemetryTable


def read_table(data: Any, source: str):
    """The validated [telemetry] table; TelemetryInputError naming `source` and the field."""
    import pydantic

    from drivers.input_errors import from_validation_error

    if not isinstance(data, dict):
        raise TelemetryInputError(f"{source}: telemetry: must be a table")
    try:
        return _table_model().model_validate(data)
    except pydantic.ValidationError as exc:
        raise TelemetryInputError(str(from_validation_error(source, exc, prefix=("telemetry",)))) from None


def resolve(*, mqtt: str | None, treadmill_id: str | None, table: dict | None = None,
            site_file: str | None = None, environ=os.environ) -> TelemetrySettings | None:
    """The flags over the site's table; None when neither asks for telemetry.

    Raises TelemetryInputError (one line, naming the flag or the file and field)."""
    source = site_file or "site configuration"
    parsed = read_table(table, source) if table is not None else None
    if mqtt is None and parsed is None:
        if treadmill_id is not None:
            raise TelemetryInputError("--treadmill-id: needs --mqtt URL (or a [telemetry] table in the site file)")
        return None
    if mqtt is not None:
        broker = parse_broker_url(mqtt, "--mqtt")
    else:
        broker = parse_broker_url(parsed.url, f"{source}: telemetry.url")
    if treadmill_id is not None:
        tid = check_treadmill_id(treadmill_id)
    else:
        tid = (parsed.treadmill_id if parsed else None) or default_treadmill_id()
    if parsed is not None:
        broker = _with_table(broker, parsed, source)
    if broker.username is not None and broker.password is None and environ.get(PASSWORD_ENV):
        broker = broker.with_password(environ[PASSWORD_ENV])
    return TelemetrySettings(broker, tid, parsed.discovery if parsed else True,
                             parsed.discovery_prefix if parsed else DISCOVERY_PREFIX)


def _with_table(broker: BrokerUrl, table, source: str) -> BrokerUrl:
    """The table's username, password file and CA file, where the URL gives none."""
    username = broker.username or table.username
    password = broker.password
    if password is None and table.password_file is not None:
        password = _first_line(table.password_file, f"{source}: telemetry.password_file")
        if username is None:
            raise TelemetryInputError(f"{source}: telemetry.password_file: needs a user name "
                                      "(telemetry.username, or user@ in the URL)")
    ca_file = broker.ca_file
    if ca_file is None and table.ca_file is not None:
        if not os.path.isfile(table.ca_file):
            raise TelemetryInputError(f"{source}: telemetry.ca_file: {table.ca_file}: no such file")
        if not broker.tls:
            raise TelemetryInputError(f"{source}: telemetry.ca_file: needs an mqtts:// URL (TLS)")
        ca_file = table.ca_file
    return BrokerUrl(broker.scheme, broker.host, broker.port, username, password, ca_file)


def _first_line(path: str, where: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline().rstrip("\r\n")
    except OSError as exc:
        raise TelemetryInputError(f"{where}: {path}: cannot read: {exc.strerror}") from None
    if not line:
        raise TelemetryInputError(f"{where}: {path}: the first line is empty")
    return line
