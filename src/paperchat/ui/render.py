"""Answers, summaries and papers as HTML for the chat UI: pure functions, no gradio.

Safety: every string that comes from the corpus (titles, abstracts, authors, quotes) or
from an answerer (whose text copies abstracts) is escaped before any markup is added, and
the only markup is what these functions write. Besides `< > & " '`, the characters that
mean something to Markdown (`[ ] ! * _ ` $ ~ |`) become character references too, because
gradio's Chatbot runs messages through a Markdown renderer: an abstract carrying
`<script>`, `<img src=...>` or `![x](https://...)` shows as text and loads nothing.
Links are written only for http(s) URLs. Output never contains a newline, so Markdown
treats each rendered message as one raw HTML block.

Citation numbers link to the sources panel: `[n]` becomes `<a href="#src-n">`; the
panel entry carries `id="src-n"`. The prefix is a parameter so two panels (chat,
summaries) can live on one page without clashing ids.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from paperchat.answer.coverage import Coverage
from paperchat.answer.models import Answer, Summary
from paperchat.answer.safe_text import shown_text
from paperchat.corpus.paper import Paper
from paperchat.retrieve.results import SearchResult

_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    | {c: f"&#{ord(c)};" for c in "[]!*_`$~|\\"}
)
_CITE = re.compile(r"(?<!\\)\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_BOLD = re.compile(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*)$")
_SPACE = re.compile(r"\s+")

MODE_LABELS = {
    "extractive": ("Extractive", "sentences quoted from the cited abstracts"),
    "llm": ("LLM", "written by the language model, each citation checked against its abstract"),
}


@dataclass
class SourceEntry:
    """One paper in a sources panel: its number, its record and the sentences quoted."""

    n: int
    result: SearchResult
    quotes: list[str] = field(default_factory=list)
    latest: bool = True


def esc(text: str | None) -> str:
    """Text as inert HTML: escaped, Markdown-neutral, whitespace collapsed to one line."""
    if not text:
        return ""
    return _SPACE.sub(" ", text).translate(_ESCAPES)


def safe_url(url: str | None) -> str | None:
    """The URL if it is plain http(s), else None: no javascript:, data: or relative links."""
    if not url:
        return None
    url = url.strip()
    if not re.match(r"https?://[^\s<>\"']+$", url, re.I):
        return None
    return url


def link(url: str | None, label: str, cls: str = "pc-link") -> str:
    safe = safe_url(url)
    if safe is None:
        return ""
    href = html.escape(safe, quote=True)
    return f'<a class="{cls}" href="{href}" target="_blank" rel="noopener noreferrer">{label}</a>'


def _cite_link(n: int, titles: Mapping[int, str | None], prefix: str) -> str:
    if n not in titles:  # a number with no citation behind it stays plain text
        return f"&#91;{n}&#93;"
    title = esc(titles[n] or "untitled paper")
    return f'<a class="pc-cite" href="#{prefix}-{n}" title="{title}">&#91;{n}&#93;</a>'


def inline_html(text: str, titles: Mapping[int, str | None], prefix: str = "src") -> str:
    """One line of answer text: escaped, with **bold** and [n] / [n, m] citation links."""
    out: list[str] = []
    pos = 0
    for match in _BOLD.finditer(text):
        out.append(_cites(text[pos : match.start()], titles, prefix))
        out.append(f"<strong>{_cites(match.group(1), titles, prefix)}</strong>")
        pos = match.end()
    out.append(_cites(text[pos:], titles, prefix))
    return "".join(out)


def _plain(text: str) -> str:
    return esc(shown_text(text))


def _cites(text: str, titles: Mapping[int, str | None], prefix: str) -> str:
    out: list[str] = []
    pos = 0
    for match in _CITE.finditer(text):
        out.append(_plain(text[pos : match.start()]))
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        out.append("".join(_cite_link(n, titles, prefix) for n in numbers))
        pos = match.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def text_html(
    text: str,
    titles: Mapping[int, str | None],
    prefix: str = "src",
    item_links: Mapping[str, str] | None = None,
) -> str:
    """Answer text (a little Markdown: paragraphs, bullets, headings, bold) as safe HTML.

    `item_links` maps a bullet's exact text (a paper title) to a panel anchor: an
    abstention lists the nearest papers by title, and each becomes a link to its entry.
    """
    item_links = item_links or {}
    blocks: list[str] = []
    items: list[str] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{inline_html(' '.join(para), titles, prefix)}</p>")
            para.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if not line.strip():
            flush()
        elif bullet := _BULLET.match(line):
            if para:
                flush()
            item = bullet.group(1).strip()
            plain = shown_text(item)
            if plain in item_links:
                items.append(f'<a class="pc-cite" href="#{item_links[plain]}">{esc(plain)}</a>')
            else:
                items.append(inline_html(item, titles, prefix))
        elif heading := _HEADING.match(line):
            flush()
            blocks.append(f'<p class="pc-h">{inline_html(heading.group(1), titles, prefix)}</p>')
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return "".join(blocks)


def mode_badge(mode: str) -> str:
    label, meaning = MODE_LABELS.get(mode, (mode, ""))
    return f'<span class="pc-mode pc-mode-{esc(mode)}" title="{esc(meaning)}">{esc(label)}</span>'


VERDICT_LABELS = {
    "answered": ("Answered from the corpus", "Every sentence is quoted from a cited abstract."),
    "detail_missing": (
        "Paper found, detail not in its abstract",
        "The corpus has the paper you mean; its abstract does not state what you asked.",
    ),
    "not_in_corpus": (
        "Not answered from the corpus: not in any abstract",
        "The question names something no abstract in the corpus mentions.",
    ),
    "no_relevant_paper": (
        "Not answered from the corpus: no relevant paper",
        "Nothing in the corpus bears on the question.",
    ),
}


def verdict_badge(verdict: str) -> str:
    label, meaning = VERDICT_LABELS.get(verdict, (verdict, ""))
    return (
        f'<span class="pc-flag pc-verdict pc-verdict-{esc(verdict)}" title="{esc(meaning)}">'
        f"{esc(label)}</span>"
    )


def _titles(result: Answer | Summary) -> dict[int, str | None]:
    return {c.n: c.title for c in result.citations}


def _near_anchors(sources: list[SearchResult], prefix: str) -> dict[str, str]:
    """Title (or id, for an untitled paper) → panel anchor of each nearest paper."""
    return {(s.title or s.id): f"{prefix}-near-{i}" for i, s in enumerate(sources, start=1)}


def _nearest_html(sources: list[SearchResult], prefix: str, text: str) -> str:
    """Nearest papers the abstention text does not already list, as links to the panel."""
    listed = {shown_text(m.group(1).strip()) for m in map(_BULLET.match, text.splitlines()) if m}
    missing = [(i, s) for i, s in enumerate(sources, start=1) if (s.title or s.id) not in listed]
    if not missing:
        return ""
    items = "".join(
        f'<li><a class="pc-cite" href="#{prefix}-near-{i}">'
        f"{esc(s.title or 'Untitled paper')}</a>"
        + (f'<span class="pc-muted"> · {esc(s.published)}</span>' if s.published else "")
        + "</li>"
        for i, s in missing
    )
    return f'<div class="pc-nearest"><p>Nearest papers in the corpus:</p><ul>{items}</ul></div>'


def _notes(result: Answer | Summary) -> str:
    notes = []
    if result.removed_claims:
        count = len(result.removed_claims)
        notes.append(f"{count} unsupported sentence{'s' * (count != 1)} removed")
    if result.dropped_citations:
        notes.append("citations to papers not retrieved were dropped")
    if not notes:
        return ""
    return f'<p class="pc-notes">{esc("; ".join(notes))}</p>'


def coverage_html(coverage: Coverage | None) -> str:
    """The coverage note, with a year histogram when any paper it counts has a year."""
    if coverage is None:
        return ""
    note = f'<p class="pc-coverage-note">{esc(coverage.note)}</p>'
    if not coverage.years:
        return f'<div class="pc-coverage">{note}</div>'
    from paperchat.ui.coverage import histogram_img

    return f'<div class="pc-coverage">{note}{histogram_img(coverage)}</div>'


def result_html(result: Answer | Summary, prefix: str = "src") -> str:
    """A finished answer or summary: mode badge, text with citation links; an abstention
    is styled apart and lists the nearest papers instead."""
    text = result.answer if isinstance(result, Answer) else result.summary
    head = verdict_badge(result.verdict) + mode_badge(result.mode)
    rewritten = getattr(result, "standalone_question", None)
    if rewritten:
        head += f'<span class="pc-muted pc-rewrite">read as: {esc(rewritten)}</span>'
    if result.abstained:
        near = _near_anchors(result.sources, prefix)
        body = text_html(text, {}, prefix, near) + _nearest_html(result.sources, prefix, text)
    else:
        body = text_html(text, _titles(result), prefix)
    cls = "pc-answer pc-abstained" if result.abstained else "pc-answer"
    if result.verdict == "detail_missing":
        cls += " pc-detail-missing"
    tail = _notes(result) + coverage_html(result.coverage)
    return f'<div class="{cls}"><div class="pc-head">{head}</div>{body}{tail}</div>'


def streaming_html(text: str) -> str:
    """Text still arriving: escaped, citations not linked yet (the panel is not ready)."""
    cursor = '<span class="pc-cursor"></span>'
    return f'<div class="pc-answer pc-streaming">{text_html(text, {})}{cursor}</div>'


def question_html(text: str) -> str:
    return f'<div class="pc-question">{esc(text)}</div>'


def error_html(message: str) -> str:
    return (
        f'<div class="pc-answer pc-error"><strong>Could not answer.</strong> {esc(message)}</div>'
    )


def _find(abstract: str, quote: str) -> tuple[int, int] | None:
    """Where a quote sits in the abstract: exactly, else ignoring differences in spacing."""
    start = abstract.find(quote)
    if start >= 0:
        return start, start + len(quote)
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), abstract)
    return (match.start(), match.end()) if match else None


def highlight(abstract: str, quotes: Iterable[str]) -> tuple[str, list[str]]:
    """The escaped abstract with each quote inside <mark>, and the quotes not found in it."""
    spans: list[tuple[int, int]] = []
    missing: list[str] = []
    for quote in quotes:
        span = _find(abstract, quote.strip()) if quote.strip() else None
        if span is None:
            missing.append(quote)
        else:
            spans.append(span)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out: list[str] = []
    pos = 0
    for start, end in merged:
        out.append(esc(abstract[pos:start]))
        out.append(f"<mark>{esc(abstract[start:end])}</mark>")
        pos = end
    out.append(esc(abstract[pos:]))
    return "".join(out), missing


def _authors(result: SearchResult | Paper) -> str | None:
    count = result.author_count or (len(result.authors) if result.authors else None)
    if not count:
        return None
    first = result.authors[0] if result.authors else None
    label = f"{count} author{'s' * (count != 1)}"
    if first:
        label += f" ({first}{' et al.' if count > 1 else ''})"
    return label


def meta_html(result: SearchResult | Paper) -> str:
    parts = [p for p in (result.published, _authors(result)) if p]
    if not parts:
        return ""
    return f'<div class="pc-meta">{" · ".join(esc(p) for p in parts)}</div>'


def links_html(result: SearchResult | Paper) -> str:
    links = link(result.url, "Paper ↗") + link(result.code_url, "Code ↗")
    return f'<div class="pc-links">{links}</div>' if links else ""


def source_html(entry: SourceEntry, prefix: str = "src") -> str:
    """One cited paper: number, title, date, authors, abstract with the quotes marked."""
    result = entry.result
    abstract, missing = highlight(result.abstract, entry.quotes)
    quoted = "".join(f'<blockquote class="pc-quote">{esc(q)}</blockquote>' for q in missing)
    cls = "pc-src" + ("" if entry.latest else " pc-earlier")
    return (
        f'<article class="{cls}" id="{prefix}-{entry.n}" data-paper-id="{esc(result.id)}">'
        f'<header><span class="pc-n">{entry.n}</span>'
        f'<h4 class="pc-title">{esc(result.title or "Untitled paper")}</h4></header>'
        f'{meta_html(result)}{quoted}<p class="pc-abstract">{abstract}</p>{links_html(result)}'
        "</article>"
    )


def _near_html(result: SearchResult, i: int, prefix: str) -> str:
    return (
        f'<article class="pc-src pc-near" id="{prefix}-near-{i}" data-paper-id="{esc(result.id)}">'
        f'<header><span class="pc-n pc-n-near">{i}</span>'
        f'<h4 class="pc-title">{esc(result.title or "Untitled paper")}</h4></header>'
        f'{meta_html(result)}<p class="pc-abstract">{esc(result.abstract)}</p>'
        f"{links_html(result)}</article>"
    )


def sources_panel_html(
    entries: Iterable[SourceEntry],
    nearest: list[SearchResult] | None = None,
    prefix: str = "src",
    empty: str = "Cited papers appear here, with the quoted sentence marked in each abstract.",
    latest_heading: str = "Cited in the latest answer",
) -> str:
    """The panel beside the chat: papers cited by the latest answer first, then the ones
    cited earlier in the conversation; after an abstention, the nearest papers on top."""
    entries = sorted(entries, key=lambda e: (not e.latest, e.n))
    latest = [e for e in entries if e.latest]
    earlier = [e for e in entries if not e.latest]
    parts = []
    if nearest:
        parts.append('<h3 class="pc-panel-h">Nearest papers (not cited)</h3>')
        parts.extend(_near_html(r, i, prefix) for i, r in enumerate(nearest, start=1))
    if latest:
        parts.append(f'<h3 class="pc-panel-h">{esc(latest_heading)}</h3>')
        parts.extend(source_html(e, prefix) for e in latest)
    if earlier:
        parts.append('<h3 class="pc-panel-h">Cited earlier in this conversation</h3>')
        parts.extend(source_html(e, prefix) for e in earlier)
    if not parts:
        parts.append(f'<p class="pc-empty">{esc(empty)}</p>')
    return f'<div class="pc-panel pc-scroll">{"".join(parts)}</div>'


def search_results_html(query: str, results: list[SearchResult]) -> str:
    if not results:
        return f'<p class="pc-empty">No papers found for “{esc(query)}”.</p>'
    cards = []
    for i, result in enumerate(results, start=1):
        snippet = result.snippet or result.abstract
        if result.title and snippet.startswith(result.title):  # chunks open with the title
            snippet = snippet[len(result.title) :].lstrip(" .:\n")
        if not result.abstract.startswith(snippet[:40]):
            snippet = "… " + snippet
        snippet = snippet if len(snippet) <= 320 else snippet[:320].rsplit(" ", 1)[0] + " …"
        cards.append(
            f'<article class="pc-src pc-hit" data-paper-id="{esc(result.id)}" data-rank="{i}">'
            f'<header><span class="pc-n">{i}</span>'
            f'<h4 class="pc-title">{esc(result.title or "Untitled paper")}</h4></header>'
            f'{meta_html(result)}<p class="pc-abstract">{esc(snippet)}</p>{links_html(result)}'
            "</article>"
        )
    count = f"{len(results)} paper{'s' * (len(results) != 1)}"
    hint = f'<p class="pc-muted pc-hint">{count} · click one to read it in full</p>'
    return f'<div class="pc-panel">{hint}{"".join(cards)}</div>'


def paper_html(paper: Paper | SearchResult) -> str:
    """A whole paper record for reading in the Browse tab."""
    return (
        f'<article class="pc-paper" data-paper-id="{esc(paper.id)}">'
        f'<h3 class="pc-title">{esc(paper.title or "Untitled paper")}</h3>'
        f'{meta_html(paper)}<p class="pc-authors">{esc(", ".join(paper.authors or []))}</p>'
        f'<p class="pc-abstract">{esc(paper.abstract)}</p>{links_html(paper)}'
        f'<p class="pc-muted">id: <code>{esc(paper.id)}</code></p></article>'
    )
