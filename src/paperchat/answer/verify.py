"""Checking an LLM's answer against the abstracts it cites.

The text is cut into sentences (a [n] placed after a sentence's period is moved back to
it). For each sentence:

1. citations to numbers that were not among the sources are dropped (`dropped`);
2. the sentence is *supported* by a paper when the numbers it states appear together in
   one sentence of the abstract (or the title), and its closest abstract sentence is
   near enough:
   cosine ≥ `verify_cosine` with ≥ `verify_overlap` of its content words (IDF-weighted)
   found in the abstract, or cosine ≥ `verify_cosine_alone` on its own; a URL in the
   sentence must appear in the abstract or title as written (a model steered by an
   abstract could otherwise put the question into an image link's URL, which a client
   rendering Markdown would fetch);
3. cited papers are tried first; if none supports the sentence, the other sources are
   tried and the citation is corrected to the one that does (an uncited sentence gets
   its citation the same way);
4. a sentence no source supports is removed from the answer and listed in `removed`.

Short connecting sentences without citations ("Two papers address this:") and bold
headings are kept and not counted. `supported / total` counts the rest, before removal.
Each citation's `quote` is the abstract sentence that best matched the first claim citing
it.

Thresholds (relevance.Thresholds) were set with MiniLM on evals/support_labels.jsonl,
split "tune" (64 labelled claims: verbatim, paraphrase, wrong number, other paper,
negation, generic). The grid optimum (cosine 0.40 / overlap 0.80 / alone 0.70, 93.8%)
let any 0.70-close sentence pass on its own, which admits claims from a neighbouring
paper; we took the nearest setting with alone ≥ 0.75: 0.45 / 0.75 / 0.75, 90.6% on
tune, 92.2% on the held-out "test" split (`python evals/answer_smoke.py --tune-verify`).
What it misses: negations and contradictions phrased with the source's own words
("performs worse than" vs. "surpasses") — embeddings and word overlap do not see them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from paperchat.answer.extractive import cite
from paperchat.answer.models import Citation
from paperchat.corpus.paper import Paper
from paperchat.index.evidence import Evidence, Match, PaperEvidence, best_match, unit_rows
from paperchat.text.lexical import (
    TermWeights,
    citation_numbers,
    content_stems,
    numbers,
    strip_citations,
)
from paperchat.text.sentences import split_sentences

_LEADING_CITES = re.compile(r"^((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)\s*")
_CITE_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_BULLET = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"'`]+", re.I)
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+.*|\*\*[^*]+\*\*:?|__[^_]+__:?)\s*$")
CONNECTIVE_MAX_STEMS = 4


@dataclass
class ClaimCheck:
    """One sentence of the answer and what the check found."""

    text: str  # as written, without citation markers
    cited: list[int]
    structural: bool = False  # a heading or short connective: kept, not counted
    supported_by: int | None = None
    match: Match | None = None


@dataclass
class Checked:
    text: str
    citations: list[Citation]
    supported: int
    total: int
    removed: list[str] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)


def _sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, with citations that trail a period moved back."""
    out: list[str] = []
    for piece in split_sentences(paragraph):
        lead = _LEADING_CITES.match(piece)
        if lead and out:
            out[-1] = f"{out[-1]} {lead.group(1).strip()}"
            piece = piece[lead.end() :]
        if piece.strip():
            out.append(piece)
    return out


@dataclass(frozen=True)
class Thresholds:
    """When an LLM sentence counts as supported by an abstract, per embedder family."""

    verify_cosine: float = 0.45  # an LLM sentence vs. its best abstract sentence ...
    verify_overlap: float = 0.75  # ... and the share of its content words in the abstract
    verify_cosine_alone: float = 0.75  # a paraphrase this close passes without overlap


THRESHOLDS: dict[str, Thresholds] = {
    "minilm": Thresholds(),
    "hash": Thresholds(verify_cosine=0.38, verify_overlap=0.45, verify_cosine_alone=1.01),
}


def thresholds_for(embedder_name: str) -> Thresholds:
    """The thresholds set for this embedder family (MiniLM's when it was never measured)."""
    family = embedder_name.split(":", 1)[0].split("-", 1)[0]
    return THRESHOLDS.get(family, THRESHOLDS["minilm"])


