"""How much does this paper bear on this question? One estimate, used for everything.

Every (question, paper) candidate gets the signals retrieval and the evidence give —
dense similarity and rank, BM25 score and rank, how close the paper's best sentences
come, how much of the question's rarer vocabulary the paper uses, how near its words
come to each of the question's (word vectors: index/word_vectors.py — a near miss
matches the topic but not the words that make it a different question), the numbers of
the question it states, whether the question spells out its title or uses a name it
mentions — and a logistic model fitted on
labelled pairs turns them into one probability. Ranking, the decision to answer or
decline, and the papers of a summary all read that probability; the thresholds are
fitted with the coefficients (`paperchat calibrate`, retrieve/calibrate.py) and kept
as a data file per embedder family beside this module, so another embedder or corpus
is refitted, not hand-tuned.

Fusion is part of the model: a paper that BM25 alone ranks first for a rare exact term
keeps its keyword signals, and the rarer the shared term, the higher its coverage.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.evidence import Evidence, PaperEvidence
from paperchat.retrieve.answerability import LEAD_OF, Answerability, question_row
from paperchat.retrieve.fitted import probability, read_weights, require_inputs, weights_json
from paperchat.retrieve.query import Query, still_absent
from paperchat.text.lexical import content_stems, numbers, styled_head

log = logging.getLogger(__name__)

FEATURES = (
    "dense_similarity",
    "dense_reciprocal_rank",
    "keyword_relative",
    "keyword_reciprocal_rank",
    "best_sentence",
    "second_sentence",
    "coverage",
    "title_coverage",
    "title_named",
    "names_found",
    "names_missed",
    "absent_names",
    "unknown_share",
    "word_closeness",
    "numbers_found",
    "dense_gap",
    "sentence_gap",
)
MIN_TITLE_STEMS = 3
SPELLED_IN = 5  # papers an acronym the corpus never writes may be spelled out in


@dataclass(frozen=True)
class Candidate:
    """A paper either retriever returned, with what each said about it."""

    paper: Paper
    chunk_id: str
    chunk_text: str
    dense_similarity: float | None = None
    dense_rank: int | None = None
    keyword_score: float | None = None
    keyword_rank: int | None = None


@dataclass(frozen=True)
class ScoredPaper:
    candidate: Candidate
    evidence: PaperEvidence
    sentence_scores: np.ndarray  # cosine of each abstract sentence to the query
    coverage: float
    named: bool  # the question spells out this paper's title
    probability: float
    features: dict[str, float] = field(repr=False, default_factory=dict)

    @property
    def paper(self) -> Paper:
        return self.candidate.paper

    @property
    def best_cosine(self) -> float:
        return float(self.sentence_scores.max()) if len(self.sentence_scores) else 0.0


@dataclass(frozen=True)
class RelevanceModel:
    """Logistic regression on standardised FEATURES, and the decision thresholds."""

    family: str
    coefficients: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    answer: float  # the best paper's probability from which a question is answered
    keep: float  # other papers join an answer from this probability
    summary: float  # papers of a summary from this probability ...
    summary_ratio: float = 0.0  # ... and from this share of the best paper's
    fitted_on: str = ""
    # whether a question is answered, from the whole ranking (without one: `answer`)
    answerability: Answerability | None = None

    def probability(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0)
        return probability(rows, self.coefficients, self.intercept, self.mean, self.scale)

    def answers(self, papers: Sequence[ScoredPaper]) -> bool:
        """Whether the question these papers were scored for (all its candidates, most
        relevant first) is answered from them, or the corpus has no paper on it."""
        if not papers:
            return False
        if self.answerability is None:
            return papers[0].probability >= self.answer
        probabilities = np.asarray([p.probability for p in papers])
        leads = np.asarray([[p.features[name] for name in LEAD_OF] for p in papers])
        return self.answerability.answers(question_row(probabilities, leads))

    @classmethod
    def untrained(cls, family: str) -> RelevanceModel:
        """Every paper alike: what `paperchat calibrate` searches with, since fitting
        needs only the features of the candidates, not a ranking."""
        n = len(FEATURES)
        return cls(family, np.zeros(n), 0.0, np.zeros(n), np.ones(n), 0.5, 0.5, 0.5)

    def summary_floor(self, best: float) -> float:
        """The probability a paper needs to join a summary whose best paper has `best`."""
        return max(self.summary, self.summary_ratio * best)

    def to_json(self) -> dict:
        return {
            "family": self.family,
            "features": list(FEATURES),
            **weights_json(self.coefficients, self.intercept, self.mean, self.scale),
            "thresholds": {
                "answer": self.answer,
                "keep": self.keep,
                "summary": self.summary,
                "summary_ratio": self.summary_ratio,
            },
            "fitted_on": self.fitted_on,
        } | ({"answerability": self.answerability.to_json()} if self.answerability else {})

    @classmethod
    def from_json(cls, data: dict, *, answerability: bool = True) -> RelevanceModel:
        """The model saved as `data`; without its decision to answer when `answerability`
        is False (about to be refitted: it may have been fitted on other inputs)."""
        require_inputs(data["features"], FEATURES, "relevance model")
        thresholds = data["thresholds"]
        return cls(
            family=data["family"],
            **read_weights(data),
            answer=float(thresholds["answer"]),
            keep=float(thresholds["keep"]),
            summary=float(thresholds["summary"]),
            summary_ratio=float(thresholds.get("summary_ratio", 0.0)),
            fitted_on=data.get("fitted_on", ""),
            answerability=Answerability.from_json(data["answerability"])
            if answerability and "answerability" in data
            else None,
        )


def family_of(embedder_name: str) -> str:
    """ "minilm-onnx:int8" → "minilm"; "hash:256" → "hash"."""
    return embedder_name.split(":", 1)[0].split("-", 1)[0]


def params_path(family: str) -> Path:
    return Path(str(files("paperchat.retrieve") / f"relevance-{family}.json"))


def load_model(embedder_name: str, *, answerability: bool = True) -> RelevanceModel:
    """The fitted model for this embedder's family (MiniLM's, with a warning, when none
    was fitted for it)."""
    family = family_of(embedder_name)
    path = params_path(family)
    if not path.exists():
        log.warning(
            "no relevance model fitted for embedder %s; using MiniLM's. Fit one with "
            "`paperchat calibrate`",
            embedder_name,
        )
        path = params_path("minilm")
    return RelevanceModel.from_json(
        json.loads(path.read_text(encoding="utf-8")), answerability=answerability
    )


def mentions(text: str, name: str) -> bool:
    """Whether `text` uses the name; a short all-capitals name ("US", "GAN") must match
    its case, so "us" is not "US"; "iBOT-style" is used where "iBOT" is, and
    "modern-Hopfield-network" where "modern Hopfield networks" are."""
    if head := styled_head(name):
        name = head
    if len(name) <= 3 and name.isupper():
        return re.search(rf"\b{re.escape(name)}s?\b", text) is not None
    lowered, key = text.lower(), name.lower()
    return (
        key in lowered
        or key.replace("-", "") in lowered.replace("-", "")
        or ("-" in key and key.replace("-", " ") in lowered)
    )


def nearest_papers(candidates: Sequence[Candidate], k: int = SPELLED_IN) -> list[Paper]:
    """The k papers dense search ranked first: where an acronym the corpus never writes
    may be spelled out (still_absent). Few, so that a chance run of initials is rare."""
    ranked = sorted((c for c in candidates if c.dense_rank), key=lambda c: c.dense_rank or 0)
    return [c.paper for c in ranked[:k]]


def features(
    query: Query, candidates: list[Candidate], evidence: Evidence
) -> tuple[np.ndarray, list[PaperEvidence], list[np.ndarray], list[bool]]:
    """The FEATURES row of every candidate, with the evidence computed on the way."""
    weights = evidence.weights
    all_stems = content_stems(query.question)
    absent = still_absent(query, nearest_papers(candidates))
    present = [n for n in query.names if n not in absent]
    dense = [c.dense_similarity for c in candidates if c.dense_similarity is not None]
    dense_floor = min(dense) if dense else 0.0
    keyword_top = max((c.keyword_score or 0.0 for c in candidates), default=0.0) or 1.0
    evidences = [evidence.get(c.paper) for c in candidates]
    heads = {c.paper.id: ev.title_head_stems for c, ev in zip(candidates, evidences, strict=True)}
    spelled = {pid for pid, h in heads.items() if len(h) >= MIN_TITLE_STEMS and h <= all_stems}
    spelled = {p for p in spelled if not any(heads[p] < heads[o] for o in spelled)}
    covered = weights.coverer(set(query.stems))
    closeness = evidence.word_vectors.matcher(query.word_vectors, query.word_weights)(
        [c.paper for c in candidates], [ev.words for ev in evidences]
    )
    asked_numbers = numbers(query.question)
    rows, scores, named = [], [], []
    for c, ev, near in zip(candidates, evidences, closeness, strict=True):
        sims = ev.similarities(query.vector)
        top = np.sort(sims)[::-1] if len(sims) else np.zeros(1)
        text = f"{c.paper.title or ''} {c.paper.abstract}"
        found = sum(mentions(text, n) for n in present)
        rows.append(
            [
                c.dense_similarity if c.dense_similarity is not None else dense_floor,
                1.0 / c.dense_rank if c.dense_rank else 0.0,
                (c.keyword_score or 0.0) / keyword_top,
                1.0 / c.keyword_rank if c.keyword_rank else 0.0,
                float(top[0]),
                float(top[1]) if len(top) > 1 else float(top[0]),
                covered(ev.all_stems),
                covered(ev.title_stems),
                1.0 if c.paper.id in spelled else 0.0,
                found / len(present) if present else 0.0,
                1.0 if present and not found else 0.0,
                1.0 if absent else 0.0,
                query.unknown_share,
                float(near),
                len(asked_numbers & numbers(text)) / len(asked_numbers) if asked_numbers else 0.0,
            ]
        )
        scores.append(sims)
        named.append(c.paper.id in spelled)
    table = np.asarray(rows, dtype=float).reshape(-1, len(FEATURES) - 2)
    # how far each candidate is behind the best one, per signal
    gaps = table[:, [0, 4]] - table[:, [0, 4]].max(axis=0) if len(table) else np.zeros((0, 2))
    return np.hstack([table, gaps]), evidences, scores, named


def score(
    query: Query, candidates: list[Candidate], evidence: Evidence, model: RelevanceModel
) -> list[ScoredPaper]:
    """Candidates with their relevance probability, most relevant first."""
    rows, evidences, sims, named = features(query, candidates, evidence)
    probabilities = model.probability(rows)
    coverage_at = FEATURES.index("coverage")
    scored = [
        ScoredPaper(
            candidate=c,
            evidence=ev,
            sentence_scores=s,
            coverage=float(row[coverage_at]),
            named=n,
            probability=float(p),
            features=dict(zip(FEATURES, map(float, row), strict=True)),
        )
        for c, ev, s, n, row, p in zip(
            candidates, evidences, sims, named, rows, probabilities, strict=True
        )
    ]
    scored.sort(key=lambda p: p.probability, reverse=True)
    return scored
