"""Extractive topic summaries: the papers on a topic, grouped by approach, each described
by its own key sentences — what it contributes and what it reports — every one cited.

Key sentences: the *contribution* sentence is the one closest to the topic, preferring
sentences that state the paper's own work ("we propose ..."); the *result* sentence is
the closest one that reports something (a number, "outperforms", "achieves").

Groups: papers on one topic are all somewhat alike, so the bar is relative: papers whose
abstracts (mean of their sentence embeddings) are more alike than is usual *for this
topic* (mean + GROUP_SPREAD × std of the pairwise similarities, at least
GROUP_SIMILARITY) are merged, average-link. A group is named by the word its papers
share and the other papers lack (IDF-weighted, the topic's own words left out); papers
that join no group are listed under "Other approaches".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from paperchat.answer.conversation import Numbering
from paperchat.answer.extractive import (
    BACKGROUND_PENALTY,
    BOILERPLATE_PENALTY,
    Extract,
    cite,
    title_of,
)
from paperchat.answer.models import Citation
from paperchat.answer.safe_text import markdown_text
from paperchat.retrieve.relevance import ScoredPaper
from paperchat.text.lexical import TermWeights, content_stems, has_number, stem, words, wordset
from paperchat.text.sentences import has_own_citation

GROUP_SIMILARITY = 0.6
GROUP_SPREAD = 0.5
CONTRIBUTION_CUE = 0.25
RESULT_CUE = 0.1
NUMBER_WEIGHT = 0.2
UNNAMED = "Related approaches"

_BOILERPLATE = re.compile(r"https?://|github\.com|\bcode\b[^.]{0,40}\bavailable\b", re.I)
# Title words too common to name an approach.
_GENERIC = {
    stem(w)
    for w in wordset(
        """learning learn network networks neural deep model models via towards toward
    improving improve efficient effective approach method framework using based new novel
    data training analysis study two three four five several many various existing
    propose proposed show shows performance results result task tasks paper work"""
    )
}


@dataclass(frozen=True)
class Group:
    label: str
    papers: list[ScoredPaper]


def key_sentences(paper: ScoredPaper) -> list[int]:
    """Indices of the contribution sentence and, if there is one, a result sentence."""
    sentences = paper.evidence.sentences
    if not sentences:
        return []
    cosines = paper.sentence_scores
    penalty = [BOILERPLATE_PENALTY if _BOILERPLATE.search(s) else 0.0 for s in sentences]
    quotable = [i for i, s in enumerate(sentences) if not has_own_citation(s)]
    if not quotable:
        return []

    roles = paper.evidence.roles

    def contribution_score(i: int) -> float:
        cue = roles[i] == "contribution"
        background = BACKGROUND_PENALTY if roles[i] == "background" else 0.0
        return 0.6 * cosines[i] + CONTRIBUTION_CUE * cue - penalty[i] - background

    contribution = max(quotable, key=contribution_score)
    results = [
        i
        for i in quotable
        if i != contribution
        and not penalty[i]
        and (has_number(sentences[i]) or roles[i] == "result")
    ]
    if not results:
        return [contribution]
    result = max(
        results,
        key=lambda i: (
            0.5 * cosines[i]
            + NUMBER_WEIGHT * has_number(sentences[i])
            + RESULT_CUE * (roles[i] == "result")
        ),
    )
    return sorted({contribution, result})


def _paper_vector(paper: ScoredPaper) -> np.ndarray:
    vectors = paper.evidence.vectors
    if not len(vectors):
        return np.zeros(1)
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def cluster(papers: list[ScoredPaper]) -> list[list[int]]:
    """Average-link agglomerative clustering of papers by abstract similarity, with the
    topic-relative bar described in the module docstring."""
    if not papers:
        return []
    vectors = np.stack([_paper_vector(p) for p in papers])
    similarity = vectors @ vectors.T
    pairs = similarity[np.triu_indices(len(papers), k=1)]
    threshold = GROUP_SIMILARITY
    if len(pairs) > 1:
        threshold = max(threshold, float(pairs.mean() + GROUP_SPREAD * pairs.std()))
    clusters = [[i] for i in range(len(papers))]
    while len(clusters) > 1:
        best, pair = threshold, None
        for a in range(len(clusters)):
            for b in range(a + 1, len(clusters)):
                link = float(similarity[np.ix_(clusters[a], clusters[b])].mean())
                if link >= best:
                    best, pair = link, (a, b)
        if pair is None:
            break
        a, b = pair
        clusters[a] = clusters[a] + clusters.pop(b)
    return clusters


def group_label(
    members: list[ScoredPaper], others: list[ScoredPaper], topic: str, weights: TermWeights
) -> str:
    """The title word the group's papers share and the other papers lack; rare oddities
    and the topic's own words left out. (Abstract words were tried: too noisy to name a
    group.)"""
    topic_words = words(topic)
    acronym = "".join(w[0] for w in topic_words) if len(topic_words) > 1 else ""
    skip = content_stems(topic) | _GENERIC | {acronym, stem(acronym + "s")}
    need = 2 if len(members) > 2 else len(members)

    def vocabulary(paper: ScoredPaper, title_only: bool) -> dict[str, str]:
        text = paper.paper.title or ""
        if not title_only:
            text = f"{text} {paper.paper.abstract}"
        found: dict[str, str] = {}
        for word in words(text):
            for part in word.split("-"):
                key = stem(part)
                if (
                    part.isalpha()
                    and len(part) >= 3
                    and key not in skip
                    and weights.weight(key) <= weights.weight("") - 1.0  # used elsewhere too
                ):
                    found.setdefault(key, part)
        return found

    for title_only in (True,):  # abstract words name groups badly ("immediate")
        inside: Counter[str] = Counter()
        surface: dict[str, str] = {}
        for paper in members:
            for key, part in vocabulary(paper, title_only).items():
                inside[key] += 1
                surface.setdefault(key, part)
        outside = Counter(k for p in others for k in vocabulary(p, title_only))
        scored = []
        for key, count in inside.items():
            if count < need:
                continue
            share = count / len(members) - (outside[key] / len(others) if others else 0.0)
            if share > 0:
                scored.append((share * weights.weight(key), key))
        scored.sort(reverse=True)
        if scored:
            label = surface[scored[0][1]]
            return label if label.isupper() else label.capitalize()
    return UNNAMED


def groups(papers: list[ScoredPaper], topic: str, weights: TermWeights) -> list[Group]:
    """Papers grouped by approach: named groups first, larger and more relevant ones
    before the rest, then UNNAMED, then papers in no group. Groups that get
    the same name (most often UNNAMED, when no word names them) share one heading, each
    group's papers kept together, so no heading appears twice."""
    named: dict[str, list[ScoredPaper]] = {}
    others: list[ScoredPaper] = []
    for members in cluster(papers):
        chosen = [papers[i] for i in sorted(members)]
        if len(chosen) == 1:
            others.extend(chosen)
            continue
        rest = [p for p in papers if p not in chosen]
        named.setdefault(group_label(chosen, rest, topic, weights), []).extend(chosen)
    found = [Group(label, members) for label, members in named.items()]
    found.sort(
        key=lambda g: (g.label == UNNAMED, -len(g.papers), -max(p.probability for p in g.papers))
    )
    if others:
        found.append(Group("Other approaches" if found else "Papers", others))
    return found


