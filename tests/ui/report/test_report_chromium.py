"""The progress report in a real headless Chromium (issue 10, point 7): the page loads with no
console error, its plots are images with a size, and printing it gives a PDF of pages. A control
page with a broken image and a console error shows that these checks can fail."""

from __future__ import annotations

import re

import pytest

from chromium_support import Browser, print_to_pdf
from report_support import PERSON
from ui.report import write_report

IMAGES = """[...document.images].map(i => ({alt: i.alt, natural_w: i.naturalWidth, natural_h: i.naturalHeight,
    w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height}))"""
CONTROL = """<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<img src="missing-plot.svg" alt="missing"><script>console.error("control: broken page")</script></body></html>"""


@pytest.fixture(scope="module")
def report(summaries, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(PERSON, summaries, path)
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_the_report_loads_without_console_errors_and_shows_its_plots(browser, report, summaries):
    page = browser.open(report.as_uri())
    images = page.evaluate(IMAGES)
    assert page.console_errors() == []
    assert len(images) == 5
    for image in images:
        assert image["natural_w"] > 0 and image["natural_h"] > 0, f"{image['alt']}: not decoded"
        assert image["w"] > 100 and image["h"] > 50, f"{image['alt']}: laid out at {image['w']}x{image['h']}"
    assert page.evaluate("document.querySelectorAll('.session').length") == len(summaries)
    assert page.evaluate("document.title").endswith(PERSON)


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    control = tmp_path / "control.html"
    control.write_text(CONTROL, encoding="utf-8")
    page = browser.open(control.as_uri())
    (image,) = page.evaluate(IMAGES)
    assert image["natural_w"] == 0
    errors = page.console_errors()
    assert any("control: broken page" in error for error in errors)
    assert any("missing-plot.svg" in error or "ERR_FILE_NOT_FOUND" in error for error in errors), errors


def test_printing_gives_a_pdf_with_the_sessions_on_their_own_pages(report, tmp_path):
    pdf = print_to_pdf(tmp_path / "profile", report.as_uri(), tmp_path / "report.pdf")
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    # the progress section, then the sessions from a new page (print CSS): at least two
    assert pages >= 2, f"{pages} page(s)"
