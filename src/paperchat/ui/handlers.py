"""The UI's event handlers: call the services, turn their objects into HTML.

No retrieval, prompting or answering happens here: `services.assistant` answers and
summarizes (and, through research/table.py, builds evidence tables), `services.searcher`
searches, exactly as behind the HTTP API. A handler only
renders the returned objects (ui/render.py) and keeps the per-tab ChatSession.

Errors the user can act on (`PaperchatError`: an empty question, no LLM configured, a
provider down) become an inline message and a toast with the error's own text; anything
else is logged with its traceback on the server and shown as a short apology, never as a
stack trace in the page.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from paperchat.answer.models import Answer
from paperchat.answer.provenance import Request, recorded_stream
from paperchat.api.services import Services
from paperchat.corpus_map.models import CorpusMap
from paperchat.errors import PaperchatError
from paperchat.index.catalog import first_by_title
from paperchat.retrieve.results import SearchResult
from paperchat.ui import render
from paperchat.ui.corpus_map import corpus_map_html
from paperchat.ui.session import ChatSession, cited_entries

log = logging.getLogger(__name__)

ANY_YEAR = "any"
PICKER_PAPERS = 10_000  # papers the picker lists before a search: past that, no list to pick from
UNEXPECTED = "something went wrong on the server (it is logged); please try again"


def parse_since(since: str | int | None) -> int | None:
    if since in (None, "", ANY_YEAR, 0):
        return None
    return int(since)


def parse_k(k: float | int | None) -> int | None:
    return int(k) if k else None


class Handlers:
    def __init__(self, services: Services):
        self.services = services
        self._map_html: tuple[CorpusMap, str] | None = None  # the map last drawn, as HTML

    # -- helpers -----------------------------------------------------------------------

    def lookup(self, paper_id: str) -> SearchResult | None:
        paper = self.services.searcher.papers.get(paper_id)
        return SearchResult.from_paper(paper, 0.0) if paper else None

    def bibtex(self, paper_ids: list[str]) -> str:
        from paperchat.answer.bibtex import bibtex_entries

        papers = [p for i in paper_ids if (p := self.services.searcher.papers.get(i))]
        return bibtex_entries(papers) if papers else ""

    @staticmethod
    def _problem(exc: Exception) -> str:
        if isinstance(exc, PaperchatError):
            message = str(exc)
        else:
            log.exception("UI handler failed")
            message = UNEXPECTED
        gr.Warning(message)
        return message

    # -- chat --------------------------------------------------------------------------

    def chat(
        self,
        message: str,
        session: ChatSession | None,
        k: float,
        since: str,
        mode: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer: (chatbot, session, sources panel, bibtex, mode, textbox)."""
        session = session or ChatSession()
        question = (message or "").strip()
        skip = gr.skip()
        if not question:
            gr.Warning("Type a question first.")
            yield skip, session, skip, skip, skip, skip
            return
        shown = [*session.messages, _msg("user", render.question_html(question))]
        yield [*shown, _msg("assistant", render.streaming_html(""))], session, skip, skip, skip, ""

        text = ""
        answer: Answer | None = None
        try:
            request = Request(
                question=question,
                history=list(session.turns),
                mode=mode or "auto",  # type: ignore[arg-type]
                k=parse_k(k),
                since=parse_since(since),
            )
            # the bundle is kept (GET /api/answers/{id}/bundle) before the answer arrives
            events = recorded_stream(self.services.assistant, request, self.services.bundles.put)
            for event in events:
                if isinstance(event, Answer):
                    answer = event
                    break
                text += str(event)
                streamed = [*shown, _msg("assistant", render.streaming_html(text))]
                yield streamed, session, skip, skip, skip, skip
            if answer is None:
                raise RuntimeError("the answer stream ended without an answer")
        except Exception as exc:  # the surface turns every failure into a message
            problem = render.error_html(self._problem(exc))
            yield [*shown, _msg("assistant", problem)], session, skip, skip, skip, question
            return

        session.record(question, answer, self.lookup)
        session.messages = [*shown, _msg("assistant", render.result_html(answer))]
        yield (
            session.messages,
            session,
            session.panel_html(),
            self.bibtex(session.cited_ids),
            mode_status(answer.mode, answer.abstained),
            skip,
        )

    def export(self, session: ChatSession | None) -> tuple[Any, Any]:
        """The conversation as files to download: (Markdown, BibTeX of the cited papers);
        hidden buttons while there is nothing to export."""
        from paperchat.answer.transcript import conversation_markdown

        if session is None or not session.exchanges:
            return gr.DownloadButton(visible=False), gr.DownloadButton(visible=False)
        folder = Path(tempfile.mkdtemp(prefix="paperchat-export-"))
        references = {n: entry.result for n, entry in session.sources.items()}
        markdown = folder / "paperchat-conversation.md"
        markdown.write_text(conversation_markdown(session.exchanges, references), "utf-8")
        bib = folder / "paperchat-references.bib"
        bib.write_text(self.bibtex(session.cited_ids), "utf-8")
        return (
            gr.DownloadButton(value=str(markdown), visible=True),
            gr.DownloadButton(value=str(bib), visible=bool(session.cited_ids)),
        )

    @staticmethod
    def clear() -> tuple[Any, ...]:
        session = ChatSession()
        return [], session, session.panel_html(), "", mode_status(None), ""

    # -- summaries ---------------------------------------------------------------------

    def summarize(self, topic: str, k: float) -> tuple[Any, ...]:
        """(summary html, sources panel, bibtex) for a topic."""
        topic = (topic or "").strip()
        if not topic:
            gr.Warning("Type a topic first.")
            return gr.skip(), gr.skip(), gr.skip()
        try:
            summary = self.services.assistant.summarize(topic, k=parse_k(k))
        except Exception as exc:
            return render.error_html(self._problem(exc)), gr.skip(), gr.skip()
        entries = cited_entries(summary, self.lookup)
        nearest = summary.sources if summary.abstained else None
        panel = render.sources_panel_html(
            entries, nearest, prefix="sum", latest_heading="Cited in the summary"
        )
        return (
            render.result_html(summary, prefix="sum"),
            panel,
            self.bibtex([e.result.id for e in sorted(entries, key=lambda e: e.n)]),
        )

    # -- compare -----------------------------------------------------------------------

    def compare(self, topic: str, k: float, mode: str) -> tuple[Any, ...]:
        """(table html, papers panel, csv) for a topic's evidence table."""
        from paperchat.research.export import table_csv
        from paperchat.research.table import evidence_table
        from paperchat.ui import compare

        topic = (topic or "").strip()
        if not topic:
            gr.Warning("Type a topic first.")
            return gr.skip(), gr.skip(), gr.skip()
        try:
            table = evidence_table(
                self.services.assistant, topic, k=parse_k(k), mode=mode or "auto"
            )
        except Exception as exc:
            return render.error_html(self._problem(exc)), gr.skip(), gr.skip()
        csv = "" if table.abstained else table_csv(table)
        return compare.table_html(table), compare.table_panel_html(table), csv

    # -- browse ------------------------------------------------------------------------

    def search(self, query: str, k: float, since: str) -> tuple[Any, ...]:
        """(results html, paper picker, paper html, bibtex) for a search."""
        query = (query or "").strip()
        if not query:
            gr.Warning("Type some words to search for.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            hits = self.services.searcher.search(query, parse_k(k) or 10, since=parse_since(since))
        except Exception as exc:
            return render.error_html(self._problem(exc)), gr.skip(), gr.skip(), gr.skip()
        results = [SearchResult.from_hit(h) for h in hits]
        choices = [(_choice_label(r.title, r.published), r.id) for r in results]
        first = results[0].id if results else None
        paper, bib = self.open_paper(first) if first else ("", "")
        picker = gr.Dropdown(choices=choices or None, value=first)
        return render.search_results_html(query, results), picker, paper, bib

    def open_paper(self, paper_id: str | None) -> tuple[str, str]:
        """(paper html, bibtex) for one paper of the corpus."""
        paper = self.services.searcher.papers.get(paper_id or "")
        if paper is None:
            return render.error_html(f"no paper with id {paper_id!r} in the corpus"), ""
        return render.paper_html(paper), self.bibtex([paper.id])

    def open_result(self, event: gr.SelectData) -> tuple[Any, str, str]:
        """A clicked search result: (paper picker, paper html, bibtex)."""
        paper, bib = self.open_paper(event.value)
        return gr.Dropdown(value=event.value), paper, bib

    def corpus_map(self) -> str:
        """The Browse tab's map of the corpus (rendered once per index version)."""
        corpus = self.services.corpus_map()
        if self._map_html is None or self._map_html[0] is not corpus:
            self._map_html = (corpus, corpus_map_html(corpus))
        return self._map_html[1]

    def all_papers(self) -> list[tuple[str, str]]:
        """The paper picker's first choices: every paper by title, up to PICKER_PAPERS (a
        larger corpus is browsed by searching, which sets the picker to its results)."""
        papers = first_by_title(self.services.searcher.papers, PICKER_PAPERS)
        return [(_choice_label(p.display_title, p.published), p.id) for p in papers]


def _msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def _choice_label(title: str | None, published: str | None) -> str:
    title = title or "Untitled paper"
    title = title if len(title) <= 90 else title[:89] + "…"
    return f"{title} ({published[:4]})" if published else title


def mode_status(mode: str | None, abstained: bool = False) -> str:
    """The line under the controls that says which mode answered last."""
    if mode is None:
        return "Answered by: *no answer yet*"
    label, meaning = render.MODE_LABELS.get(mode, (mode, ""))
    outcome = " (abstained: nothing in the corpus answers it)" if abstained else ""
    return f"Answered by: **{label}** — {meaning}{outcome}"
