"""What search needs besides Chroma: the paper catalog and the BM25 index, per version.

Both are derived from the store. Ingest stamps the collection with a fresh version when it
finishes (and `dirty` while it writes); the snapshot for a clean version is cached under
the data dir, so a one-shot CLI search loads it instead of rebuilding it.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from paperchat.corpus.paper import Paper
from paperchat.index.keyword import KeywordIndex
from paperchat.index.store import DIRTY, VectorStore

PAPERS_FILE = "papers.jsonl"

log = logging.getLogger(__name__)


@dataclass
class IndexSnapshot:
    version: str
    papers: dict[str, Paper]
    keyword: KeywordIndex


def snapshot_dir(cache_root: Path, store: VectorStore, version: str) -> Path:
    return cache_root / getattr(store, "name", "index") / version


def load_snapshot(store: VectorStore, cache_root: Path, top_k: int = 50) -> IndexSnapshot:
    version = str(store.info().get("version", DIRTY))
    cached = snapshot_dir(cache_root, store, version)
    if version != DIRTY and (cached / PAPERS_FILE).exists():
        try:
            lines = (cached / PAPERS_FILE).read_text(encoding="utf-8").splitlines()
            papers = [Paper.model_validate_json(line) for line in lines if line]
            return IndexSnapshot(
                version, {p.id: p for p in papers}, KeywordIndex.load(cached / "bm25", top_k)
            )
        except OSError as exc:  # pruned by an ingest that moved on meanwhile: rebuild
            log.info("snapshot cache %s went away while loading (%s); rebuilding", cached, exc)
    snapshot = build_snapshot(store, version, top_k)
    if version != DIRTY:
        save_snapshot(snapshot, cached)
    return snapshot


def build_snapshot(store: VectorStore, version: str, top_k: int = 50) -> IndexSnapshot:
    papers = {p.id: p for p in store.papers()}
    return IndexSnapshot(version, papers, KeywordIndex.build(store.chunk_texts(), top_k))


def save_snapshot(snapshot: IndexSnapshot, target: Path) -> None:
    """Write to a temporary folder, then rename: readers see a whole snapshot or none.

    The snapshot is a cache (the store holds the truth), so failing to write it is logged,
    not raised: a search that built the snapshot in memory still answers."""
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with (tmp / PAPERS_FILE).open("w", encoding="utf-8") as out:
            for paper in snapshot.papers.values():
                out.write(paper.model_dump_json() + "\n")
        snapshot.keyword.save(tmp / "bm25")
        tmp.rename(target)
    except OSError as exc:
        if not (target / PAPERS_FILE).exists():  # else another process saved it first
            log.warning("could not cache the index snapshot in %s: %s", target, exc)
        shutil.rmtree(tmp, ignore_errors=True)


def prune_snapshots(cache_root: Path, store: VectorStore, keep: str) -> None:
    """Remove the snapshots of other versions. Folders where another process is still
    writing the kept version (`<keep>.tmp<pid>`) are left to it."""
    keep_dir = snapshot_dir(cache_root, store, keep)
    if not keep_dir.parent.exists():
        return
    for entry in keep_dir.parent.iterdir():
        if entry != keep_dir and not entry.name.startswith(f"{keep}.tmp"):
            shutil.rmtree(entry, ignore_errors=True)
