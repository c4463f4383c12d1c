"""Scale: N synthetic papers in a real paperchat index, searched through HybridSearcher.

Synthetic papers are built from the bundled corpus: each title is a real title with a
number, each abstract 3-6 real abstract sentences drawn at random from all abstracts.
Their vectors are not encodes of that text but stand in for them: the normalised mean of
the vectors the bundled index holds for those sentences, so 100k papers need no 100k
encodes and dense search sees the text keyword search sees. (Until 2026-12-07 each
vector was a random real chunk vector plus noise, ~0.98 cosine to it, unrelated to the
paper's text: every real chunk had N/466 near-copies, a crowd no real corpus makes.)
Papers and vectors go into Chroma through paperchat's ChromaStore with ingest's chunk
metadata; the BM25 snapshot is paperchat's own (write_snapshot, as ingest writes it),
and search runs through build_searcher.
The snapshot's evidence gets real sentence vectors without encoding: every synthetic
sentence is a real abstract sentence, so its vector is looked up in the bundled index's
evidence (`KnownSentences`); the few the splitter cuts differently get a random unit
vector, and their count is reported.

Each phase runs in its own process (`python -m bench.scale build|search ...`, JSON on
stdout) so its memory is its own; the corpus map's load time is measured on the same
index (bench/map_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bench.common import latency_ms, proc_memory_mb, query_set, run_checked, settings_for

BATCH = 5000
VECTORS = "the mean of the vectors of the abstract's real sentences"


def _source(source_dir: Path):
    """(embedder name, real chunk vectors, papers) of an ingested bundled index."""
    from paperchat.build import build_store

    store = build_store(settings_for(source_dir))
    got = store.collection.get(include=["embeddings"])
    return store.info()["embedder"], np.asarray(got["embeddings"], dtype=np.float32), store.papers()


def synthetic(papers, n: int, sentence_vectors: Mapping[str, np.ndarray] | None = None, seed=7):
    """Yield (paper, chunk text, vector) for n synthetic papers; the vector is the unit
    mean of the abstract's `sentence_vectors` (None without them: for text-only uses),
    and only sentences that have one are drawn."""
    from paperchat.corpus.paper import Paper
    from paperchat.text.sentences import split_sentences

    rng = random.Random(seed)
    sentences = [s for p in papers for s in split_sentences(p.abstract) if len(s) > 30]
    if sentence_vectors is not None:
        sentences = [s for s in sentences if s in sentence_vectors]
    titles = [p.title or "Untitled" for p in papers]
    for i in range(n):
        drawn = rng.sample(sentences, rng.randint(3, 6))
        paper = Paper(
            id=f"syn:{i:06d}",
            title=f"{rng.choice(titles)} ({i})",
            abstract=" ".join(drawn),
            published=str(rng.randint(2015, 2025)),
        )
        vector = None
        if sentence_vectors is not None:
            vector = np.mean([sentence_vectors[s] for s in drawn], axis=0, dtype=np.float32)
            vector /= np.linalg.norm(vector)
        yield paper, f"{paper.title}\n{paper.abstract}", vector


class KnownSentences:
    """An embedder that knows the bundled corpus's sentence vectors and nothing else."""

    def __init__(self, source_dir: Path, name: str, dim: int):
        from paperchat.build import build_searcher

        evidence = build_searcher(settings_for(source_dir)).snapshot.evidence
        self.name, self.dim, self.misses = name, dim, 0
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
            if vector is None:
                self.misses += 1
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
    for paper, text, vector in synthetic(papers, n, sentences.vectors):
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
