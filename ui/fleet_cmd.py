"""`retrotread fleet --mqtt URL`: the read-only fleet view (Textual). Light at import.

It subscribes to every treadmill's telemetry on the broker (DESIGN.md, "Telemetry and the
fleet view") and shows one tile per treadmill, alarms first; Enter opens a treadmill's
detail view. It publishes nothing: nothing here can move or stop a belt, which stays each
treadmill's own controller's job. A bad URL is one line and exit 2; a broker that is not
there shows in the header line while the view retries.
"""

from __future__ import annotations

import os
import sys

EXIT_OK, EXIT_REFUSED = 0, 2


def configure(sub) -> None:
    p = sub.add_parser("fleet", help="the read-only fleet view: every treadmill on the broker (MQTT)",
                       description="Show every treadmill that publishes to the broker: one tile each (state, "
                                   "direction, speed, heart rate, step, alarms), alarms first; Enter for details.")
    p.add_argument("--mqtt", required=True, metavar="URL",
                   help="the broker: mqtt://[user[:password]@]host[:port] or mqtts://...[?ca=FILE]")
    p.set_defaults(handler=cmd_fleet)


def broker_for(url: str):
    """The broker URL checked (Refused: one line), its password from the environment if the
    URL names only a user, and blanked from the process title if typed."""
    from ui.session.plan import Refused
    from ui.session.telemetry.url import PASSWORD_ENV, TelemetryInputError, hide_password, parse_broker_url

    hide_password(url)
    try:
        broker = parse_broker_url(url, "--mqtt")
    except TelemetryInputError as exc:
        raise Refused(str(exc)) from None
    if broker.username is not None and broker.password is None and os.environ.get(PASSWORD_ENV):
        broker = broker.with_password(os.environ[PASSWORD_ENV])
    return broker


def cmd_fleet(args) -> int:
    from ui.session.plan import Refused

    try:
        broker = broker_for(args.mqtt)
    except Refused as exc:
        print(f"retrotread: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    from ui.fleet.app import FleetApp
    from ui.fleet.feed import MqttFeed
    from ui.fleet.model import FleetModel

    model = FleetModel()
    feed = MqttFeed(broker, model).start()
    try:
        FleetApp(model).run()
    finally:
        feed.stop()
    return EXIT_OK
