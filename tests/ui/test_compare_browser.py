"""The Compare view in a real headless Chromium against the real server (MiniLM index):
enter a topic, see one row per paper, click a cell and see its span lit in its abstract.
Screenshots land in test-artifacts/ui/; nothing may load from outside the server."""

from __future__ import annotations

import re

import httpx
import pytest
from helpers import local_page
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

TIMEOUT = 120_000
TOPIC = "learning with noisy labels"


@pytest.fixture(scope="module")
def page(browser, ui_server, outside):
    with local_page(
        browser, ui_server.url, outside, width=1500, height=950, timeout=TIMEOUT
    ) as page:
        yield page


def test_compare_tab_shows_one_row_per_paper_of_the_topic(page, ui_server, artifacts):
    page.get_by_role("tab", name="Compare").click()
    page.locator("#pc-compare-topic textarea").fill(TOPIC)
    page.get_by_role("button", name="Compare", exact=True).click()
    rows = page.locator("#pc-table tbody tr[data-paper-id]")
    expect(rows.first).to_be_visible(timeout=TIMEOUT)
    with httpx.Client(base_url=ui_server.url, timeout=120) as api:
        table = api.post("/api/table", json={"topic": TOPIC, "k": 8}).json()
    assert [rows.nth(i).get_attribute("data-paper-id") for i in range(rows.count())] == [
        r["id"] for r in table["rows"]
    ]
    headers = page.locator("#pc-table thead th").all_inner_texts()
    assert [h.strip().lower() for h in headers] == [
        "paper",
        "year",
        "task",
        "method",
        "data",
        "result",
    ]
    expect(page.locator("#pc-table .pc-cell-empty .pc-reason").first).to_be_visible()
    expect(page.locator("#pc-table .pc-mode")).to_have_text("Extractive")
    page.screenshot(path=artifacts / "09-compare.png")


def test_a_cell_lights_its_span_in_its_abstract(page, artifacts):
    cell = page.locator("#pc-table a.pc-cell-link", has_text="Clothing1M").first
    expect(cell).to_be_visible()
    row_id = cell.locator("xpath=ancestor::tr").get_attribute("data-paper-id")
    cell.click()
    entry = page.locator(f'#pc-table-papers article[data-paper-id="{row_id}"]')
    expect(entry).to_have_class(re.compile(r"\bpc-active\b"))
    lit = entry.locator("mark.pc-mark-active")
    expect(lit).to_have_text("Clothing1M")
    expect(lit).to_be_in_viewport()
    assert "sentence" in (cell.get_attribute("title") or "")
    page.screenshot(path=artifacts / "10-compare-cell.png")


def test_an_empty_topic_gets_a_message(page):
    page.locator("#pc-compare-topic textarea").fill("  ")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_text("Type a topic first.")).to_be_visible()


def test_nothing_was_loaded_from_outside(page, outside):
    assert outside == []
