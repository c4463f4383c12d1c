"""Text handling for scoring: sentences, words, numbers, and an answer's cited statements.

Deliberately separate from `paperchat.answer`: the ruler should not be made of the thing
it measures, so a change to the answerer's sentence splitter cannot move the scores.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[A-Z0-9(\[\"'“])")
_CITATION = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_BOLD_LABEL = re.compile(r"^\*\*[^*]+\*\*\s*:?\s*")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|et al|vs|cf|Fig|Eq|approx)\.$", re.I)

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few
for from further had has have having he her here hers him his how i if in into is it its
itself just me more most my no nor not of off on once only or other our ours out over own
same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom
why will with would you your yours paper papers work method methods approach model models
propose proposed show shows use used using new based via"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def split_sentences(text: str) -> list[str]:
    """Sentences of running text; a period after "e.g." or "et al." does not end one."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].strip()
        if _ABBREVIATIONS.search(candidate):
            continue
        if candidate:
            pieces.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def normalize(text: str) -> str:
    """Case-folded, citation markers dropped, whitespace collapsed: for string matching."""
    return " ".join(_CITATION.sub("", text).casefold().split())


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> set[str]:
    """Stemmed words that carry meaning: no stopwords, no one- or two-letter tokens."""
    return {
        _stem(w)
        for w in _WORD.findall(normalize(text))
        if w not in STOPWORDS and len(w) > 2 and not w.isdigit()
    }


def numbers(text: str) -> set[str]:
    """The numbers a text states, thousands separators removed ("20,000" -> "20000")."""
    found = set()
    for raw in _NUMBER.findall(_CITATION.sub("", text)):
        value = re.sub(r",(?=\d{3}\b)", "", raw)
        found.add(value.rstrip(".,"))
    return found


@dataclass(frozen=True)
class Statement:
    """One sentence of an answer and the paper ids its [n] markers point to."""

    text: str
    cited: tuple[str, ...]


def statements(answer_text: str, citation_ids: Mapping[int, str]) -> list[Statement]:
    """The claims of an answer, each with its citations.

    A line that ends with a colon and cites nothing ("3 papers address this:") frames the
    answer and is not a claim; a bold label before a colon ("**Title**: ...") is dropped
    from the claim it introduces. Every other sentence counts, cited or not, as in ALCE.
    An [n] that names no citation of the answer stays in the sentence's list as "[n]",
    so it can never support anything.
    """
    result: list[Statement] = []
    for line in answer_text.splitlines():
        line = _BOLD_LABEL.sub("", _LIST_MARK.sub("", line)).strip()
        if not line or (line.endswith(":") and not _CITATION.search(line)):
            continue
        for sentence in split_sentences(line):
            cited: list[str] = []
            for group in _CITATION.findall(sentence):
                for part in re.split(r"[,;]", group):
                    n = int(part)
                    paper = citation_ids.get(n, f"[{n}]")
                    if paper not in cited:
                        cited.append(paper)
            text = _CITATION.sub("", sentence).strip()
            if re.search(r"[A-Za-z0-9]", text):
                result.append(Statement(text, tuple(cited)))
    return result
