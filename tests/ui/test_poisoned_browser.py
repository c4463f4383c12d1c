"""The poisoned probe corpus (tests/hostile/poisoned.jsonl) in a real headless Chromium:
abstracts and titles carrying <script>, <img onerror>, <iframe>, Markdown images and
javascript: links are shown as text. No element is created from them, no script runs
(no dialog opens) and the page asks no outside host for anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ServerThread
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow

TIMEOUT = 60_000
PROBES = Path(__file__).parents[1] / "hostile" / "poisoned.jsonl"
# What paperchat renders from corpus text (gradio's own icons and styles sit around it).
PANELS = ".pc-answer, .pc-question, .pc-panel, .pc-paper"
# Elements and attributes that no corpus text may create inside the panels.
DANGEROUS = """(panels) => {
  const found = [];
  for (const root of document.querySelectorAll(panels)) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      // paperchat's own year chart: a PNG drawn from counts, nothing it can load or run
      if (tag === "img" && el.className === "pc-coverage-plot" &&
          el.getAttribute("src").startsWith("data:image/png;base64,") &&
          ![...el.attributes].some((a) => a.name.startsWith("on"))) continue;
      if (["script", "iframe", "img", "object", "embed", "svg", "style", "meta", "form",
           "input", "details", "video", "audio", "link", "base"].includes(tag))
        found.push(tag);
      for (const attr of el.attributes) {
        if (attr.name.startsWith("on")) found.push(tag + "[" + attr.name + "]");
        if (/^\\s*(javascript|data):/i.test(attr.value)) found.push(tag + "[" + attr.name + "]");
      }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from paperchat.build import run_ingest
    from paperchat.server import create_app
    from paperchat.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("poisoned-ui"), embed_model="hash")
    run_ingest(settings, [PROBES])
    with ServerThread(create_app(settings)) as running:
        yield running


@pytest.fixture(scope="module")
def seen(browser, server):
    """The page, what it asked outside hosts for, and the dialogs scripts opened."""
    outside: list[str] = []
    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})

    def block(route) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(server.url), block)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "/")
    yield page, outside, dialogs
    context.close()


def _inert(page: Page) -> None:
    page.wait_for_timeout(300)  # let any injected element try to load or run
    assert page.evaluate(DANGEROUS, PANELS) == []


@pytest.mark.parametrize(
    "question",
    [
        "Which networks embed the demo with an iframe?",
        "What does the script in LanternNet's code do?",
        "Which paper shows its result with a tracker image?",
    ],
)
def test_chat_shows_poisoned_papers_as_text(seen, question):
    page, _, _ = seen
    answers = page.locator("#pc-chat .pc-answer:not(.pc-streaming)")
    before = answers.count()
    page.locator("#pc-question textarea").fill(question)
    page.locator("#pc-question textarea").press("Enter")
    expect(answers).to_have_count(before + 1, timeout=TIMEOUT)
    expect(page.locator("#pc-sources article").first).to_be_visible()
    _inert(page)


@pytest.mark.parametrize(
    "query", ["script fetch cookie", "img onerror figure", "javascript alert click code"]
)
def test_browse_shows_poisoned_papers_as_text(seen, query):
    page, _, _ = seen
    page.get_by_role("tab", name="Browse").click()
    page.get_by_placeholder("Search the corpus").fill(query)
    page.get_by_role("button", name="Search").click()
    hits = page.locator("#pc-results .pc-hit")
    expect(page.locator("#pc-results")).not_to_contain_text("No papers", timeout=TIMEOUT)
    expect(hits.first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)  # the search also opens the first hit: let that land
    for i in range(min(3, hits.count())):
        title = hits.nth(i).locator("h4").inner_text()
        hits.nth(i).click()
        expect(page.locator("#pc-paper h3")).to_have_text(title, timeout=TIMEOUT)
        _inert(page)
    page.get_by_role("tab", name="Chat").click()


def test_the_payloads_were_on_the_page_as_text(seen):
    page, _, _ = seen
    page.get_by_role("tab", name="Browse").click()
    page.get_by_placeholder("Search the corpus").fill("LanternNet script fetch")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#pc-results")).to_contain_text("<script>", timeout=TIMEOUT)


# What the corpus map may hold: paperchat's own SVG of points and labels, the legend, and
# the year chart (a PNG drawn from counts). Corpus text only as text and data-* values.
MAP_MARKUP = """(root) => {
  const allowed = ["div", "p", "svg", "g", "circle", "text", "ol", "li", "span", "img"];
  const found = [];
  for (const el of root.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if (!allowed.includes(tag)) found.push(tag);
    if (tag === "img" && !(el.className === "pc-map-years" &&
        el.getAttribute("src").startsWith("data:image/png;base64,"))) found.push("img");
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") || ["href", "xlink:href", "srcdoc"].includes(attr.name))
        found.push(tag + "[" + attr.name + "]");
      if (tag !== "img" && /^\\s*(javascript|data):/i.test(attr.value))
        found.push(tag + "[" + attr.name + "]");
    }
  }
  return found;
}"""


@pytest.mark.parametrize("marker", ["<script>", "<img src=x", "<iframe"])
def test_the_corpus_map_shows_poisoned_titles_as_text(seen, marker):
    page, _, _ = seen
    page.get_by_role("tab", name="Browse").click()
    corpus_map = page.locator("#pc-map .pc-map")
    expect(corpus_map.locator(".pc-map-dot").first).to_be_visible(timeout=TIMEOUT)
    dot = corpus_map.locator(".pc-map-dot")
    titles = dot.evaluate_all("dots => dots.map((d) => d.dataset.title)")
    index = next(i for i, t in enumerate(titles) if marker in t)
    dot.nth(index).dispatch_event("mouseover")  # the point may lie under another one
    tip = corpus_map.locator(".pc-map-tip")
    expect(tip).to_contain_text(marker)
    assert tip.evaluate("el => el.children.length") == 0  # text, no element
    dot.nth(index).dispatch_event("click")
    expect(page.locator("#pc-paper h3")).to_contain_text(marker, timeout=TIMEOUT)
    page.wait_for_timeout(300)
    assert corpus_map.evaluate(MAP_MARKUP) == []
    _inert(page)
    page.get_by_role("tab", name="Chat").click()


def test_no_script_ran_and_nothing_was_fetched_from_outside(seen):
    _, outside, dialogs = seen
    assert dialogs == []
    assert outside == []
