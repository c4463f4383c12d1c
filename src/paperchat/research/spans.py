"""Abstract sentences with their offsets, and spans cut from them.

Every cell of an evidence table is a verbatim slice of the abstract. Extraction works on
one sentence at a time; a `Sentence` knows where it starts in the abstract, so a match
inside it becomes a `Span` whose offsets index the abstract itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paperchat.research.models import Span
from paperchat.text.roles import Role, sentence_role

_EDGE = " \t\n,;:."
_OPEN, _CLOSE = "([", ")]"


@dataclass(frozen=True)
class Sentence:
    index: int
    text: str
    offset: int  # where the sentence starts in the abstract
    role: Role

    def span(self, start: int, end: int) -> Span | None:
        """The trimmed slice text[start:end] as a Span of the abstract; None when nothing
        is left. Edges lose spaces and punctuation; a bracket the slice does not close is
        dropped with what follows it."""
        start, end = _trim(self.text, start, end)
        if end <= start:
            return None
        return Span(
            text=self.text[start:end],
            sentence=self.index,
            start=self.offset + start,
            end=self.offset + end,
        )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    for _ in range(3):
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE:
            end -= 1
        piece = text[start:end]
        depth, cut = 0, None
        for i, char in enumerate(piece):
            if char in _OPEN:
                depth += 1
                cut = i if depth == 1 else cut
            elif char in _CLOSE:
                depth = max(0, depth - 1)
                cut = None if depth == 0 else cut
        if depth and cut is not None:
            end = start + cut
            continue
        if piece[:1] in _CLOSE:
            start += 1
            continue
        break
    return start, end


def sentences_of(
    abstract: str, sentences: Sequence[str], roles: Sequence[Role] | None = None
) -> list[Sentence]:
    """The abstract's sentences (as the index split them) with their offsets and roles."""
    found: list[Sentence] = []
    position = 0
    for i, text in enumerate(sentences):
        at = abstract.find(text, position)
        if at < 0:  # not in order: the evidence came from another version of the abstract
            at = abstract.find(text)
        if at < 0:
            raise ValueError(f"sentence {i} is not part of the abstract")
        role = roles[i] if roles is not None else sentence_role(text, i)
        found.append(Sentence(i, text, at, role))
        position = at + len(text)
    return found
