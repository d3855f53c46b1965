"""The printable progress report: one self-contained HTML page (styles inline, plots as SVG data:
URIs, no script, no external address) for one person across their sessions."""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from drivers.units import KMH_PER_MPS
from ui.export.files import replacing

CSS_PATH = Path(__file__).with_name("report.css")
STOP_WORDS = {"estop": "e-stop", "fault": "fault", "operator_stop": "operator stop", "safety_stop": "safety stop",
              "stop": "stop"}


def write_report(person: str, sessions: list[dict[str, Any]], path) -> None:
    """Write the report for `person` from their session summaries (DESIGN.md's fields, any order).

    ValueError if there is no session or one belongs to someone else; OSError if `path` cannot
    be written (nothing is left behind then)."""
    from ui.report.plots import progress_plots

    if not sessions:
        raise ValueError(f"no sessions for person {person!r}")
    others = sorted({str(s.get("person")) for s in sessions if s.get("person") != person})
    if others:
        raise ValueError(f"a report for {person!r} was given sessions of {', '.join(others)}")
    ordered = sorted(sessions, key=lambda s: _started(s))
    rows = [progress_row(number, summary) for number, summary in enumerate(ordered, start=1)]
    html = render(person, ordered, rows, progress_plots(rows))
    with replacing(path, "w", encoding="utf-8") as out:
        out.write(html)


def progress_row(number: int, summary: dict[str, Any]) -> dict[str, Any]:
    """What the progress plots and the overview table show of one session."""
    backward, forward = summary.get("backward") or {}, summary.get("forward") or {}
    backward_s, backward_m = backward.get("time_s") or 0.0, backward.get("distance_m") or 0.0
    heart = summary.get("heart_rate") or {}
    return {
        "number": number, "label": f"#{number}\n{_started(summary):%d %b}",
        "backward_min": backward_s / 60, "backward_m": backward_m, "forward_m": forward.get("distance_m") or 0.0,
        "backward_kmh": backward_m / backward_s * KMH_PER_MPS if backward_s > 0 else None,
        "hr_avg_bpm": heart.get("avg_bpm"), "hr_max_bpm": heart.get("max_bpm"),
        "rpe": summary.get("rpe"), "pain": summary.get("pain"),
    }


def render(person: str, sessions: list[dict[str, Any]], rows: list[dict[str, Any]], plots) -> str:
    first, last = _started(sessions[0]), _started(sessions[-1])
    figures = "\n".join(
        f'<figure><img src="{plot.data_uri}" width="{plot.width_px}" height="{plot.height_px}" '
        f'alt="{escape(plot.title)}"></figure>' for plot in plots)
    blocks = "\n".join(_session_block(row["number"], summary) for row, summary in zip(rows, sessions))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Progress report {escape(person)}</title>
