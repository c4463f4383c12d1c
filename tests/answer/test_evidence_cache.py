"""Abstract-sentence vectors persist on disk: a second process embeds nothing it has seen;
a changed abstract (re-embedded whole) or another embedder misses."""

from __future__ import annotations

import numpy as np

from paperchat.answer.evidence import EvidenceIndex
from paperchat.answer.vector_cache import SentenceVectorCache
from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting the texts it is asked to embed."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_documents(texts)


PAPERS = [
    Paper(id="a", title="A", abstract="We propose Alpha. It beats Beta by 3 points."),
    Paper(id="b", title="B", abstract="B is a baseline. Nobody uses it anymore."),
]


def _index(tmp_path, embedder):
    disk = SentenceVectorCache(tmp_path / "evidence", embedder.name, embedder.dim)
    return EvidenceIndex(embedder, disk=disk)


def test_second_process_reads_vectors_from_disk(tmp_path):
    first = CountingEmbedder()
    before = _index(tmp_path, first).get_many(PAPERS)
    assert len(first.embedded) == 4

    second = CountingEmbedder()
    after = _index(tmp_path, second).get_many(PAPERS)
    assert second.embedded == []
    for old, new in zip(before, after, strict=True):
        assert old.sentences == new.sentences
        np.testing.assert_allclose(old.vectors, new.vectors)


def test_changed_abstract_or_other_embedder_misses(tmp_path):
    _index(tmp_path, CountingEmbedder()).get_many(PAPERS)

    changed = CountingEmbedder()
    edited = Paper(id="a", title="A", abstract="We propose Alpha. It beats Beta by 4 points.")
    _index(tmp_path, changed).get_many([edited, PAPERS[1]])
    assert changed.embedded == ["We propose Alpha.", "It beats Beta by 4 points."]

    other = CountingEmbedder(dim=32)
    _index(tmp_path, other).get_many(PAPERS)
    assert len(other.embedded) == 4
