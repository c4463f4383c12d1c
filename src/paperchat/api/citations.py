"""An answer as OpenAI clients read it: text with a source list, and `url_citation`s.

The reply's text is the answer with its [n] markers followed by the numbered source list
(`with_sources`, with paper ids, so a plain client that sends the text back keeps the
conversation's subject). Beside it, one OpenAI `url_citation` annotation per cited
paper, in [n] order, pointing at the first [n] marker in the text; the url is the paper's
arXiv/DOI page when the corpus knows it, else this server's `/api/papers/{id}`.

Corpus text is data: titles and abstracts never become links or markup here. The text is
made Markdown-inert (`answer/safe_text.py`) where Markdown would turn it into a link, an
image or HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from paperchat.answer.conversation import with_sources
from paperchat.answer.models import Answer, Citation
from paperchat.answer.safe_text import inert_markdown

_SAFE_URL = re.compile(r"https?://[^\s<>\"'`]+$", re.I)

Detail = Literal["cited", "full"]


@dataclass(frozen=True)
class Cited:
    """One cited paper as an annotation: [n], title, url and where its marker is."""

    n: int
    id: str
    title: str
    url: str
    quote: str
    start: int
    end: int


def paper_url(url: str | None, paper_id: str, base_url: str) -> str:
    """The paper's own http(s) URL, else this server's JSON page for it."""
    if url and _SAFE_URL.match(url.strip()):
        return url.strip()
    return f"{base_url.rstrip('/')}/api/papers/{quote(paper_id, safe='/:')}"


def render_text(answer: Answer) -> str:
    """The reply text: the answer, then the numbered source list with paper ids."""
    return inert_markdown(with_sources(answer))


def source_list(answer: Answer) -> str:
    """What `with_sources` adds after the answer text (empty without citations)."""
    return inert_markdown(with_sources(answer)[len(answer.answer) :])


def _unique(citations: Iterable[Citation]) -> list[Citation]:
    seen: dict[int, Citation] = {}
    for citation in citations:
        seen.setdefault(citation.n, citation)
    return [seen[n] for n in sorted(seen)]


def cited(answer: Answer, text: str, base_url: str) -> list[Cited]:
    """The cited papers in [n] order, each located at its first marker in `text`."""
    urls = {s.id: s.url for s in answer.sources}
    out = []
    for c in _unique(answer.citations):
        marker = f"[{c.n}]"
        start = text.find(marker)
        if start < 0:
            continue  # never shown: nothing to annotate
        out.append(
            Cited(
                n=c.n,
                id=c.id,
                title=c.title or c.id,
                url=paper_url(urls.get(c.id), c.id, base_url),
                quote=c.quote,
                start=start,
                end=start + len(marker),
            )
        )
    return out


def chat_annotations(items: list[Cited]) -> list[dict]:
    """Chat Completions' form: {"type": "url_citation", "url_citation": {...}}."""
    return [
        {
            "type": "url_citation",
            "url_citation": {
                "start_index": c.start,
                "end_index": c.end,
                "title": c.title,
                "url": c.url,
            },
        }
        for c in items
    ]


def response_annotations(items: list[Cited]) -> list[dict]:
    """The Responses API's form: the same fields, flat."""
    return [
        {
            "type": "url_citation",
            "start_index": c.start,
            "end_index": c.end,
            "title": c.title,
            "url": c.url,
        }
        for c in items
    ]


def open_webui_source(c: Cited) -> dict:
    """Open WebUI's `source` event for one cited paper: a chip named by the paper's title
    that opens to the quoted sentence.

    Open WebUI 0.12 groups sources by `metadata.source` and names a chip whose id is a URL
    by that URL, unless the metadata is marked `external` (as its own external-knowledge
    results are); its main branch keeps the name when `source_url` is set instead. It
    also turns each `url_citation` into a source of its own with the same id, which joins
    this chip: this event comes first so that the chip takes its name and quote from it.
    """
    meta = {
        "source": c.url,
        "name": c.title,
        "url": c.url,
        "source_url": c.url,
        "external": True,
        "paper_id": c.id,
    }
    return {
        "type": "source",
        "data": {
            "source": {"id": c.url, "name": c.title, "url": c.url},
            "document": [c.quote],
            "metadata": [meta],
        },
    }


def paperchat_field(answer: Answer, detail: Detail, base_url: str) -> dict:
    """The `paperchat` field: the answer object, by default with the cited sources only.

    `full` keeps every retrieved source (with its whole abstract). Without citations (an
    abstention) the nearest papers it names are kept.
    """
    data = answer.model_dump(mode="json")
    if detail == "cited":
        ids = {c.id for c in answer.citations}
        kept = [s for s in data["sources"] if s["id"] in ids] if ids else data["sources"][:3]
        data["sources"] = kept
    urls = {s.id: s.url for s in answer.sources}
    for citation in data["citations"]:
        citation["url"] = paper_url(urls.get(citation["id"]), citation["id"], base_url)
    return data
