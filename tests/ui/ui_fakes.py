"""A scripted Assistant and a tiny corpus for the UI tests: real implementations of the
interfaces the UI uses, no mocks."""

from __future__ import annotations

from collections.abc import Iterator

from paperchat.answer.models import Answer, Citation, Summary
from paperchat.corpus.paper import Paper
from paperchat.retrieve.results import SearchResult

PAPER = Paper(
    id="p1",
    title="NPNet: golden noise",
    abstract="We propose NPNet. It turns random noise into golden noise. It uses 100k pairs.",
    published="2024-11-01",
    author_count=4,
)


class ScriptedAssistant:
    """The Assistant interface, answering from a script and recording what it was asked."""

    chat_model = None

    def __init__(self, error: Exception | None = None):
        self.error = error
        self.calls: list[dict] = []

    def ask_stream(
        self, question, history=None, mode="auto", k=None, since=None, trace=None
    ) -> Iterator:
        self.calls.append({"question": question, "history": history, "k": k, "since": since})
        if self.error:
            raise self.error
        text = "One paper addresses this:\n\n- **NPNet**: We propose NPNet [1]."
        yield text[:20]
        yield text[20:]
        yield Answer(
            question=question,
            answer=text,
            abstained=False,
            mode="extractive",
            citations=[Citation(n=1, id="p1", title=PAPER.title, quote="We propose NPNet.")],
            sources=[SearchResult.from_paper(PAPER, 0.9)],
        )

    def summarize(self, topic, k=None) -> Summary:
        if self.error:
            raise self.error
        return Summary(
            topic=topic,
            summary="Golden noise helps [1].",
            abstained=False,
            mode="extractive",
            citations=[Citation(n=1, id="p1", title=PAPER.title, quote="It uses 100k pairs.")],
            sources=[SearchResult.from_paper(PAPER, 0.9)],
        )


class Corpus:
    """Just the searcher surface the UI touches: papers by id."""

    def __init__(self):
        self.papers = {PAPER.id: PAPER}
