"""Telemetry input (S12): broker URLs, treadmill ids and the site's [telemetry] table are
checked before anything starts; every refusal is one line naming the flag or the file and
field, and never shows the password."""

from __future__ import annotations

import subprocess
import sys

import pytest

from controller.limits import load_site_config
from ui.session.plan import Refused, SessionPlan
from ui.session.telemetry import plan_telemetry
from ui.session.telemetry.url import (TelemetryInputError, check_treadmill_id, default_treadmill_id,
                                      parse_broker_url, redact)

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize("text, scheme, host, port, user, password", [
    ("mqtt://broker.local", "mqtt", "broker.local", 1883, None, None),
    ("mqtt://broker.local:1884", "mqtt", "broker.local", 1884, None, None),
    ("mqtts://broker.local", "mqtts", "broker.local", 8883, None, None),
    ("mqtt://tm-03@10.0.0.5", "mqtt", "10.0.0.5", 1883, "tm-03", None),
    (f"mqtt://tm-03:{SECRET}@10.0.0.5:2000/", "mqtt", "10.0.0.5", 2000, "tm-03", SECRET),
    ("mqtt://u:p%40ss@h", "mqtt", "h", 1883, "u", "p@ss"),
    ("mqtt://[::1]:1883", "mqtt", "::1", 1883, None, None),
])
def test_broker_urls(text, scheme, host, port, user, password):
    url = parse_broker_url(text)
    assert (url.scheme, url.host, url.port, url.username, url.password) == (scheme, host, port, user, password)
    assert url.tls == (scheme == "mqtts")
    assert SECRET not in url.display and SECRET not in repr(url)


@pytest.mark.parametrize("text, words", [
    ("http://broker", "expected mqtt://"),
    ("broker:1883", "expected mqtt://"),
    ("mqtt://", "no host"),
    ("mqtt://broker/retrotread", "no path"),
    ("mqtt://broker:99999", "port"),
    ("mqtt://broker:0", "port"),
    ("mqtt://broker:abc", "not a broker URL"),
    (f"mqtt://:{SECRET}@broker", "needs a user name"),
    ("mqtt://broker?ca=/etc/hostname", "needs mqtts"),
    ("mqtts://broker?ca=/no/such/ca.pem", "no such file"),
    ("mqtts://broker?tls=1", "unknown parameter"),
    ("mqtt://bro ker", "no host"),
])
def test_bad_broker_urls_are_one_line_naming_the_flag(text, words):
    with pytest.raises(TelemetryInputError) as caught:
        parse_broker_url(text)
    message = str(caught.value)
    assert message.startswith("--mqtt ") and words in message and "\n" not in message
    assert SECRET not in message


def test_a_password_is_never_in_a_refusal():
    with pytest.raises(TelemetryInputError) as caught:
        parse_broker_url(f"mqtt://tm:{SECRET}@broker:99999")
    assert SECRET not in str(caught.value) and "tm:***@broker" in str(caught.value)
    assert redact(f"x mqtt://tm:{SECRET}@h y") == "x mqtt://tm:***@h y"


@pytest.mark.parametrize("good", ["sim-01", "tm_3", "a", "x" * 32, "0-9_a-z"])
def test_good_treadmill_ids(good):
    assert check_treadmill_id(good) == good


@pytest.mark.parametrize("bad", ["", "Tm-1", "tm 1", "tm/1", "tm+1", "x" * 33, "tm#", "émile"])
def test_bad_treadmill_ids(bad):
    with pytest.raises(TelemetryInputError, match=r"^--treadmill-id .*a-z, 0-9"):
        check_treadmill_id(bad)


def test_the_default_id_is_a_valid_id():
    assert check_treadmill_id(default_treadmill_id())


def _plan(tmp_path, table: str | None) -> SessionPlan:
    path = None
    if table is not None:
        path = tmp_path / "site.toml"
        path.write_text(table)
    site = load_site_config(path)
    return SessionPlan(site, None, site.profiles["fitness"], site_file=str(path) if path else None)


def test_no_flag_and_no_table_is_no_telemetry(tmp_path):
    assert plan_telemetry(mqtt=None, treadmill_id=None, plan=_plan(tmp_path, None)) is None


