"""The writer's snapshot, written a page of papers at a time, is the snapshot that
building everything in memory and saving it gives: the same files, read the same way."""

from __future__ import annotations

import json

import numpy as np
import pytest

from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import SENTENCES, SPANS, TERMS, VECTORS, Evidence
from paperchat.index.evidence_writer import HEADER_BYTES, EvidenceWriter
from paperchat.index.snapshot import (
    EVIDENCE_DIR,
    PAPERS_FILE,
    build_snapshot,
    save_snapshot,
    write_snapshot,
)
from paperchat.index.vector_cache import SentenceVectorCache

EMBEDDER = HashEmbedder(16)


class ListStore:
    """The part of a VectorStore a snapshot is built from, over a list of papers."""

    name = "papers"

    def __init__(self, papers: list[Paper]):
        self._papers = papers

    def papers(self) -> list[Paper]:
        return list(self._papers)

    def iter_papers(self):
        yield from self._papers

    def chunk_texts(self):
        for p in self._papers:
            yield f"{p.id}#0", p.id, f"{p.title or ''}\n{p.abstract}"


def _papers(n: int = 25) -> list[Paper]:
    return [
        Paper(
            id=f"arxiv:2402.{i:05d}",
            title=f"On topic {i}" if i % 7 else None,
            abstract="" if i == 3 else f"Method {i} is new. It beats GPT-{i % 4}. Data: {i} sets.",
            published=f"{2016 + i % 9}" if i % 5 else None,
        )
        for i in range(n)
    ]


def _terms(folder):
    terms = json.loads((folder / TERMS).read_text())
    return terms["df"], terms["vocabulary"]


@pytest.mark.parametrize("page", [1, 4, 1000])
def test_evidence_written_by_pages_is_the_evidence_built_whole(tmp_path, page):
    papers = _papers()
    whole = tmp_path / "whole"
    Evidence.build(
        {p.id: p for p in papers}, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name
    ).save(whole)
    paged = tmp_path / "paged"
    writer = EvidenceWriter(paged, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name, page=page)
    for paper in papers:
        writer.add(paper)
    writer.close()
    assert (paged / SENTENCES).read_bytes() == (whole / SENTENCES).read_bytes()
    assert np.array_equal(np.load(paged / VECTORS), np.load(whole / VECTORS))
    mapped = np.load(paged / VECTORS, mmap_mode="r")  # its header was written in place
    assert mapped.dtype == np.float16 and mapped.offset == HEADER_BYTES
    assert np.array_equal(np.load(paged / SPANS), np.load(whole / SPANS))
    assert _terms(paged) == _terms(whole)
    assert sorted(p.name for p in paged.iterdir()) == sorted(p.name for p in whole.iterdir())


def test_evidence_of_no_paper_can_be_written_and_read(tmp_path):
    EvidenceWriter(tmp_path / "e", EMBEDDER.embed_documents).close()
    evidence = Evidence.load(tmp_path / "e", {})
    assert evidence.sentence_count == 0 and evidence.paper_vectors().ids == []


def test_the_written_snapshot_is_the_saved_one(tmp_path):
    store = ListStore(_papers())
    built = build_snapshot(store, "v1", 10, embedder=EMBEDDER)
    save_snapshot(built, tmp_path / "saved")
    written = write_snapshot(store, "v1", tmp_path / "written", 10, embedder=EMBEDDER)
    saved, direct = tmp_path / "saved", tmp_path / "written"
    assert (direct / PAPERS_FILE).read_bytes() == (saved / PAPERS_FILE).read_bytes()
    for name in (SENTENCES, VECTORS, SPANS):
        assert (direct / EVIDENCE_DIR / name).read_bytes() == (
            saved / EVIDENCE_DIR / name
        ).read_bytes()
    assert _terms(direct / EVIDENCE_DIR) == _terms(saved / EVIDENCE_DIR)
    for name in ("corpus.jsonl", "corpus.mmindex.json", "params.index.json"):
        assert (direct / "bm25" / name).read_bytes() == (saved / "bm25" / name).read_bytes()
    assert written.corpus_hash == built.corpus_hash
    assert dict(written.papers.items()) == built.papers
    assert [h.chunk_id for h in written.keyword.search("method beats", 5)] == [
        h.chunk_id for h in built.keyword.search("method beats", 5)
    ]
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_the_writer_fills_the_sentence_cache_and_reads_it_back(tmp_path):
    calls: dict[str, list[str]] = {"a": [], "b": []}
    run = "a"

    def embed(texts):
        calls[run].extend(texts)
        return EMBEDDER.embed_documents(texts)

    cache = SentenceVectorCache(tmp_path / "cache", EMBEDDER.name, EMBEDDER.dim)
    papers = _papers(6)
    for run in ("a", "b"):
        writer = EvidenceWriter(tmp_path / run, embed, cache=cache, embedder_name=EMBEDDER.name)
        for paper in papers:
            writer.add(paper)
        writer.close()
    sentences = [t for t in calls["a"] if " " in t]  # the rest are the words, one each
    assert len(sentences) == 15  # 3 sentences x 5 abstracts, once
    assert calls["a"] and calls["b"] == []  # the second run found every vector cached
    assert np.array_equal(np.load(tmp_path / "a" / VECTORS), np.load(tmp_path / "b" / VECTORS))
