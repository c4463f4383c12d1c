"""The coverage note and year histogram in a real headless Chromium against the real
server (MiniLM index): under a chat answer and under a summary, the note matches the API's
and the plot is an image the browser decoded, at a real size. Screenshots land in
test-artifacts/ui/; nothing may load from outside the server."""

from __future__ import annotations

import httpx
import pytest
from helpers import local_page
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

TIMEOUT = 120_000
QUESTION = "Which methods learn with noisy labels?"
TOPIC = "graph neural networks"


@pytest.fixture(scope="module")
def page(browser, ui_server, outside):
    with local_page(
        browser, ui_server.url, outside, width=1400, height=950, timeout=TIMEOUT
    ) as page:
        yield page


@pytest.fixture(scope="module")
def api(ui_server):
    with httpx.Client(base_url=ui_server.url, timeout=120) as client:
        yield client


def assert_plot_drawn(coverage) -> None:
    """The histogram is a decoded image with a non-zero rendered size."""
    plot = coverage.locator("img.pc-coverage-plot")
    expect(plot).to_be_visible()
    box = plot.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 20
    decoded = plot.evaluate("img => img.complete && img.naturalWidth > 0 && img.naturalHeight")
    assert decoded
    assert plot.get_attribute("src").startswith("data:image/png;base64,")
    assert "Papers per year:" in plot.get_attribute("alt")


def test_answer_shows_its_coverage_note_and_year_histogram(page, api, artifacts):
    page.locator("#pc-question textarea").fill(QUESTION)
    page.locator("#pc-question textarea").press("Enter")
    answer = page.locator("#pc-chat .pc-answer:not(.pc-streaming)").last
    coverage = answer.locator(".pc-coverage")
    expect(coverage).to_be_visible(timeout=TIMEOUT)
    expected = api.post("/api/ask", json={"question": QUESTION}).json()["coverage"]
    assert expected["papers"] > expected["cited"] >= 1 and expected["years"]
    expect(coverage.locator(".pc-coverage-note")).to_have_text(expected["note"])
    assert_plot_drawn(coverage)
    coverage.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "coverage-answer.png")


def test_an_abstention_has_the_note_and_no_plot(page):
    page.locator("#pc-question textarea").fill("How do I keep a sourdough starter alive?")
    page.locator("#pc-question textarea").press("Enter")
    answer = page.locator("#pc-chat .pc-answer.pc-abstained")
    expect(answer).to_be_visible(timeout=TIMEOUT)
    expect(answer.locator(".pc-coverage-note")).to_have_text("No paper in the corpus bears on this")
    expect(answer.locator("img.pc-coverage-plot")).to_have_count(0)


def test_summary_shows_its_coverage(page, api, artifacts):
    page.get_by_role("tab", name="Summaries").click()
    page.locator("#pc-topic textarea").fill(TOPIC)
    page.get_by_role("button", name="Summarize").click()
    coverage = page.locator("#pc-summary .pc-coverage")
    expect(coverage).to_be_visible(timeout=TIMEOUT)
    expected = api.post("/api/summarize", json={"topic": TOPIC}).json()["coverage"]
    expect(coverage.locator(".pc-coverage-note")).to_have_text(expected["note"])
    assert_plot_drawn(coverage)
    coverage.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "coverage-summary.png")


def test_nothing_was_loaded_from_outside(page, outside):
    assert outside == []
