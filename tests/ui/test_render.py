"""The pure HTML renderers: escaping, citation links, abstention styling, quote marks."""

from __future__ import annotations

import re

import pytest

from paperchat.answer.models import Answer, Citation, Summary
from paperchat.retrieve.results import SearchResult
from paperchat.ui import render
from paperchat.ui.session import ChatSession

EVIL = (
    'Attack <script>alert("x")</script> and <img src="https://evil.example/t.png"> and '
    "![pixel](https://evil.example/p.png) and [click](javascript:alert(1)) and **bold** "
    "and $x^2$. We propose the NPNet model. It learns golden noise."
)


def result(pid: str = "p1", abstract: str = EVIL, **fields) -> SearchResult:
    values = {
        "id": pid,
        "title": "A <b>title</b>",
        "abstract": abstract,
        "score": 0.5,
        "published": "2024-05-01",
        "authors": None,
        "author_count": 3,
        "url": None,
        "code_url": "https://github.com/x/y",
    } | fields
    return SearchResult(**values)


def answer(**fields) -> Answer:
    values = {
        "question": "what is NPNet?",
        "answer": "One paper addresses this:\n\n- **NPNet paper**: We propose the NPNet model [1].",
        "abstained": False,
        "mode": "extractive",
        "citations": [
            Citation(n=1, id="p1", title="A <b>title</b>", quote="We propose the NPNet model.")
        ],
        "sources": [result()],
    } | fields
    return Answer(**values)


def assert_inert(html: str) -> None:
    """Nothing from the corpus became markup, a Markdown link/image or a remote load."""
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
    assert "](" not in html and "![" not in html
    assert re.findall(r'href="([^"]*)"', html) == [
        h for h in re.findall(r'href="([^"]*)"', html) if h.startswith(("#", "https://"))
    ]
    assert "\n" not in html


def test_esc_neutralises_html_and_markdown():
    out = render.esc(EVIL)
    assert_inert(out)
    assert "&lt;script&gt;" in out and "&#33;&#91;pixel&#93;" in out
    assert "&#42;&#42;bold&#42;&#42;" in out and "&#36;x^2&#36;" in out


def test_citations_become_links_to_the_panel():
    html = render.text_html("Claim [1]. Both [1, 2]. Unknown [7].", {1: "One", 2: "Two"})
    assert re.findall(r'href="#src-(\d+)"', html) == ["1", "1", "2"]
    assert "&#91;7&#93;" in html and 'href="#src-7"' not in html
    assert 'title="One"' in html


def test_citation_prefix_keeps_panels_apart():
    html = render.text_html("Claim [3].", {3: "T"}, prefix="sum")
    assert 'href="#sum-3"' in html


def test_light_markdown_in_answer_text():
    html = render.text_html("Lead:\n\n- **A**: one [1].\n- **B**: two.\n\n## Next\nMore.", {1: "A"})
    assert html.startswith("<p>Lead:</p><ul><li><strong>A</strong>: one")
    assert html.count("<li>") == 2 and '<p class="pc-h">Next</p><p>More.</p>' in html


def test_answer_text_is_escaped():
    html = render.text_html(EVIL + " [1]", {1: "<script>t</script>"})
    assert_inert(html)


def test_answer_and_abstention_look_different():
    normal = render.result_html(answer())
    abstained = render.result_html(
        answer(
            answer="The corpus has nothing on sourdough.",
            abstained=True,
            citations=[],
            sources=[result("n1", title="Near one"), result("n2", title="Near two")],
        )
    )
    assert 'class="pc-answer"' in normal and "pc-abstained" not in normal
    assert "pc-abstained" in abstained and "Not answered from the corpus" in abstained
    assert "Near one" in abstained and 'href="#src-near-2"' in abstained
    assert abstained.count("Near two") == 1
    assert_inert(normal)
    assert_inert(abstained)


def test_mode_badge_names_the_mode_that_answered():
    assert "Extractive" in render.result_html(answer())
    assert "pc-mode-llm" in render.result_html(answer(mode="llm"))


def test_summary_renders_with_its_own_prefix():
    summary = Summary(
        topic="t",
        summary="Noise [1].",
        abstained=False,
        mode="extractive",
        citations=answer().citations,
        sources=[result()],
    )
    assert 'href="#sum-1"' in render.result_html(summary, prefix="sum")


