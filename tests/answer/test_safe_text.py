"""Corpus text placed in Markdown answers renders as text, never as markup (issue 17,
item 1). Checked with a real CommonMark renderer with raw HTML on, as permissive as the
chat clients that show paperchat's answers."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from paperchat.answer.conversation import read_history, with_sources
from paperchat.answer.models import Answer, Citation, Turn
from paperchat.answer.safe_text import (
    inert_markdown,
    markdown_link,
    markdown_text,
    safe_url,
    shown_text,
)
from paperchat.corpus.paper import Paper

RENDER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")

# The poisoned BibTeX entry of the issue, as its fields arrive after parsing.
POISONED_TITLE = "Zebrafish [1](javascript:alert(2)) fin regeneration"
POISONED_ABSTRACT = (
    "We study zebrafish fin regeneration. ![tracker](http://127.0.0.1:8765/x.png) "
    "[click me](javascript:alert(1)) <img src=x onerror=alert(3)> "
    "<script>alert(4)</script> **bold** _it_ `code` ~~gone~~ | a | b | "
    "&lt;b&gt; <http://127.0.0.1:8765/auto> http://127.0.0.1:8765/bare www.example.org "
    "$x^2$ # not a heading"
)


def _tags(rendered: str) -> set[str]:
    return {m.group(2).lower() for m in TAG.finditer(rendered)}


def _visible(rendered: str) -> str:
    return html.unescape(TAG.sub("", rendered)).strip()


def _inline(text: str) -> str:
    """`text` in the places paperchat puts corpus text: bold, a bullet, after a number."""
    return RENDER.render(f"- **{markdown_text(text)}** [1]\n\n{markdown_text(text)}")


@pytest.mark.parametrize("text", [POISONED_TITLE, POISONED_ABSTRACT])
def test_poisoned_corpus_text_renders_as_its_own_characters(text):
    rendered = RENDER.render(markdown_text(text))
    assert _tags(rendered) == {"p"}, rendered
    assert _visible(rendered) == text
    assert _tags(_inline(text)) == {"ul", "li", "strong", "p"}


def test_no_bare_url_is_left_for_autolinking():
    escaped = markdown_text(POISONED_ABSTRACT)
    assert "http://" not in escaped and "www." not in escaped
    assert "http\\://127.0.0.1:8765/bare" in escaped


def test_a_fake_citation_marker_is_no_marker():
    escaped = markdown_text(POISONED_TITLE)
    assert not re.search(r"\[\d+\]", escaped)  # what a citation scanner looks for
    assert "[1](javascript" in _visible(RENDER.render(escaped))  # shown as text


def test_line_breaks_and_invisible_marks_cannot_start_blocks():
    text = "Title\n\n# Heading\n---\n> quote\u202e\u200b"
    rendered = RENDER.render("Before " + markdown_text(text))
    assert _tags(rendered) == {"p"}
    assert "\u202e" not in rendered and "\u200b" not in rendered


@given(
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cc",)),
        max_size=80,
    )
)
def test_any_text_renders_as_exactly_its_characters(text):
    rendered = RENDER.render(f"x {markdown_text(text)} x")
    assert _tags(rendered) == {"p"}, (text, rendered)
    assert _visible(rendered) == f"x {text} x".strip()


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from("\\<>[]()!:*_`#|~$&/ \n"),
            st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cc",)),
        ),
        max_size=60,
    )
)
def test_a_reply_made_inert_keeps_escaped_corpus_text_as_it_is(text):
    # Replies carry corpus text that `markdown_text` escaped; `inert_markdown` must not
    # escape it twice (`\\<` would be an escaped backslash before live HTML).
    escaped = markdown_text(text)
    reply = f"**Zebrafish** regrow fins [1].\n\n- {escaped} [2]\n"
    assert inert_markdown(reply) == reply
    assert inert_markdown(inert_markdown(text)) == inert_markdown(text)


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://arxiv.org/abs/2401.00001", True),
        ("http://example.org/a?b=c#d", True),
        ("javascript:alert(1)", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("https://x.org/a) ![i](http://t/x.png", False),
        ("https://x.org/<script>", False),
        ("/relative/path", False),
        ("https://", False),
        (None, False),
    ],
)
def test_safe_url_keeps_only_plain_http_addresses(url, safe):
    assert (safe_url(url) is not None) == safe


def test_markdown_link_links_only_a_safe_url():
    link = RENDER.render(markdown_link(POISONED_TITLE, "https://arxiv.org/abs/2401.00001"))
    assert _tags(link) == {"p", "a"} and 'href="https://arxiv.org/abs/2401.00001"' in link
    assert _visible(link) == POISONED_TITLE
    plain = RENDER.render(markdown_link(POISONED_TITLE, "javascript:alert(1)"))
    assert _tags(plain) == {"p"}


def test_source_list_escapes_titles_and_is_still_read_back():
    paper = Paper(id="hash:abc", title=POISONED_TITLE, abstract="We study zebrafish.")
    answer = Answer(
        question="q",
        answer="Zebrafish regrow fins [1].",
        abstained=False,
        mode="extractive",
        citations=[Citation(n=1, id=paper.id, title=paper.title, quote="We study zebrafish.")],
        sources=[],
    )
    text = with_sources(answer)
    assert _tags(RENDER.render(text)) == {"p"}
    assert POISONED_TITLE in _visible(RENDER.render(text))
    history = [Turn(role="user", content="q"), Turn(role="assistant", content=text)]
    assert read_history(history, {paper.id: paper}).numbers == {paper.id: 1}


def test_no_math_delimiters_for_katex_clients_and_the_ui_shows_the_text_back():
    # Open WebUI's KaTeX reads \( \) and \[ \] as math: corpus text must never carry them
    text = "Marginalization models (MaMs) [12] reach 0.5 (see [1](javascript:x))."
    escaped = markdown_text(text)
    assert "\\(" not in escaped and "\\[" not in escaped and "\\]" not in escaped
    assert "[" not in escaped and "]" not in escaped  # no link, image or [n] marker
    assert shown_text(escaped) == text
