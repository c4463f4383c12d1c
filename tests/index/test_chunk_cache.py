"""Chunk texts are remembered across ingests: same chunks, no second split."""

from __future__ import annotations

from paperchat.corpus.paper import Paper
from paperchat.index.chunk_cache import CachedChunker
from paperchat.index.chunking import Chunker


class CountingChunker(Chunker):
    def __init__(self):
        super().__init__(40, 8)
        self.split_ids: list[str] = []

    def split(self, paper):
        self.split_ids.append(paper.id)
        return super().split(paper)


PAPER = Paper(
    id="p1",
    title="A Title",
    abstract=" ".join(f"Sentence number {i} says something about chunking." for i in range(20)),
)


def test_second_run_reuses_chunks_and_a_changed_abstract_is_split_again(tmp_path):
    first = CountingChunker()
    expected = CachedChunker(first, tmp_path).split(PAPER)
    assert first.split_ids == ["p1"] and len(expected) > 1

    second = CountingChunker()
    assert CachedChunker(second, tmp_path).split(PAPER) == expected
    assert second.split_ids == []

    changed = PAPER.model_copy(update={"abstract": PAPER.abstract + " One more."})
    CachedChunker(second, tmp_path).split(changed)
    assert second.split_ids == ["p1"]


def test_other_embedder_scope_misses(tmp_path):
    CachedChunker(CountingChunker(), tmp_path, "a").split(PAPER)
    other = CountingChunker()
    CachedChunker(other, tmp_path, "b").split(PAPER)
    assert other.split_ids == ["p1"]
