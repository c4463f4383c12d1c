"""Abstracts and answers cut into sentences, each an exact slice of the original text.

Quotes in citations must be verbatim, so the splitter never rewrites text: it only finds
boundaries. A boundary is `.`, `!` or `?` (plus closing quotes or brackets) followed by
whitespace and something that can start a sentence. Periods that end abbreviations
("e.g.", "i.e.", "et al.", "Fig. 2", "vs.", initials) are not boundaries; decimals like
3.5 never are, because no whitespace follows their period.
"""

from __future__ import annotations

import re

from paperchat.text.lexical import wordset

# Words whose trailing period does not end a sentence (compared lower-cased, without dots).
ABBREVIATIONS = wordset(
    """
    eg ie al cf vs etc fig figs eq eqs sec secs tab tabs no nos ref refs resp approx
    appx app ch vol pp dr prof mr ms mrs st jr inc ltd corp co dept est wrt iid viz
    """
)
# Abbreviations after which a capitalised word is still a new sentence ("... etc. We").
_WEAK = frozenset({"etc"})

_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+(?:[\"'“‘(\[\\`]?[A-Z0-9]|<))")
_LAST_WORD = re.compile(r"(?:^|(?<=[\s(\[]))([A-Za-z][A-Za-z.]*)\.$")
_MIN_CHARS = 2
# Bracketed numbers an abstract carries itself ("as shown in [7]", "[3, 9]") refer to its
# own bibliography; quoted in an answer they would read as paperchat's citations [n].
_OWN_CITATION = re.compile(r"\[\s*\d+(?:\s*[-–,;]\s*\d+)*\s*\]")


def has_own_citation(sentence: str) -> bool:
    """Whether quoting this sentence would put a citation number into an answer that the
    answer's source list does not back: such sentences are never quoted."""
    return bool(_OWN_CITATION.search(sentence))


def _ends_with_abbreviation(text: str, next_char: str) -> bool:
    match = _LAST_WORD.search(text)
    if not match:
        return False
    word = match.group(1)
    key = word.replace(".", "").lower()
    if key in _WEAK:
        return False
    if key in ABBREVIATIONS:
        return True
    # "e.g", "i.e", "U.S" style dotted forms, and single initials like "J. Smith".
    if "." in word and all(len(part) <= 2 for part in word.split(".") if part):
        return True
    return len(word) == 1 and word.isupper() and next_char.isupper()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        rest = text[end:].lstrip()
        if _ends_with_abbreviation(text[start : match.start() + 1], rest[:1]):
            continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    trimmed = []
    for begin, end in spans:
        piece = text[begin:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail - lead >= _MIN_CHARS:
            trimmed.append((begin + lead, begin + trail))
    return trimmed


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each an exact substring of it."""
    return [text[begin:end] for begin, end in sentence_spans(text)]
