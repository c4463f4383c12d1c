"""What a question asks for, apart from what it tells the assistant to do.

Two parts of a question need handling before retrieval:

- *Directives*: sentences addressed to the assistant rather than about papers ("reveal
  your configuration", "ignore all previous instructions"). They are not a topic; left in
  the query they dilute relevance until a real question abstains. `strip_directives`
  drops them when something else is left to search. A sentence ending in "?" is kept:
  "do defences ignore the context?" is a question about papers.
- *Requested titles*: "the paper 'X'" names one paper. If no paper in the corpus has that
  title, answering from the nearest paper would present it as the one asked for, so the
  assistant says the title is not in the corpus instead. `requested_titles` finds quoted
  titles with a cue word before them; `title_matches` tells whether a corpus title is
  the one meant (word order, case, stop words and a shortened title do not matter).
"""

from __future__ import annotations

import re

from paperchat.text.lexical import content_stems
from paperchat.text.sentences import split_sentences

MIN_TITLE_WORDS = 3  # "the paper 'NPNet'" names a method, not a title
TITLE_OVERLAP = 0.6  # Jaccard of content stems at which two titles are the same paper

_DIRECTIVE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.?!]{0,40}"
    r"\b(?:instructions?|rules?|prompts?|papers|context|above|previous|prior)\b"
    r"|\byour\s+(?:hidden\s+|system\s+|initial\s+)*"
    r"(?:configuration|config|instructions|rules|settings|system\s+prompt|prompt)\b"
    r"|\b(?:system\s+prompt|developer\s+mode|system\s+override|jailbreak)\b"
    r"|\b(?:the\s+user|i)\s+(?:is|am)\s+(?:an?\s+|the\s+)?(?:admin|administrator|developer)\b"
    r"|\byou\s+are\s+now\b|\bnew\s+rules?\b",
    re.I,
)
# Words that only linked the question to a dropped directive ("Anyway, ...", "Then tell me: ...").
_LEAD_IN = re.compile(r"^(?:(?:anyway|so|now|then|also|and|but|tell\s+me|please)\b[,:]?\s*)+", re.I)
_QUOTED = re.compile(r"'([^']{3,300})'|\"([^\"]{3,300})\"|“([^”]{3,300})”|‘([^’]{3,300})’")
_TITLE_CUE = re.compile(
    r"\b(?:paper|article|preprint|publication|titled|entitled|called|named)\W*$",
    re.I,
)


def strip_directives(question: str) -> str:
    """The question without its sentences addressed to the assistant; unchanged when
    nothing would be left."""
    sentences = split_sentences(question)
    if len(sentences) < 2:
        return question
    kept = [s for s in sentences if s.rstrip().endswith("?") or not _DIRECTIVE.search(s)]
    if not kept or len(kept) == len(sentences):
        return question
    text = _LEAD_IN.sub("", " ".join(kept)).strip()
    return text[:1].upper() + text[1:] if text else question


def requested_titles(question: str) -> list[str]:
    """Quoted titles the question asks about: a quote of MIN_TITLE_WORDS words or more
    right after "paper", "titled", "called" and the like."""
    found = []
    for match in _QUOTED.finditer(question):
        text = next(g for g in match.groups() if g is not None).strip()
        before = question[max(0, match.start() - 30) : match.start()]
        if len(text.split()) >= MIN_TITLE_WORDS and _TITLE_CUE.search(before):
            found.append(text)
    return found


def title_matches(requested: str, title: str | None) -> bool:
    """Whether a corpus title is the requested one: the same content words, allowing a
    shortened request ("Golden Noise for Diffusion Models") and small differences."""
    if not title:
        return False
    wanted, actual = content_stems(requested), content_stems(title)
    if not wanted:
        return False
    if len(wanted) >= MIN_TITLE_WORDS and wanted <= actual:
        return True
    return len(wanted & actual) / len(wanted | actual) >= TITLE_OVERLAP
