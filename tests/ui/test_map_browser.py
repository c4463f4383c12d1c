"""The corpus map on the Browse tab in a real headless Chromium against the real server
(MiniLM index): opening the tab draws every paper, hovering a point shows its title,
clicking it opens the paper. Screenshots land in test-artifacts/ui/; nothing may load
from outside the server."""

from __future__ import annotations

import httpx
import pytest
from helpers import local_page
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

TIMEOUT = 120_000


@pytest.fixture(scope="module")
def page(browser, ui_server, outside):
    with local_page(
        browser, ui_server.url, outside, width=1500, height=1000, timeout=TIMEOUT
    ) as page:
        page.get_by_role("tab", name="Browse").click()
        yield page


# Points can overlap: the mouse reaches only those drawn on top at their centre.
ON_TOP = """(dots) => dots.filter((d) => {
  const box = d.getBoundingClientRect();
  return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === d;
}).map((d) => d.dataset.paperId)"""


def reachable(page, corpus_map) -> list[dict]:
    page.locator("#pc-map svg.pc-map-plot").scroll_into_view_if_needed()
    on_top = set(page.locator("#pc-map .pc-map-dot").evaluate_all(ON_TOP))
    return [p for p in corpus_map["points"] if p["id"] in on_top]


@pytest.fixture(scope="module")
def corpus_map(ui_server) -> dict:
    with httpx.Client(base_url=ui_server.url, timeout=120) as api:
        return api.get("/api/map").json()


def test_browse_opens_on_the_map_of_the_whole_corpus(page, corpus_map):
    dots = page.locator("#pc-map .pc-map-dot")
    expect(dots).to_have_count(len(corpus_map["points"]), timeout=TIMEOUT)
    ids = dots.evaluate_all("dots => dots.map((d) => d.dataset.paperId)")
    assert ids == [p["id"] for p in corpus_map["points"]]
    legend = page.locator("#pc-map .pc-map-legend li")
    expect(legend).to_have_count(len(corpus_map["clusters"]))
    first = corpus_map["clusters"][0]
    expect(legend.first).to_contain_text(first["label"])
    expect(legend.first.locator(".pc-map-count")).to_have_text(str(first["count"]))
    box = page.locator("#pc-map svg.pc-map-plot").bounding_box()
    assert box and box["width"] > 500 and box["height"] > 300
    years = page.locator("#pc-map img.pc-map-years")
    assert years.evaluate("img => img.complete && img.naturalWidth > 0")


def test_hovering_a_point_shows_its_title(page, corpus_map):
    point = reachable(page, corpus_map)[7]
    dot = page.locator(f'#pc-map .pc-map-dot[data-paper-id="{point["id"]}"]')
    tip = page.locator("#pc-map .pc-map-tip")
    expect(tip).to_be_hidden()
    dot.hover()
    expect(tip).to_be_visible()
    year = f" ({point['year']})" if point["year"] else ""
    expect(tip).to_have_text(point["title"] + year)


def test_clicking_a_point_opens_the_paper(page, corpus_map, artifacts):
    titled = [p for p in reachable(page, corpus_map) if not p["title"].startswith("(untitled)")]
    point = titled[len(titled) // 2]
    dot = page.locator(f'#pc-map .pc-map-dot[data-paper-id="{point["id"]}"]')
    dot.click()
    expect(page.locator("#pc-paper h3")).to_have_text(point["title"], timeout=TIMEOUT)
    expect(dot).to_have_class(f"pc-map-dot c{point['cluster'] % 20} pc-picked")
    dot.hover()
    page.screenshot(path=artifacts / "corpus-map.png", full_page=True)


def test_nothing_was_loaded_from_outside(page, outside):
    assert outside == []
