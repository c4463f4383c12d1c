"""The offline support judge: do these abstracts back this sentence?

ALCE uses an NLI model; offline we have MiniLM, so the judge combines four signals:

- meaning: the cosine similarity of the sentence to the closest abstract sentence of the
  cited papers (MiniLM through the `Embedder` seam);
- words: the share of the sentence's content words found in those abstracts;
- numbers: every number the sentence states must appear in them. One wrong number is
  enough to reject a claim, and similarity alone is blind to it;
- polarity: the sentence and its closest abstract sentence must agree on negation ("no",
  "not", "without", "never", ...), which similarity is nearly blind to as well.

A sentence is supported when its numbers and polarity check out and either the meaning
is very close (similarity >= `close`) or it is close enough (>= `related`) and the words
agree (coverage >= `coverage`). The thresholds were chosen on the `tune` half of the hand labels
in `evals/support_labels.jsonl` (grid search for accuracy, see `fit_thresholds`); the
report gives the judge's agreement on the held-out `test` half, per kind of sentence, so
its blind spots (claims that contradict the abstract without a negation word, numbers
present but attached to the wrong quantity) are measured rather than assumed away.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from paperchat.evals.dataset import SupportLabel
from paperchat.evals.metrics import accuracy, cohen_kappa
from paperchat.evals.text import content_words, numbers, split_sentences
from paperchat.index.embedders import Embedder


@dataclass(frozen=True)
class Thresholds:
    close: float
    related: float
    coverage: float


# Chosen by `fit_thresholds` on the tune split of evals/support_labels.jsonl with the
# sentence-transformers MiniLM (`minilm`); the runner judges with that model whatever
# embedder the index uses, so these numbers keep their meaning.
DEFAULT_THRESHOLDS = Thresholds(close=0.70, related=0.40, coverage=0.60)


_NEGATION = re.compile(r"\b(?:no|not|never|without|cannot|neither|nor|none)\b|n't\b", re.I)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


@dataclass(frozen=True)
class Features:
    similarity: float
    coverage: float
    numbers_ok: bool
    polarity_ok: bool = True


def decide(features: Features, thresholds: Thresholds) -> bool:
    if not (features.numbers_ok and features.polarity_ok):
        return False
    if features.similarity >= thresholds.close:
        return True
    return features.similarity >= thresholds.related and features.coverage >= thresholds.coverage


class SupportJudge:
    """Judges sentences against the abstracts of the papers they cite.

    `abstracts` maps paper id to abstract text; an id it does not know (a citation of a
    paper outside the corpus, or an [n] that names no source) supports nothing.
    Abstract sentences are embedded once per paper and cached.
    """

    def __init__(
        self,
        embedder: Embedder,
        abstracts: Mapping[str, str],
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ):
        self.embedder = embedder
        self.abstracts = abstracts
        self.thresholds = thresholds
        self._sentences: dict[str, tuple[list[str], np.ndarray]] = {}
        self._claims: dict[str, np.ndarray] = {}

    def prepare(self, sentences: Sequence[str], paper_ids: Iterable[str]) -> None:
        """Embed claims and abstracts in two batches, ahead of judging them one by one:
        one call per sentence would cost far more on a busy CPU."""
        claims = [c for c in dict.fromkeys(sentences) if c not in self._claims]
        if claims:
            vectors = self.embedder.embed_documents(claims)
            for claim, vector in zip(claims, vectors, strict=True):
                self._claims[claim] = np.asarray(vector, dtype=np.float32)
        papers = [
            p for p in dict.fromkeys(paper_ids) if p in self.abstracts and p not in self._sentences
        ]
        split = {p: split_sentences(self.abstracts[p]) for p in papers}
        flat = [sentence for p in papers for sentence in split[p]]
        vectors = np.asarray(self.embedder.embed_documents(flat), dtype=np.float32)
        start = 0
        for p in papers:
            end = start + len(split[p])
            self._sentences[p] = (split[p], vectors[start:end])
            start = end

    def _paper_vectors(self, paper_id: str) -> tuple[list[str], np.ndarray]:
        if paper_id not in self._sentences:
            sentences = split_sentences(self.abstracts[paper_id])
            vectors = np.asarray(self.embedder.embed_documents(sentences), dtype=np.float32)
            self._sentences[paper_id] = (sentences, vectors)
        return self._sentences[paper_id]

    def _claim_vector(self, sentence: str) -> np.ndarray:
        if sentence not in self._claims:
            self._claims[sentence] = np.asarray(
                self.embedder.embed_query(sentence), dtype=np.float32
            )
        return self._claims[sentence]

    def features(self, sentence: str, paper_ids: Sequence[str]) -> Features:
        known = [p for p in dict.fromkeys(paper_ids) if p in self.abstracts]
        if not known:
            return Features(similarity=0.0, coverage=0.0, numbers_ok=False)
        claim = self._claim_vector(sentence)
        similarity, closest = -1.0, ""
        for paper in known:
            sentences, vectors = self._paper_vectors(paper)
            scores = vectors @ claim
            best = int(np.argmax(scores))
            if float(scores[best]) > similarity:
                similarity, closest = float(scores[best]), sentences[best]
        text = " ".join(self.abstracts[p] for p in known)
        words = content_words(sentence)
        coverage = len(words & content_words(text)) / len(words) if words else 1.0
        return Features(
            similarity=similarity,
            coverage=coverage,
            numbers_ok=numbers(sentence) <= numbers(text),
            polarity_ok=negated(sentence) == negated(closest),
        )

    def supports(self, sentence: str, paper_ids: Sequence[str]) -> bool:
        return decide(self.features(sentence, paper_ids), self.thresholds)


def fit_thresholds(features: Sequence[Features], truth: Sequence[bool]) -> Thresholds:
    """The thresholds on a coarse grid that agree best with the labels (accuracy, then
    Cohen's kappa; ties go to the stricter setting, listed first)."""
    best: tuple[float, float] | None = None
    chosen = DEFAULT_THRESHOLDS
    closes = [round(0.95 - 0.05 * i, 2) for i in range(9)]  # 0.95 .. 0.55
    relateds = [round(0.80 - 0.05 * i, 2) for i in range(9)]  # 0.80 .. 0.40
    coverages = [round(0.9 - 0.1 * i, 1) for i in range(6)]  # 0.9 .. 0.4
    for close, related, coverage in itertools.product(closes, relateds, coverages):
        if related > close:
            continue
        candidate = Thresholds(close, related, coverage)
        predicted = [decide(f, candidate) for f in features]
        score = (accuracy(predicted, truth), cohen_kappa(predicted, truth))
        if best is None or score > best:
            best, chosen = score, candidate
    return chosen


@dataclass(frozen=True)
class Agreement:
    """How often the judge says what the hand labels say."""

    count: int
    accuracy: float
    kappa: float
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    def as_dict(self) -> dict:
        return asdict(self)


def agreement(predicted: Sequence[bool], truth: Sequence[bool]) -> Agreement:
    pairs = list(zip(predicted, truth, strict=True))
    return Agreement(
        count=len(pairs),
        accuracy=accuracy(predicted, truth),
        kappa=cohen_kappa(predicted, truth),
        true_positive=sum(1 for p, t in pairs if p and t),
        false_positive=sum(1 for p, t in pairs if p and not t),
        false_negative=sum(1 for p, t in pairs if not p and t),
        true_negative=sum(1 for p, t in pairs if not p and not t),
    )


def evaluate_judge(judge: SupportJudge, labels: Sequence[SupportLabel]) -> dict:
    """The judge's agreement with the hand labels: on the held-out test split (the
    figure to quote), on all labels, and per kind of sentence."""
    judge.prepare([label.sentence for label in labels], [label.paper for label in labels])
    predicted = [judge.supports(label.sentence, [label.paper]) for label in labels]
    truth = [label.supported for label in labels]

    def part(keep: Callable[[SupportLabel], bool]) -> dict:
        rows = zip(predicted, truth, labels, strict=True)
        pairs = [(p, t) for p, t, label in rows if keep(label)]
        return agreement([p for p, _ in pairs], [t for _, t in pairs]).as_dict()

    kinds = sorted({label.kind or "unlabelled" for label in labels})
    return {
        "thresholds": vars(judge.thresholds),
        "embedder": judge.embedder.name,
        "test": part(lambda label: label.split == "test"),
        "all": part(lambda label: True),
        "by_kind": {k: part(lambda label, k=k: (label.kind or "unlabelled") == k) for k in kinds},
        "disagreements": [
            {"id": label.id, "kind": label.kind, "sentence": label.sentence, "label": t}
            for p, t, label in zip(predicted, truth, labels, strict=True)
            if p != t
        ],
    }
