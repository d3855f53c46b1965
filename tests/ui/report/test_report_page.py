"""The progress report's page, read as HTML (no browser here; test_report_chromium.py loads and
prints it): self-contained, every session in order with its stops, notes escaped, bad input refused."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from report_support import PERSON
from ui.report import write_report
from ui.report.page import progress_row


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def page(summaries, tmp_path_factory) -> tuple[str, Elements]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(PERSON, summaries, path)
    html = path.read_text(encoding="utf-8")
    return html, Elements(html)


def test_the_page_is_self_contained(page):
    html, elements = page
    assert elements.all("script") == []
    addresses = [value for _, attrs in elements.tags for key, value in attrs.items() if key in ("src", "href")]
    assert addresses and all(value.startswith("data:") for value in addresses), addresses
    assert "http://" not in html.replace("http://www.w3.org/", "") and "https://" not in html
    assert "@media print" in html and "break-before: page" in html


def test_the_plots_are_svg_images_of_the_progress(page):
    _, elements = page
    images = elements.all("img")
    titles = [image["alt"] for image in images]
    for wanted in ("backward", "speed", "Distance", "Heart rate", "RPE"):
        assert any(wanted.lower() in title.lower() for title in titles), (wanted, titles)
    for image in images:
        prefix = "data:image/svg+xml;base64,"
        assert image["src"].startswith(prefix)
        svg = ET.fromstring(base64.b64decode(image["src"][len(prefix):]))
        assert svg.tag.endswith("svg") and int(image["width"]) > 0 and int(image["height"]) > 0


def test_every_session_in_date_order_with_its_stops_and_notes(page, summaries):
    html, elements = page
    ordered = sorted(summaries, key=lambda s: s["started"])
    blocks = html.split('<div class="session">')[1:]
    assert len(blocks) == len(summaries)
    for block, summary in zip(blocks, ordered, strict=True):
        assert summary["program"] in block and summary["profile"] in block
        for stop in summary["stops"]:
            assert stop["reason"] in block
            seconds = round(stop["time_s"])
            assert f">{seconds // 60}:{seconds % 60:02d}<" in block, "the stop's time into the session"
        if not summary["stops"]:
            assert "Stops: none" in block
        assert "estimate" in block.split("energy", 1)[1].split("</tr>", 1)[0]
        for step in summary["steps"]:
            assert step["name"] in block
    text = "".join(elements.text)
    assert "RPE & pain not asked <b>sic</b>" in text, "the note is shown as written"
    assert elements.all("b") == [], "and never read as markup"
    assert PERSON in text


def test_progress_rows_are_the_summaries_figures(summaries):
    for summary in summaries:
        row = progress_row(1, summary)
        backward = summary["backward"]
        assert row["backward_min"] == pytest.approx(backward["time_s"] / 60)
        assert row["backward_kmh"] == pytest.approx(backward["distance_m"] / backward["time_s"] * 3.6)
        assert row["forward_m"] + row["backward_m"] == pytest.approx(
            summary["forward"]["distance_m"] + backward["distance_m"])
        assert (row["rpe"], row["pain"]) == (summary["rpe"], summary["pain"])
        assert row["hr_max_bpm"] == (summary["heart_rate"] or {}).get("max_bpm")


def test_refused_without_sessions_or_with_someone_elses(summaries, tmp_path):
    path = tmp_path / "report.html"
    with pytest.raises(ValueError, match="no sessions"):
        write_report(PERSON, [], path)
    mixed = summaries + [{**summaries[0], "person": "P-0007"}]
    with pytest.raises(ValueError, match="P-0007"):
        write_report(PERSON, mixed, path)
    with pytest.raises(OSError):
        write_report(PERSON, summaries, tmp_path / "no-such-folder" / "report.html")
    assert list(tmp_path.iterdir()) == []