<link rel="icon" href="data:,">
<style>
{CSS_PATH.read_text(encoding="utf-8")}</style>
</head>
<body>
<header>
<h1>Progress report: {escape(person)}</h1>
<p class="lead">{len(sessions)} session{"s" if len(sessions) != 1 else ""} from {first:%d %B %Y} to {last:%d %B %Y}</p>
<p class="note">Person codes are pseudonyms. Distances are the belt's; energy figures are estimates.
Printed from retrotread on {datetime.now().astimezone():%d %B %Y, %H:%M}.</p>
</header>
<section class="progress">
<h2>Progress across sessions</h2>
<div class="plots">
{figures}
</div>
{_overview(rows, sessions)}
</section>
<section class="sessions">
<h2>Sessions</h2>
{blocks}
</section>
</body>
</html>
"""


def _overview(rows, sessions) -> str:
    head = ("<tr><th>#</th><th>date</th><th>program</th><th class=num>backward</th><th class=num>speed back</th>"
            "<th class=num>distance</th><th class=num>HR avg / max</th><th class=num>RPE</th><th class=num>pain</th></tr>")
    body = "".join(
        f"<tr><td>{row['number']}</td><td>{_started(s):%d %b %Y}</td><td>{escape(str(s.get('program') or ''))}</td>"
        f"<td class=num>{_mmss(row['backward_min'] * 60)}</td><td class=num>{_kmh(row['backward_kmh'])}</td>"
        f"<td class=num>{row['forward_m'] + row['backward_m']:.0f} m</td>"
        f"<td class=num>{_hr(s.get('heart_rate'))}</td><td class=num>{_score(s.get('rpe'))}</td>"
        f"<td class=num>{_score(s.get('pain'))}</td></tr>"
        for row, s in zip(rows, sessions))
    return f"<table class=overview>{head}{body}</table>"


def _session_block(number: int, s: dict[str, Any]) -> str:
    forward, backward = s.get("forward") or {}, s.get("backward") or {}
    status = escape(str(s.get("status") or ""))
    if s.get("end_reason"):
        status += f": {escape(str(s['end_reason']))}"
    facts = [
        ("program", escape(str(s.get("program") or ""))),
        ("profile", escape(str(s.get("profile") or ""))),
        ("started, ended", f"{_started(s):%a %d %b %Y, %H:%M} to {_time(s.get('ended'))}"),
        ("duration", _mmss(s.get("duration_s"))),
        ("outcome", status),
        ("forward", _direction(forward)),
        ("backward", _direction(backward)),
        ("heart rate", _hr(s.get("heart_rate"), words=True)),
        ("energy", _energy(s.get("energy"))),
        ("RPE (Borg CR10)", _score(s.get("rpe"))),
        ("pain (0-10)", _score(s.get("pain"))),
        ("note", escape(str(s.get("note") or "")) or "none"),
    ]
    table = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in facts)
    return (f'<div class="session"><h3>Session {number}: {_started(s):%d %B %Y}</h3>'
            f'<table class="facts">{table}</table>{_stops(s.get("stops") or [])}{_steps(s.get("steps") or [])}</div>')


def _stops(stops: list[dict[str, Any]]) -> str:
    if not stops:
        return "<p>Stops: none.</p>"
    rows = "".join(f'<tr class="stop"><td class=num>{_mmss(_stop_time_s(stop))}</td><td>{_stop_kind(stop.get("kind"))}'
                   f'</td><td>{escape(str(stop.get("reason", "")))}</td></tr>' for stop in stops)
    return f"<table class=stops><tr><th class=num>at</th><th>stop</th><th>reason</th></tr>{rows}</table>"


def _steps(steps: list[dict[str, Any]]) -> str:
    if not steps:
        return ""
    head = ("<tr><th>step</th><th>direction</th><th class=num>planned</th><th class=num>time</th>"
            "<th class=num>distance</th><th class=num>mean speed</th><th class=num>HR avg / max</th></tr>")
    rows = "".join(
        f"<tr><td>{escape(str(step.get('name', '')))}</td><td>{_word(step.get('direction'))}</td>"
        f"<td class=num>{_mmss(step.get('planned_s'))}</td><td class=num>{_mmss(step.get('time_s'))}</td>"
        f"<td class=num>{step.get('distance_m') or 0:.0f} m</td><td class=num>{_kmh(step.get('avg_kmh'))}</td>"
        f"<td class=num>{_hr({'avg_bpm': step.get('hr_avg_bpm'), 'max_bpm': step.get('hr_max_bpm')})}</td></tr>"
        for step in steps)
    return f"<table class=steps>{head}{rows}</table>"


def _started(summary: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(summary["started"]))
    except (KeyError, ValueError):
        raise ValueError(f"session {summary.get('id', '?')}: no valid 'started' time") from None


def _time(text: str | None) -> str:
    try:
        return f"{datetime.fromisoformat(str(text)):%H:%M}"
    except ValueError:
        return "not recorded"


def _direction(part: dict[str, Any]) -> str:
    time_s, distance_m = part.get("time_s") or 0.0, part.get("distance_m") or 0.0
    speed = f", mean {_kmh(distance_m / time_s * KMH_PER_MPS)}" if time_s > 0 else ""
    return f"{_mmss(time_s)}, {distance_m:.0f} m{speed}"


def _energy(energy: dict[str, Any] | None) -> str:
    if not energy or energy.get("kcal") is None:
        return '<span class="estimate">no estimate</span>'
    mass = f"{energy.get('mass_kg', 0):.0f} kg{' (assumed)' if energy.get('estimated') else ''}"
    return (f'<span class="estimate">{energy["kcal"]:.0f} kcal (estimate; {energy.get("met_avg", 0):.1f} MET '
            f'average, body mass {mass})</span>')


def _hr(heart: dict[str, Any] | None, words: bool = False) -> str:
    if not heart or heart.get("avg_bpm") is None:
        return "no reading" if words else "-"
    return f"{heart['avg_bpm']:.0f} / {heart['max_bpm']:.0f}" + (" bpm (average / maximum)" if words else "")


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _kmh(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} km/h"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _stop_time_s(stop: dict[str, Any]) -> float | None:
    """Seconds into the session: `time_s` in the store's summaries (`t_s` in the brief's wording)."""
    return stop.get("time_s", stop.get("t_s"))


def _stop_kind(kind: str | None) -> str:
    return escape(STOP_WORDS.get(str(kind), str(kind or "stop")))


def _word(direction: str | None) -> str:
    return {"reverse": "backward", "backward": "backward", "forward": "forward"}.get(str(direction), "-")
