"""MQTT telemetry (DESIGN.md, "Telemetry and the fleet view"): a sink that publishes a session.

url.py        the broker URL and the treadmill id (checked before anything starts)
settings.py   --mqtt / --treadmill-id over the site's [telemetry] table
payloads.py   topics and JSON payloads (pure)
discovery.py  Home Assistant discovery configs (pure)
publisher.py  the connection: its own thread, paho's network thread, a bounded queue
sink.py       the control thread's part: rates, distances, a tuple per message

For a front end:

    settings = plan_telemetry(mqtt=args.mqtt, treadmill_id=args.treadmill_id, plan=session)
    ...
    if settings is not None:
        host.add_sink(open_telemetry(settings, t0_s=host.t0_s, now_s=clock.now_s(), report=warn))

Safety stays local: nothing here subscribes to anything, and nothing here can stop or start a
belt; a broker that is down or slow costs the control thread one `put_nowait` per message.
"""

from __future__ import annotations

from ui.session.plan import Refused

__all__ = ["open_telemetry", "plan_telemetry"]


def plan_telemetry(*, mqtt: str | None, treadmill_id: str | None, plan=None, site=None,
                   site_file: str | None = None):
    """The session's telemetry settings (None: no telemetry). `plan` is a SessionPlan (or give
    `site` and `site_file`). Raises Refused (one line naming the flag, or the file and field).
    A password typed in --mqtt is blanked from the process's command line here."""
    if mqtt is None and treadmill_id is None and getattr(plan.site if plan else site, "telemetry", None) is None:
        return None  # the usual run: nothing of this package is even imported
    from ui.session.telemetry.settings import resolve
    from ui.session.telemetry.url import TelemetryInputError, hide_password

    if plan is not None:
        site, site_file = plan.site, plan.site_file
    if mqtt is not None:
        hide_password(mqtt)
    try:
        return resolve(mqtt=mqtt, treadmill_id=treadmill_id, table=getattr(site, "telemetry", None),
                       site_file=site_file)
    except TelemetryInputError as exc:
        raise Refused(str(exc)) from None


def open_telemetry(settings, **options):
    """A started publisher and its sink (sink.open_telemetry, imported on first use)."""
    from ui.session.telemetry.sink import open_telemetry as open_sink

    return open_sink(settings, **options)