def compose_summary(
    topic: str, papers: list[ScoredPaper], numbering: Numbering, weights: TermWeights
) -> Extract:
    """The extractive summary of `papers` (already judged relevant to `topic`)."""
    grouped = groups(papers, topic, weights)
    count = len(papers)
    noun = "paper" if count == 1 else "papers"
    how = ", grouped by approach" if len(grouped) > 1 else ""
    lines = [f"{count} {noun} in the corpus on “{markdown_text(topic)}”{how}:"]
    citations: list[Citation] = []
    for group in grouped:
        lines.append("")
        if len(grouped) > 1:
            size = f" ({len(group.papers)} papers)" if len(group.papers) > 1 else ""
            lines.append(f"**{markdown_text(group.label)}**{size}")
        for paper in group.papers:
            n = numbering(paper.paper.id)
            chosen = [paper.evidence.sentences[i] for i in key_sentences(paper)]
            if not chosen:
                continue
            lines.append(f"- **{title_of(paper)}**: " + " ".join(cite(s, n) for s in chosen))
            citations.append(
                Citation(
                    n=n,
                    id=paper.paper.id,
                    title=paper.paper.title,
                    quote=chosen[0],
                    quotes=chosen,
                )
            )
    citations.sort(key=lambda c: c.n)
    return Extract("\n".join(lines), citations, [c.id for c in citations])
