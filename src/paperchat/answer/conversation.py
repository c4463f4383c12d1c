"""What earlier turns of a conversation tell the next one: questions, cited papers, numbers.

Citation numbers are stable across a conversation: a paper cited as [2] earlier is [2]
again when it comes back, and papers new to the conversation get numbers after the
highest one used so far. The numbers are recovered from the history in one of two ways:

* structured — a history turn carries the earlier Answer's `citations` (the UI does this);
* plain text — an assistant turn's content ends with the source list that
  `with_sources()` writes (what the CLI prints, what the HTTP API and the
  OpenAI-compatible endpoint return, and so what clients send back):

      Sources:
      [1] PAT: Pruning-Aware Tuning for Large Language Models (hec6720eaae68ce8f)

  Lines are matched by id when present, else by title against the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from paperchat.answer.models import Answer, Citation, Summary, Turn
from paperchat.answer.safe_text import markdown_text
from paperchat.corpus.paper import Paper, normalize_text
from paperchat.index.catalog import title_lookup

SOURCES_HEADER = "Sources:"
_SOURCE_LINE = re.compile(r"^\s*[-*]?\s*\[(\d+)\]\s+(.+?)\s*$")
_TRAILING_ID = re.compile(r"\s*\(([A-Za-z0-9:._/-]+)\)$")


@dataclass(frozen=True)
class CitedPaper:
    n: int
    paper_id: str
    title: str | None


@dataclass
class Conversation:
    """The parts of a history the next answer needs."""

    questions: list[str] = field(default_factory=list)
    last_answer: str = ""
    last_cited: list[CitedPaper] = field(default_factory=list)
    listed: list[CitedPaper] = field(default_factory=list)  # the last answer citing several
    numbers: dict[str, int] = field(default_factory=dict)  # paper id → n, whole conversation
    answers_cited: list[list[CitedPaper]] = field(default_factory=list)  # per answer, in order

    @property
    def is_empty(self) -> bool:
        return not self.questions and not self.numbers

    def in_order_cited(self) -> list[str]:
        """Every paper the conversation cited, in the order it was first cited."""
        return sorted(self.numbers, key=self.numbers.__getitem__)


def with_sources(result: Answer | Summary) -> str:
    """The answer text followed by its numbered source list: how a turn reads as text."""
    text = result.answer if isinstance(result, Answer) else result.summary
    seen: dict[int, Citation] = {}
    for citation in result.citations:
        seen.setdefault(citation.n, citation)
    if not seen:
        return text
    lines = [  # titles are corpus text: escaped, so no client renders them as markup
        f"[{c.n}] {markdown_text(c.title) or '(untitled)'} ({c.id})"
        for c in sorted(seen.values(), key=lambda c: c.n)
    ]
    return f"{text}\n\n{SOURCES_HEADER}\n" + "\n".join(lines)


def _parse_sources(content: str, papers: Mapping[str, Paper]) -> list[CitedPaper]:
    """[n] lines of the source list at the end of an assistant turn."""
    _, sep, tail = content.rpartition(SOURCES_HEADER)
    if not sep:
        return []
    by_title: Callable[[str], str | None] | None = None
    cited: list[CitedPaper] = []
    for line in tail.splitlines():
        match = _SOURCE_LINE.match(line)
        if not match:
            continue
        n, rest = int(match.group(1)), match.group(2)
        paper_id = None
        id_match = _TRAILING_ID.search(rest)
        if id_match and id_match.group(1) in papers:
            paper_id = id_match.group(1)
            rest = rest[: id_match.start()]
        if paper_id is None:
            if by_title is None:  # a catalog looks titles up without reading every paper
                by_title = title_lookup(papers)
            paper_id = by_title(normalize_text(rest))
        if paper_id is not None:
            cited.append(CitedPaper(n, paper_id, papers[paper_id].title))
    return cited


def read_history(history: Sequence[Turn] | None, papers: Mapping[str, Paper]) -> Conversation:
    """Questions asked, the last answer and its cited papers, and every number assigned."""
    conversation = Conversation()
    for turn in history or ():
        if turn.role == "user":
            conversation.questions.append(turn.content)
        elif turn.role == "assistant":
            if turn.citations:
                cited = [
                    CitedPaper(c.n, c.id, c.title)
                    for c in turn.citations
                    if c.id in papers or c.title
                ]
            else:
                cited = _parse_sources(turn.content, papers)
            unique = list({c.n: c for c in cited}.values())
            conversation.last_answer = turn.content
            conversation.last_cited = unique
            conversation.answers_cited.append(unique)
            if len(unique) > 1:
                conversation.listed = unique
            for c in unique:
                conversation.numbers.setdefault(c.paper_id, c.n)
    return conversation


class Numbering:
    """Citation numbers for one answer, continuing a conversation's earlier numbers."""

    def __init__(self, earlier: Mapping[str, int] | None = None):
        self._numbers = dict(earlier or {})
        self._next = max(self._numbers.values(), default=0) + 1

    def __call__(self, paper_id: str) -> int:
        if paper_id not in self._numbers:
            taken = set(self._numbers.values())
            while self._next in taken:
                self._next += 1
            self._numbers[paper_id] = self._next
            self._next += 1
        return self._numbers[paper_id]

    def known(self, paper_id: str) -> int | None:
        return self._numbers.get(paper_id)
