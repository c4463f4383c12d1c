"""What one browser tab's conversation remembers between questions.

Kept in a `gr.State`, so each visitor has their own. The history goes back to the
assistant as `Turn`s that carry each answer's citations, which keeps [n] numbers stable
across the conversation (see answer/conversation.py); because they are stable, the
sources panel can keep every paper cited so far under its number, and a [2] clicked in
an old answer still finds its paper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paperchat.answer.models import Answer, Citation, Summary, Turn
from paperchat.retrieve.results import SearchResult
from paperchat.ui.render import SourceEntry, sources_panel_html

Lookup = Callable[[str], SearchResult | None]


def cited_entries(result: Answer | Summary, lookup: Lookup) -> list[SourceEntry]:
    """A panel entry per citation number, with every sentence quoted from that paper.

    The paper record comes from the answer's own sources; `lookup` (the corpus by id)
    covers a citation kept from an earlier turn that was not retrieved this time.
    """
    by_id = {s.id: s for s in result.sources}
    entries: dict[int, SourceEntry] = {}
    for citation in result.citations:
        entry = entries.get(citation.n)
        if entry is None:
            record = by_id.get(citation.id) or lookup(citation.id)
            if record is None:
                continue
            entry = entries[citation.n] = SourceEntry(citation.n, record, [])
        for quote in _quotes(citation):
            if quote not in entry.quotes:
                entry.quotes.append(quote)
    return list(entries.values())


def _quotes(citation: Citation) -> list[str]:
    return citation.quotes or [citation.quote]


@dataclass
class ChatSession:
    turns: list[Turn] = field(default_factory=list)
    sources: dict[int, SourceEntry] = field(default_factory=dict)
    nearest: list[SearchResult] = field(default_factory=list)
    last_mode: str | None = None
    messages: list[dict[str, str]] = field(default_factory=list)  # as the Chatbot shows them
    exchanges: list[tuple[str, Answer]] = field(default_factory=list)  # for the export

    def record(self, question: str, answer: Answer, lookup: Lookup) -> None:
        """Add a finished exchange: history for the next question, papers for the panel."""
        self.exchanges.append((question, answer))
        self.turns.append(Turn(role="user", content=question))
        self.turns.append(
            Turn(role="assistant", content=answer.answer, citations=answer.citations or None)
        )
        for entry in self.sources.values():
            entry.latest = False
        for entry in cited_entries(answer, lookup):
            self.sources[entry.n] = entry
        self.nearest = list(answer.sources) if answer.abstained else []
        self.last_mode = answer.mode

    def panel_html(self, prefix: str = "src") -> str:
        return sources_panel_html(self.sources.values(), self.nearest, prefix)

    @property
    def cited_ids(self) -> list[str]:
        """Every paper cited in the conversation, by citation number."""
        return [self.sources[n].result.id for n in sorted(self.sources)]