def _supports(
    claim_urls: list[str],
    claim_numbers: set[str],
    claim_stems: set[str],
    match: Match | None,
    evidence: PaperEvidence,
    thresholds: Thresholds,
    weights: TermWeights,
) -> bool:
    if match is None:
        return False
    source_text = f"{evidence.paper.title or ''} {evidence.paper.abstract}"
    if any(url not in source_text for url in claim_urls):
        return False
    if claim_numbers and not any(
        claim_numbers <= numbers(text) for text in (evidence.paper.title or "", *evidence.sentences)
    ):
        return False
    if match.cosine >= thresholds.verify_cosine_alone:
        return True
    overlap = weights.coverage(claim_stems, evidence.all_stems)
    return match.cosine >= thresholds.verify_cosine and overlap >= thresholds.verify_overlap


def verify(
    text: str,
    sources: Mapping[int, Paper],
    evidence: Evidence,
    embed: Callable[[list[str]], object],
    thresholds: Thresholds,
    weights: TermWeights | None = None,
) -> Checked:
    """Check every sentence of `text` against the numbered `sources` (see module doc)."""
    weights = weights or TermWeights.uniform()
    paragraphs: list[tuple[str, list[ClaimCheck]]] = []
    dropped: list[int] = []
    for raw in text.strip().splitlines():
        if not raw.strip():
            continue
        bullet_match = _BULLET.match(raw)
        bullet = bullet_match.group(1) if bullet_match else ""
        body = raw[len(bullet) :]
        verdicts = []
        for sentence in _sentences(body):
            cited = []
            for n in citation_numbers(sentence):
                if n in sources:
                    cited.append(n)
                elif n not in dropped:
                    dropped.append(n)
            claim = _CITE_MARKER.sub("", sentence).strip()
            structural = bool(_HEADING.match(claim)) or (
                not cited
                and not numbers(claim)
                and len(content_stems(claim)) <= CONNECTIVE_MAX_STEMS
            )
            verdicts.append(ClaimCheck(claim, list(dict.fromkeys(cited)), structural))
        paragraphs.append((bullet, verdicts))

    claims = [v for _, vs in paragraphs for v in vs if not v.structural]
    texts = [strip_citations(v.text) for v in claims]
    vectors = unit_rows(np.asarray(embed(texts), dtype=np.float32)) if texts else []
    by_number = dict(zip(sources, evidence.get_many(sources.values()), strict=True))
    for verdict, vector in zip(claims, vectors, strict=True):
        claim_numbers = numbers(verdict.text)
        claim_stems = content_stems(verdict.text)
        order = verdict.cited + [n for n in sources if n not in verdict.cited]
        for n in order:
            paper_evidence = by_number[n]
            match = best_match(paper_evidence, vector, claim_stems)
            if _supports(
                _URL.findall(verdict.text),
                claim_numbers,
                claim_stems,
                match,
                paper_evidence,
                thresholds,
                weights,
            ):
                verdict.supported_by, verdict.match = n, match
                break

    kept: list[tuple[bool, str]] = []  # (is a bullet, line)
    removed: list[str] = []
    quotes: dict[int, list[str]] = {}
    for bullet, verdicts in paragraphs:
        parts = []
        for v in verdicts:
            if v.structural:
                parts.append(v.text)
            elif v.supported_by is None:
                removed.append(v.text)
            else:
                parts.append(cite(v.text, v.supported_by))
                sentence = v.match.sentence if v.match else ""
                found = quotes.setdefault(v.supported_by, [])
                if sentence and sentence not in found:
                    found.append(sentence)
        has_claim = any(v.supported_by is not None for v in verdicts)
        only_structure = all(v.structural for v in verdicts)
        if parts and (has_claim or only_structure):
            kept.append((bool(bullet), bullet + " ".join(parts)))

    citations = [
        Citation(
            n=n,
            id=sources[n].id,
            title=sources[n].title,
            quote=found[0],
            quotes=found,
        )
        for n, found in quotes.items()
    ]
    supported = sum(1 for v in claims if v.supported_by is not None)
    return Checked(
        text=_join(kept),
        citations=citations,
        supported=supported,
        total=len(claims),
        removed=removed,
        dropped=dropped,
    )


def _join(lines: list[tuple[bool, str]]) -> str:
    """Lines back into text: bullets one per line, paragraphs apart; headings left with
    nothing under them are dropped."""
    kept = [
        (bullet, line)
        for i, (bullet, line) in enumerate(lines)
        if not (_HEADING.match(line) and (i + 1 == len(lines) or _HEADING.match(lines[i + 1][1])))
    ]
    out = ""
    for i, (bullet, line) in enumerate(kept):
        if i:
            out += "\n" if bullet and kept[i - 1][0] else "\n\n"
        out += line
    return out.strip()
