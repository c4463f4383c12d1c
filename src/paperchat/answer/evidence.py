"""Abstract sentences with their embeddings: the evidence answers and checks are built on.

Every answerer and checker asks the same thing — which sentence of this abstract is
closest to that text? — so the sentences of each paper are split and embedded once, with
the index's own embedder, and cached by paper id (in memory, and on disk when given a
SentenceVectorCache, so later processes skip the embedding too).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from paperchat.answer.lexical import content_stems
from paperchat.answer.sentences import split_sentences
from paperchat.answer.vector_cache import SentenceVectorCache, sentences_key
from paperchat.corpus.paper import Paper
from paperchat.index.embedders import Embedder


@dataclass(frozen=True)
class PaperEvidence:
    """One paper's abstract, cut into sentences, each embedded and stemmed."""

    paper: Paper
    sentences: list[str]
    vectors: np.ndarray  # (len(sentences), dim), unit rows
    stems: list[set[str]]
    title_stems: set[str]

    @property
    def all_stems(self) -> set[str]:
        return set().union(self.title_stems, *self.stems)

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every sentence to a unit vector."""
        if not self.sentences:
            return np.zeros(0)
        return self.vectors @ vector


@dataclass(frozen=True)
class Match:
    """The sentence of a paper that best matches some text, and how well."""

    paper: Paper
    index: int
    sentence: str
    cosine: float
    overlap: float


class EvidenceIndex:
    """Sentence embeddings per paper, computed on first use and kept (LRU) by paper id."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        max_papers: int = 4096,
        disk: SentenceVectorCache | None = None,
    ):
        self.embedder = embedder
        self.max_papers = max_papers
        self.disk = disk
        self._cache: OrderedDict[str, PaperEvidence] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for texts, as a (len(texts), dim) array."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        vectors = np.asarray(self.embedder.embed_documents(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _cached(self, paper_id: str) -> PaperEvidence | None:
        with self._lock:
            found = self._cache.get(paper_id)
            if found is not None:
                self._cache.move_to_end(paper_id)
            return found

    def _store(self, evidence: PaperEvidence) -> None:
        with self._lock:
            self._cache[evidence.paper.id] = evidence
            while len(self._cache) > self.max_papers:
                self._cache.popitem(last=False)

    def get_many(self, papers: Iterable[Paper]) -> list[PaperEvidence]:
        """Evidence for each paper, embedding the sentences of all uncached papers at once."""
        papers = list(papers)
        found: dict[str, PaperEvidence] = {}
        missing: list[tuple[Paper, list[str]]] = []
        for paper in papers:
            cached = self._cached(paper.id)
            if cached is not None and cached.paper.abstract == paper.abstract:
                found[paper.id] = cached
            elif paper.id not in {p.id for p, _ in missing}:
                missing.append((paper, split_sentences(paper.abstract)))
        if missing:
            for paper, sentences, vectors in zip(
                (p for p, _ in missing),
                (s for _, s in missing),
                self._vectors([s for _, s in missing]),
                strict=True,
            ):
                evidence = PaperEvidence(
                    paper=paper,
                    sentences=sentences,
                    vectors=vectors,
                    stems=[content_stems(s) for s in sentences],
                    title_stems=content_stems(paper.title or ""),
                )
                self._store(evidence)
                found[paper.id] = evidence
        return [found[paper.id] for paper in papers]

    def _vectors(self, groups: list[list[str]]) -> list[np.ndarray]:
        """Unit vectors for each group of sentences: from the disk cache when there, the
        rest embedded in one batch (and written back)."""
        if self.disk is None:
            keys: list[str | None] = [None] * len(groups)
            stored: dict[str, np.ndarray] = {}
        else:
            keys = [sentences_key(self.embedder.name, g) for g in groups]
            stored = self.disk.get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in stored]
        vectors = self.embed([s for i in todo for s in groups[i]])
        out = [stored.get(key) if key else None for key in keys]
        fresh: dict[str, np.ndarray] = {}
        start = 0
        for i in todo:
            out[i] = vectors[start : start + len(groups[i])]
            start += len(groups[i])
            if keys[i] is not None:
                fresh[keys[i]] = out[i]
        if self.disk is not None and fresh:
            self.disk.put_many(fresh)
        return out

    def get(self, paper: Paper) -> PaperEvidence:
        return self.get_many([paper])[0]

    def best_match(
        self, evidence: PaperEvidence, vector: np.ndarray, stems: set[str]
    ) -> Match | None:
        """The sentence of `evidence` closest to a text given by its vector and stems.

        Closeness is cosine first; word overlap breaks near-ties, so of two sentences that
        embed alike the one sharing the claim's terms (and numbers) wins.
        """
        if not evidence.sentences:
            return None
        cosines = evidence.similarities(vector)
        overlaps = [len(stems & s) / len(stems) if stems else 0.0 for s in evidence.stems]
        scores = cosines + 0.25 * np.asarray(overlaps)
        best = int(np.argmax(scores))
        return Match(
            paper=evidence.paper,
            index=best,
            sentence=evidence.sentences[best],
            cosine=float(cosines[best]),
            overlap=overlaps[best],
        )