def test_quote_is_marked_inside_the_escaped_abstract():
    html, missing = render.highlight(EVIL, ["We propose the NPNet model."])
    assert missing == []
    assert "<mark>We propose the NPNet model.</mark> It learns golden noise." in html
    assert_inert(html)


def test_quote_found_despite_spacing_and_overlaps_merge():
    abstract = "First sentence.  Second\nsentence here. Third."
    html, missing = render.highlight(abstract, ["Second sentence here.", "sentence here. Third."])
    assert missing == []
    assert html == "First sentence. <mark>Second sentence here. Third.</mark>"


def test_quote_not_in_abstract_is_reported():
    html, missing = render.highlight("Some abstract.", ["Not there."])
    assert "<mark>" not in html and missing == ["Not there."]


def test_source_entry_shows_title_date_authors_links_and_mark():
    entry = render.SourceEntry(2, result(), ["We propose the NPNet model."])
    html = render.source_html(entry)
    assert 'id="src-2"' in html and "A &lt;b&gt;title&lt;/b&gt;" in html
    assert "2024-05-01 · 3 authors" in html
    assert 'href="https://github.com/x/y"' in html and 'rel="noopener noreferrer"' in html
    assert "<mark>We propose the NPNet model.</mark>" in html
    assert_inert(html)


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,x", "/relative", 'https://x.org/"onmouseover="x'],
)
def test_unsafe_urls_are_not_linked(url):
    assert render.safe_url(url) is None
    assert render.link(url, "Paper") == ""


def test_panel_lists_latest_first_then_earlier_then_empty_state():
    latest = render.SourceEntry(3, result("a", title="Latest"), [], latest=True)
    earlier = render.SourceEntry(1, result("b", title="Earlier"), [], latest=False)
    html = render.sources_panel_html([earlier, latest])
    assert html.index("Latest") < html.index("Cited earlier") < html.index("Earlier</h4>")
    assert "pc-empty" in render.sources_panel_html([])


def test_search_results_and_paper_view_are_escaped():
    hits = render.search_results_html("q", [result(snippet="A <b>title</b>. " + EVIL)])
    assert_inert(hits)
    assert "pc-hit" in hits
    assert "No papers found" in render.search_results_html("<q>", [])
    assert_inert(render.paper_html(result()))


def test_chat_session_keeps_numbers_and_history():
    session = ChatSession()
    session.record("what is NPNet?", answer(), lambda _id: None)
    assert [t.role for t in session.turns] == ["user", "assistant"]
    assert session.turns[1].citations and session.turns[1].citations[0].n == 1
    follow = answer(
        answer="More [2].",
        citations=[Citation(n=2, id="p2", title="Other", quote="It learns golden noise.")],
        sources=[result("p2", title="Other")],
    )
    session.record("and?", follow, lambda _id: None)
    assert sorted(session.sources) == [1, 2]
    assert not session.sources[1].latest and session.sources[2].latest
    assert session.cited_ids == ["p1", "p2"]
    panel = session.panel_html()
    assert 'id="src-1"' in panel and 'id="src-2"' in panel


def test_citation_from_an_earlier_turn_is_looked_up():
    kept = answer(sources=[])  # [1] cited again, but not retrieved this time
    session = ChatSession()
    session.record("q", kept, lambda pid: result(pid, title="Looked up"))
    assert session.sources[1].result.title == "Looked up"


def test_abstention_shows_nearest_papers_in_the_panel():
    session = ChatSession()
    session.record(
        "sourdough?", answer(abstained=True, citations=[], sources=[result("n")]), lambda _: None
    )
    panel = session.panel_html()
    assert "Nearest papers" in panel and 'id="src-near-1"' in panel


def test_abstention_links_the_nearest_papers_it_lists_without_repeating_them():
    html = render.result_html(
        answer(
            answer="The corpus has no paper on this question. The nearest papers are:\n"
            "- Near one\n- Near two",
            abstained=True,
            citations=[],
            sources=[result("n1", title="Near one"), result("n2", title="Near two")],
        )
    )
    assert html.count("Near one") == 1 and html.count("Near two") == 1
    assert '<a class="pc-cite" href="#src-near-2">Near two</a>' in html
    assert "pc-nearest" not in html
