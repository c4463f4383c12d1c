"""The chat UI in a real headless Chromium against the real server (MiniLM index).

One researcher's session, in order: the first page, a streamed answer with citations,
a click on a citation, a follow-up, an out-of-corpus question, a summary and a search.
Screenshots of each step land in test-artifacts/ui/. Every request the page makes
outside the server is blocked and recorded; the last test asserts there were none.
"""

from __future__ import annotations

import re

import httpx
import pytest
from helpers import local_page
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow

TIMEOUT = 120_000  # ms; answers are CPU work on two shared cores
expect.set_options(timeout=TIMEOUT)
NPNET = "h2ff2d7fce6d63ede"

# Records every text the streaming answer shows, before the final answer replaces it.
WATCH_STREAM = """() => {
  window.pcStreamed = [];
  new MutationObserver(() => {
    const live = document.querySelector("#pc-chat .pc-streaming");
    const text = live ? live.textContent.trim() : "";
    if (text && !window.pcStreamed.includes(text)) window.pcStreamed.push(text);
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""


@pytest.fixture(scope="module")
def page(browser, ui_server, outside):
    with local_page(
        browser, ui_server.url, outside, width=1400, height=900, timeout=TIMEOUT
    ) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui_server.url)
        yield page


@pytest.fixture(scope="module")
def api(ui_server):
    with httpx.Client(base_url=ui_server.url, timeout=120) as client:
        yield client


def question_box(page: Page):
    return page.locator("#pc-question textarea")


def ask(page: Page, question: str) -> None:
    answers = page.locator("#pc-chat .pc-answer:not(.pc-streaming)").count()
    question_box(page).fill(question)
    question_box(page).press("Enter")
    expect(page.locator("#pc-chat .pc-answer:not(.pc-streaming)")).to_have_count(answers + 1)


def last_answer(page: Page):
    return page.locator("#pc-chat .pc-answer:not(.pc-streaming)").last


def test_first_load_shows_examples_and_an_empty_panel(page: Page, artifacts):
    expect(question_box(page)).to_be_visible()
    expect(page.get_by_text("What is NPNet?")).to_be_visible()
    expect(page.locator("#pc-sources .pc-empty")).to_be_visible()
    expect(page.get_by_text("LLM: off")).to_be_visible()
    page.screenshot(path=artifacts / "01-first-load.png")


def test_streamed_answer_with_citations_that_open_their_paper(page: Page, api, artifacts):
    page.evaluate(WATCH_STREAM)
    page.get_by_text("What is NPNet?").click()  # an example question runs as asked
    expect(page.locator("#pc-chat .pc-answer:not(.pc-streaming)")).to_have_count(1)
    answer = last_answer(page)
    streamed = page.evaluate("window.pcStreamed")
    assert streamed, "no partial answer was shown while the answer streamed"

    expected = api.post("/api/ask", json={"question": "What is NPNet?", "k": 5}).json()
    titles = {c["n"]: c for c in expected["citations"]}
    links = answer.locator("a.pc-cite")
    assert links.count() >= 1
    for i in range(links.count()):
        n = int(re.fullmatch(r"#src-(\d+)", links.nth(i).get_attribute("href")).group(1))
        assert links.nth(i).get_attribute("title") == titles[n]["title"]
    expect(answer.locator(".pc-mode")).to_have_text("Extractive")
    expect(page.locator("#pc-mode-status")).to_contain_text("Extractive")
    page.screenshot(path=artifacts / "02-answer.png")

    link = links.last
    n = int(link.get_attribute("href").removeprefix("#src-"))
    link.click()
    entry = page.locator(f"#src-{n}")
    expect(entry).to_have_class(re.compile(r"\bpc-active\b"))
    expect(entry).to_be_in_viewport()
    expect(entry.locator("mark").first).to_be_in_viewport()
    assert entry.get_attribute("data-paper-id") == titles[n]["id"]
    expect(entry.locator("h4")).to_have_text(titles[n]["title"])
    marked = " ".join(entry.locator("mark").all_inner_texts())
    assert " ".join(titles[n]["quote"].split()) in " ".join(marked.split())
    expect(page.locator("#pc-sources .pc-active")).to_have_count(1)
    page.screenshot(path=artifacts / "03-citation-clicked.png")


def test_follow_up_keeps_the_conversation(page: Page, artifacts):
    first_numbers = {
        page.locator(f"#src-{n}").get_attribute("data-paper-id"): n
        for n in _numbers(last_answer(page))
    }
    ask(page, "How big is its training set?")
    answer = last_answer(page)
    assert "pc-abstained" not in (answer.get_attribute("class") or "")
    numbers = _numbers(answer)
    assert numbers, "the follow-up has no citations"
    cited = {page.locator(f"#src-{n}").get_attribute("data-paper-id"): n for n in numbers}
    assert NPNET in cited, "the follow-up lost track of NPNet"
    if NPNET in first_numbers:  # numbers are stable across the conversation
        assert cited[NPNET] == first_numbers[NPNET]
    expect(page.locator("#pc-chat .pc-question")).to_have_count(2)
    page.screenshot(path=artifacts / "04-follow-up.png")


def test_copy_bibtex_of_the_cited_papers(page: Page):
    page.locator("#pc-copy-bib").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.lstrip().startswith("@")
    assert copied.count("@") >= len(page.locator("#pc-sources article.pc-src").all())


def test_out_of_corpus_question_abstains(page: Page, artifacts):
    ask(page, "How do I keep a sourdough starter alive?")
    answer = last_answer(page)
    expect(answer).to_have_class(re.compile(r"\bpc-abstained\b"))
    expect(answer).to_contain_text("Not answered from the corpus")
    nearest = answer.locator('a.pc-cite[href^="#src-near-"]')
    expect(nearest).not_to_have_count(0)
    expect(answer.locator('a.pc-cite:not([href^="#src-near-"])')).to_have_count(0)
    expect(page.locator("#pc-sources")).to_contain_text("Nearest papers (not cited)")
    nearest.first.click()
    expect(page.locator("#src-near-1")).to_have_class(re.compile(r"\bpc-active\b"))
    page.screenshot(path=artifacts / "05-abstained.png")


def test_summary_with_its_sources(page: Page, artifacts):
    page.get_by_role("tab", name="Summaries").click()
    page.locator("#pc-topic textarea").fill("graph neural networks")
    page.get_by_role("button", name="Summarize").click()
    summary = page.locator("#pc-summary .pc-answer")
    expect(summary).to_be_visible()
    links = summary.locator("a.pc-cite")
    assert links.count() >= 2
    n = int(links.first.get_attribute("href").removeprefix("#sum-"))
    links.first.click()
    entry = page.locator(f"#sum-{n}")
    expect(entry).to_have_class(re.compile(r"\bpc-active\b"))
    expect(entry.locator("mark").first).to_be_visible()
    page.screenshot(path=artifacts / "06-summary.png")


def test_browse_search_and_read_a_paper(page: Page, artifacts):
    page.get_by_role("tab", name="Browse").click()
    page.get_by_placeholder("Search the corpus").fill("Conv-TasNet speech separation")
    page.get_by_role("button", name="Search").click()
    first = page.locator("#pc-results .pc-hit").first
    expect(first.locator("h4")).to_contain_text("Conv-TasNet")
    expect(page.locator("#pc-paper h3")).to_contain_text("Conv-TasNet")
    expect(page.locator("#pc-paper .pc-abstract")).to_contain_text("speech separation")
    second = page.locator("#pc-results .pc-hit").nth(1)
    title = second.locator("h4").inner_text()
    second.click()  # a click on a result opens it in the reading pane
    expect(page.locator("#pc-paper h3")).to_have_text(title)
    page.screenshot(path=artifacts / "07-browse.png")


def test_empty_question_gets_a_message_not_a_trace(page: Page):
    page.get_by_role("tab", name="Chat").click()
    question_box(page).fill("   ")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_text("Type a question first.")).to_be_visible()
    assert "Traceback" not in page.content()


def test_nothing_was_loaded_from_outside(page: Page, outside):
    assert outside == []


def test_the_page_asks_for_the_api_key_when_one_is_set(browser, secured_ui_server, artifacts):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(secured_ui_server.url + "/")
        password = page.locator("input[type=password]")
        expect(password).to_be_visible()
        expect(page.locator("#pc-question")).to_have_count(0)
        page.screenshot(path=artifacts / "08-login.png")
        user = page.locator("input[type=text]").first
        user.fill("researcher")
        password.fill("wrong")
        password.press("Enter")
        expect(page.get_by_text(re.compile("incorrect", re.I))).to_be_visible()
        user.fill("researcher")
        password.fill(secured_ui_server.api_key)
        password.press("Enter")
        expect(question_box(page)).to_be_visible()
    finally:
        context.close()


def _numbers(answer) -> list[int]:
    hrefs = [a.get_attribute("href") for a in answer.locator("a.pc-cite").all()]
    return sorted({int(h.removeprefix("#src-")) for h in hrefs if re.fullmatch(r"#src-\d+", h)})
