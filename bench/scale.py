"""Scale: N synthetic papers in a real paperchat index, searched through HybridSearcher.

Synthetic papers are bench/field.py's generated field around the bundled corpus: each on
the topic of a real paper, its sentences and title spliced from those of that paper's
nearest real papers, the corpus's own names replaced by coined ones. Their vectors are not
encodes of that text but stand in for them (the field's weighted means of the bundled
index's sentence vectors), so 100k papers need no 100k encodes and dense search sees the
text keyword search sees. Papers and vectors go into Chroma through paperchat's
ChromaStore with ingest's chunk metadata; the BM25 snapshot is paperchat's own
(write_snapshot, as ingest writes it), and search runs through build_searcher.
The snapshot's evidence gets sentence vectors without encoding (`KnownSentences`): a
real sentence's from the bundled index's evidence, a generated one's from the field; the
few the splitter cuts differently, and the words, get a random unit vector, and their
count is reported.

Each phase runs in its own process (`python -m bench.scale build|search ...`, JSON on
stdout) so its memory is its own; the corpus map's load time is measured on the same
index (bench/map_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bench.common import latency_ms, proc_memory_mb, query_set, run_checked, settings_for
from bench.field import Field

BATCH = 5000
VECTORS = "the mean of its spliced sentences' vectors, each the mean of its two sources'"


def _source(source_dir: Path):
    """(embedder name, real chunk vectors, papers) of an ingested bundled index."""
    from paperchat.build import build_store

    store = build_store(settings_for(source_dir))
    got = store.collection.get(include=["embeddings"])
    return store.info()["embedder"], np.asarray(got["embeddings"], dtype=np.float32), store.papers()


class KnownSentences:
    """An embedder that knows the bundled corpus's sentence vectors and nothing else."""

    def __init__(self, source_dir: Path, name: str, dim: int):
        from paperchat.build import build_searcher

        self.field: Field | None = None  # whose generated sentences it knows too
        evidence = build_searcher(settings_for(source_dir)).snapshot.evidence
        self.name, self.dim, self.misses, self.word_misses = name, dim, 0, 0
        self._known: dict[str, np.ndarray] = {}
        for paper in evidence.papers.values():
            found = evidence.get(paper)
            self._known.update(zip(found.sentences, found.vectors, strict=True))
        self._rng = np.random.default_rng(11)

    @property
    def vectors(self) -> Mapping[str, np.ndarray]:
        """Every bundled abstract sentence's vector, by its text."""
        return self._known

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            vector = self._known.get(text)
            if vector is None and self.field is not None:
                vector = self.field.vector_of(text)
            if vector is None:
                if " " in text:
                    self.misses += 1
                else:  # a word of the vocabulary: coined names are most of them
                    self.word_misses += 1
                vector = self._rng.normal(size=self.dim)
                vector = vector / np.linalg.norm(vector)
            out.append(vector)
        return out


def build(source_dir: Path, target_dir: Path, n: int) -> dict:
    from paperchat.build import build_store, cache_root
    from paperchat.index.chunking import Chunk, chunk_id
    from paperchat.index.ingest import chunk_metadata
    from paperchat.index.keyword_writer import write_keyword_index
    from paperchat.index.snapshot import snapshot_dir, write_snapshot

    embedder_name, vectors, papers = _source(source_dir)
    settings = settings_for(target_dir)
    store = build_store(settings, must_exist=False)
    store.open(embedder_name, vectors.shape[1], create=True)
    insert_s, rows, texts = 0.0, [], []

    def flush():
        nonlocal insert_s, rows
        start = time.perf_counter()
        store.upsert(*zip(*rows, strict=True))
        insert_s += time.perf_counter() - start
        rows = []

    sentences = KnownSentences(source_dir, embedder_name, vectors.shape[1])
    sentences.field = Field(papers, sentences.vectors, encodes=vectors)
    for paper, text, vector in sentences.field.papers(n):
        chunk = Chunk(id=chunk_id(paper.id, 0), paper_id=paper.id, index=0, text=text)
        rows.append((chunk.id, vector.tolist(), text, chunk_metadata(chunk, paper)))
        texts.append((chunk.id, paper.id, text))
        if len(rows) == BATCH:
            flush()
    if rows:
        flush()
    start = time.perf_counter()  # as the writer builds it: a page of chunks at a time
    with tempfile.TemporaryDirectory() as scratch:
        write_keyword_index(texts, Path(scratch) / "bm25", settings.candidates)
    bm25_s = time.perf_counter() - start
    del texts
    version = uuid.uuid4().hex
    store.set_info(version=version, sources="[]")
    start = time.perf_counter()
    folder = snapshot_dir(cache_root(settings), store, version)
    snapshot = write_snapshot(store, version, folder, settings.candidates, embedder=sentences)
    snapshot_s = time.perf_counter() - start
    return {
        "papers": n,
        "insert_s": insert_s,
        "insert_per_s": n / insert_s,
        "bm25_build_s": bm25_s,
        "snapshot_build_s": snapshot_s,
        "evidence_sentences": snapshot.evidence.sentence_count,
        "evidence_sentences_not_found": sentences.misses,
        "build_process": proc_memory_mb(os.getpid()),
    }


def search(target_dir: Path, queries: int) -> dict:
    from paperchat.build import build_searcher

    start = time.perf_counter()
    searcher = build_searcher(settings_for(target_dir))
    open_s = time.perf_counter() - start
    qs = query_set(queries)
    return {
        "open_s": open_s,
        "search": latency_ms(lambda q: searcher.search(q, 5), qs),
        "embed": latency_ms(searcher.embedder.embed_query, qs),
        "search_process": proc_memory_mb(os.getpid()),
    }


def run(source_dir: Path, target_dir: Path, n: int, queries: int) -> dict:
    """Both phases, each in a fresh interpreter."""

    def phase(*args: str) -> dict:
        out = run_checked(
            [sys.executable, "-m", "bench.scale", *args],
            os.environ | {"HF_HUB_OFFLINE": "1"},
            cwd=Path(__file__).resolve().parents[1],
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    from bench import map_load

    built = phase("build", str(source_dir), str(target_dir), "--n", str(n))
    searched = phase("search", str(target_dir), "--queries", str(queries))
    return built | searched | {"map": map_load.run(target_dir)} | {"vectors": VECTORS}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="phase", required=True)
    b = sub.add_parser("build")
    b.add_argument("source", type=Path)
    b.add_argument("target", type=Path)
    b.add_argument("--n", type=int, default=100_000)
    s = sub.add_parser("search")
    s.add_argument("target", type=Path)
    s.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(build(args.source, args.target, args.n)))
    else:
        print(json.dumps(search(args.target, args.queries)))


if __name__ == "__main__":
    main()
