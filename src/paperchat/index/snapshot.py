"""What search needs besides Chroma, per version: the paper catalog, the BM25 index and
the evidence (sentence vectors, term statistics, vocabulary: index/evidence.py).

All three are derived from the store. Ingest stamps the collection with a fresh version when it
finishes (and `dirty` while it writes), and writes that version's snapshot before it
stamps it. Snapshots live under a snapshot root: the data dir's cache by default, or a
folder every replica of one store reads (PAPERCHAT_SNAPSHOT_DIR), so a replica that starts
or moves to a new version loads the snapshot the writer built instead of rebuilding it
from every chunk text. A process that finds none (a dirty version, a root not shared)
builds it and saves it there for the next one.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from paperchat.corpus.paper import Paper
from paperchat.index.catalog import (
    PAPERS_FILE,
    PaperCatalog,
    corpus_hash,
    read_papers,
    write_catalog,
)
from paperchat.index.embedders import Embedder
from paperchat.index.evidence import Evidence
from paperchat.index.evidence_writer import EvidenceWriter
from paperchat.index.keyword import KeywordIndex
from paperchat.index.keyword_writer import write_keyword_index
from paperchat.index.store import DIRTY, VectorStore
from paperchat.index.vector_cache import SentenceVectorCache

EVIDENCE_DIR = "evidence"

log = logging.getLogger(__name__)


@dataclass
class IndexSnapshot:
    version: str
    papers: Mapping[str, Paper]  # a dict when built here, a PaperCatalog when loaded
    keyword: KeywordIndex
    evidence: Evidence

    def __post_init__(self) -> None:
        self.evidence.use_postings(self.keyword)  # phrases are looked up through BM25's

    @cached_property
    def corpus_hash(self) -> str:
        """sha256 over the papers (answer provenance): saved with a loaded catalog, else
        worked out once per version, not per answer (0.4 s at 100,000 papers)."""
        if isinstance(self.papers, PaperCatalog):
            return self.papers.corpus_hash
        return corpus_hash(self.papers)


def snapshot_dir(root: Path, store: VectorStore, version: str) -> Path:
    return root / getattr(store, "name", "index") / version


def sentence_vector_cache(cache_root: Path, embedder: Embedder) -> SentenceVectorCache:
    """Sentence vectors by content, shared by every version built with this embedder."""
    return SentenceVectorCache(cache_root / "evidence", embedder.name, embedder.dim)


def load_snapshot(
    store: VectorStore,
    root: Path,
    top_k: int = 50,
    *,
    embedder: Embedder,
    cache_root: Path | None = None,
) -> IndexSnapshot:
    """The snapshot of the store's current version: loaded from `root` when saved there,
    else built from the store (sentence vectors cached under `cache_root`) and saved."""
    version = str(store.info().get("version", DIRTY))
    cached = snapshot_dir(root, store, version)
    if (
        version != DIRTY
        and (cached / PAPERS_FILE).exists()
        and Evidence.exists(cached / EVIDENCE_DIR)
    ):
        started = time.perf_counter()
        try:
            snapshot = _read_snapshot(cached, version, top_k)
        except OSError as exc:  # pruned by an ingest that moved on meanwhile: rebuild
            log.info("snapshot cache %s went away while loading (%s); rebuilding", cached, exc)
        else:
            log.info(
                "index version %s: snapshot loaded from %s in %.2f s (%d papers)",
                version,
                cached,
                time.perf_counter() - started,
                len(snapshot.papers),
            )
            return snapshot
    log.info("index version %s: building its snapshot from the store", version)
    snapshot = build_snapshot(store, version, top_k, embedder=embedder, cache_root=cache_root)
    if version != DIRTY:
        save_snapshot(snapshot, cached)
    return snapshot


def _read_snapshot(folder: Path, version: str, top_k: int) -> IndexSnapshot:
    """Open a saved snapshot: its papers and sentences stay on disk, read per paper (a
    snapshot saved before they had an index is read whole)."""
    if PaperCatalog.exists(folder):
        papers: Mapping[str, Paper] = PaperCatalog(folder)
    else:
        papers = read_papers(folder / PAPERS_FILE)
    return IndexSnapshot(
        version,
        papers,
        KeywordIndex.load(folder / "bm25", top_k),
        Evidence.load(folder / EVIDENCE_DIR, papers),
    )


def build_snapshot(
    store: VectorStore,
    version: str,
    top_k: int = 50,
    *,
    embedder: Embedder,
    cache_root: Path | None = None,
) -> IndexSnapshot:
    papers = {p.id: p for p in store.papers()}
    cache = sentence_vector_cache(cache_root, embedder) if cache_root is not None else None
    evidence = Evidence.build(
        papers, embedder.embed_documents, cache=cache, embedder_name=embedder.name
    )
    return IndexSnapshot(version, papers, KeywordIndex.build(store.chunk_texts(), top_k), evidence)


def write_snapshot(
    store: VectorStore,
    version: str,
    target: Path,
    top_k: int = 50,
    *,
    embedder: Embedder,
    cache_root: Path | None = None,
) -> IndexSnapshot:
    """Write the version's snapshot from the store straight into `target` (a temporary
    folder, then renamed), a page of papers at a time, and open it: what the writer does.
    build_snapshot + save_snapshot hold every paper, sentence vector and chunk's tokens
    at once (2.7 GB at 100,000 papers); this holds a page of papers, then a page of
    chunks (index/keyword_writer.py), and what grows with the vocabulary.
    Raises OSError when the folder cannot be written; the version is then not stamped."""
    tmp = _temporary(target)
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        cache = sentence_vector_cache(cache_root, embedder) if cache_root is not None else None
        evidence = EvidenceWriter(
            tmp / EVIDENCE_DIR, embedder.embed_documents, cache=cache, embedder_name=embedder.name
        )
        write_catalog(_added_to(evidence, store.iter_papers()), tmp)
        evidence.close()
        del evidence  # its term counts and words go before BM25 builds its own
        write_keyword_index(store.chunk_texts(), tmp / "bm25", top_k)
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not PaperCatalog.exists(target):  # else another process wrote it first
            raise
    return _read_snapshot(target, version, top_k)


def _added_to(evidence: EvidenceWriter, papers: Iterator[Paper]) -> Iterator[Paper]:
    """The papers, each added to the evidence as it passes (one read of the store)."""
    for paper in papers:
        evidence.add(paper)
        yield paper


def _temporary(target: Path) -> Path:
    # pid and a random tag: replicas on other hosts may share the folder
    return target.with_name(f"{target.name}.tmp{os.getpid()}-{uuid.uuid4().hex[:8]}")


def save_snapshot(snapshot: IndexSnapshot, target: Path) -> None:
    """Write to a temporary folder, then rename: readers see a whole snapshot or none.

    The snapshot is a cache (the store holds the truth), so failing to write it is logged,
    not raised: a search that built the snapshot in memory still answers."""
    tmp = _temporary(target)
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        write_catalog(snapshot.papers.values(), tmp)
        snapshot.keyword.save(tmp / "bm25")
        snapshot.evidence.save(tmp / EVIDENCE_DIR)
        tmp.rename(target)
    except OSError as exc:
        if not (target / PAPERS_FILE).exists():  # else another process saved it first
            log.warning("could not cache the index snapshot in %s: %s", target, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def prune_snapshots(root: Path, store: VectorStore, keep: str) -> None:
    """Remove the snapshots of other versions. Folders where another process is still
    writing the kept version (`<keep>.tmp<pid>`) are left to it. A replica still serving
    an older version keeps what it loaded (its vectors are memory-mapped, and a mapped
    file outlives its name)."""
    keep_dir = snapshot_dir(root, store, keep)
    if not keep_dir.parent.exists():
        return
    for entry in keep_dir.parent.iterdir():
        if entry != keep_dir and not entry.name.startswith(f"{keep}.tmp"):
            shutil.rmtree(entry, ignore_errors=True)
