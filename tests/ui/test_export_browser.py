"""Exporting a conversation in a real headless Chromium: ask, download the Markdown and
the BibTeX, check what they hold, and screenshot the Chat tab with the export buttons."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.slow

TIMEOUT = 120_000


def test_export_conversation_as_markdown_and_bibtex(browser, ui_server, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(ui_server.url + "/")
    box = page.locator("#pc-question textarea")
    box.fill("What is NPNet?")
    box.press("Enter")
    expect(page.locator("#pc-chat .pc-answer:not(.pc-streaming)")).to_have_count(1, timeout=TIMEOUT)
    markdown_button = page.locator("#pc-export-md")
    expect(markdown_button).to_be_visible(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "export.png"), full_page=True)

    with page.expect_download() as md:
        markdown_button.click()
    text = Path(md.value.path()).read_text(encoding="utf-8")
    assert md.value.suggested_filename.endswith(".md")
    assert "## Question 1" in text and "What is NPNet?" in text and "[1]" in text
    assert "## References" in text and "Golden Noise" in text
    assert "/api/answers/" in text

    with page.expect_download() as bib:
        page.locator("#pc-export-bib").click()
    entries = Path(bib.value.path()).read_text(encoding="utf-8")
    assert bib.value.suggested_filename.endswith(".bib")
    assert entries.startswith("@") and "Golden Noise" in entries and "paperchat id:" in entries
    context.close()