def test_an_id_without_a_broker_is_refused(tmp_path):
    with pytest.raises(Refused, match="--treadmill-id: needs --mqtt"):
        plan_telemetry(mqtt=None, treadmill_id="tm-1", plan=_plan(tmp_path, None))


def test_the_site_table_and_the_flags_over_it(tmp_path):
    plan = _plan(tmp_path, '[telemetry]\nurl = "mqtt://gym.local"\ntreadmill_id = "tm-03"\ndiscovery = false\n')
    from_table = plan_telemetry(mqtt=None, treadmill_id=None, plan=plan)
    assert (from_table.broker.host, from_table.treadmill_id, from_table.discovery) == ("gym.local", "tm-03", False)
    flags = plan_telemetry(mqtt="mqtt://other:1999", treadmill_id="tm-9", plan=plan)
    assert (flags.broker.host, flags.broker.port, flags.treadmill_id) == ("other", 1999, "tm-9")


@pytest.mark.parametrize("table, words", [
    ('[telemetry]\nurl = "mqtt://gym"\nbogus = 1\n', "telemetry.bogus: unknown key"),
    ('[telemetry]\ntreadmill_id = "tm"\n', "telemetry.url: missing"),
    ('[telemetry]\nurl = "mqtt://gym"\ntreadmill_id = "TM 1"\n', "telemetry.treadmill_id:"),
    ('[telemetry]\nurl = "http://gym"\n', "telemetry.url http://gym: expected mqtt://"),
    ('[telemetry]\nurl = "mqtt://gym"\ndiscovery = "yes"\n', "telemetry.discovery:"),
    ('[telemetry]\nurl = "mqtt://gym"\nca_file = "/no/such.pem"\n', "telemetry.ca_file: /no/such.pem: no such file"),
    ('[telemetry]\nurl = "mqtt://gym"\npassword_file = "/no/such"\n', "telemetry.password_file: /no/such: cannot read"),
])
def test_bad_site_tables_name_the_file_and_field(tmp_path, table, words):
    plan = _plan(tmp_path, table)
    with pytest.raises(Refused) as caught:
        plan_telemetry(mqtt=None, treadmill_id=None, plan=plan)
    assert str(caught.value).startswith(f"{tmp_path / 'site.toml'}: ") and words in str(caught.value)


def test_a_telemetry_key_that_is_no_table_is_refused_with_the_site_file(tmp_path):
    from drivers.input_errors import InputError

    with pytest.raises(InputError, match=r"site.toml: telemetry: .*dictionary"):
        _plan(tmp_path, "telemetry = 3\n")


def test_a_password_from_the_password_file_or_the_environment(tmp_path, monkeypatch):
    secret = tmp_path / "mqtt-password"
    secret.write_text(SECRET + "\nignored\n")
    plan = _plan(tmp_path, f'[telemetry]\nurl = "mqtt://gym"\nusername = "tm-3"\npassword_file = "{secret}"\n')
    settings = plan_telemetry(mqtt=None, treadmill_id=None, plan=plan)
    assert (settings.broker.username, settings.broker.password) == ("tm-3", SECRET)
    monkeypatch.setenv("RETROTREAD_MQTT_PASSWORD", "from-env")
    env = plan_telemetry(mqtt="mqtt://tm-4@gym", treadmill_id=None, plan=_plan(tmp_path, None))
    assert (env.broker.username, env.broker.password) == ("tm-4", "from-env")
    typed = plan_telemetry(mqtt="mqtt://tm-4:typed@gym", treadmill_id=None, plan=_plan(tmp_path, None))
    assert typed.broker.password == "typed"  # the URL's own wins


def test_a_typed_password_leaves_the_process_title(tmp_path):
    """What `ps` and /proc/PID/cmdline show to every user: the password blanked, the rest intact."""
    code = ("import sys; from ui.session.telemetry import plan_telemetry; "
            "plan_telemetry(mqtt=sys.argv[2], treadmill_id=None); "
            "print(open('/proc/self/cmdline', 'rb').read().decode().replace(chr(0), ' '))")
    url = f"mqtt://tm-3:{SECRET}@broker.local:1883"
    out = subprocess.run([sys.executable, "-c", code, "--mqtt", url], capture_output=True, text=True, check=True)
    assert SECRET not in out.stdout
    assert f"--mqtt mqtt://tm-3:{'*' * len(SECRET)}@broker.local:1883" in out.stdout
