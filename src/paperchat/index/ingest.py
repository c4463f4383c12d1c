"""Ingest: sources → papers → chunks → a store that holds exactly those chunks.

The store is reconciled, not appended to: every chunk carries a hash of its text and of
its metadata, so a run embeds only new or changed text, rewrites only changed metadata,
deletes only chunks whose paper is gone, and a run that was killed half-way is finished
by the next one. The collection is stamped `dirty` while writing and with a fresh version
when done, so readers rebuild their BM25 snapshot from what is really stored.

The collection remembers its source paths: `paperchat ingest more.jsonl` adds that file
to them and re-reads all (parsing is cheap; embedding is what is cached), so papers that
appear in several files merge the same way whatever order the files came in.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperchat.corpus import Paper, Problem, load_corpus, real_path
from paperchat.errors import IndexMissingError, InputError
from paperchat.index.chunking import Chunk, Chunker
from paperchat.index.embedders import Embedder
from paperchat.index.snapshot import (
    build_snapshot,
    prune_snapshots,
    save_snapshot,
    snapshot_dir,
)
from paperchat.index.store import DIRTY, StoredChunk, VectorStore

BATCH = 64  # chunks per embed call
WRITE_ROWS = 512  # chunks per Chroma upsert


@dataclass
class IngestReport:
    sources: list[str]
    files: int = 0
    listings: int = 0
    papers: int = 0
    chunks: int = 0
    embedded: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.embedded or self.updated or self.deleted)


@dataclass
class _Plan:
    embed: list[tuple[Chunk, dict]] = field(default_factory=list)
    update: list[tuple[str, dict]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    kept: int = 0


def chunk_metadata(chunk: Chunk, paper: Paper) -> dict:
    """Chroma metadata of one chunk; the first chunk of a paper carries the paper record."""
    meta: dict = {"paper_id": paper.id, "chunk": chunk.index, "text_hash": chunk.text_hash}
    if paper.year is not None:
        meta["year"] = paper.year
    if chunk.index == 0:
        meta["paper"] = paper.model_dump_json()
    meta["meta_hash"] = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:20]
    return meta


def _plan(
    papers: list[Paper],
    chunker: Chunker,
    stored: dict[str, StoredChunk],
    protected_papers: set[str],
) -> tuple[_Plan, int]:
    plan = _Plan()
    wanted: set[str] = set()
    for paper in papers:
        for chunk in chunker.split(paper):
            meta = chunk_metadata(chunk, paper)
            wanted.add(chunk.id)
            old = stored.get(chunk.id)
            if old is None or old.text_hash != chunk.text_hash:
                plan.embed.append((chunk, meta))
            elif old.meta_hash != meta["meta_hash"]:
                plan.update.append((chunk.id, meta))
    for chunk_id, old in stored.items():
        if chunk_id in wanted:
            continue
        if old.paper_id in protected_papers:
            plan.kept += 1
        else:
            plan.delete.append(chunk_id)
    return plan, len(wanted)


def _protected(store: VectorStore, problems: list[Problem]) -> set[str]:
    """Stored papers this run could not read again, so it keeps them: those from a file
    that could not be read at all, and those listed at a line whose record is now
    malformed. Input that broke is reported and fixed by the user; it never deletes."""
    bad_files = {Path(p.path).name for p in problems if p.line is None}
    bad_records = {f"{Path(p.path).name}:{p.line}" for p in problems if p.line is not None}
    if not (bad_files or bad_records):
        return set()
    return {
        paper.id
        for paper in store.papers()
        if any(s.rsplit(":", 1)[0] in bad_files or s in bad_records for s in paper.sources)
    }


def _remembered_sources(store: VectorStore) -> list[str]:
    try:
        return json.loads(store.info().get("sources", "[]"))
    except IndexMissingError:
        return []


def _under(path: str, roots: Sequence[str]) -> bool:
    resolved = Path(real_path(path))
    return any(resolved == Path(r) or Path(r) in resolved.parents for r in roots)


def _fruitless(new_sources: Sequence[str], corpus) -> list[str]:
    """The newly given paths none of whose files yielded a paper: they are reported and
    not remembered, so a mistyped or broken path does not haunt every later run."""
    named = {src.rsplit(":", 1)[0] for paper in corpus.papers for src in paper.sources}
    return [
        source
        for source in new_sources
        if not any(f.name in named for f in corpus.files if _under(str(f), [source]))
    ]


def resolve_sources(given: Sequence[Path], remembered: list[str], default: Path) -> list[str]:
    paths = [real_path(p) for p in given]  # real_path: a symlink loop is reported, not raised
    if not paths and not remembered:
        paths = [real_path(default)]
    return list(dict.fromkeys([*remembered, *paths]))


def ingest(
    paths: Sequence[Path],
    *,
    store: VectorStore,
    embedder: Embedder,
    chunker: Chunker,
    default_corpus: Path,
    cache_root: Path,
    rebuild: bool = False,
    show_progress: bool = False,
) -> IngestReport:
    """Bring the store in line with the given (and remembered) sources. Caller holds the lock."""
    started = time.perf_counter()
    remembered = _remembered_sources(store)
    sources = resolve_sources(paths, remembered, default_corpus)
    # Parse first: input that yields nothing must fail before anything (even --rebuild)
    # touches the index.
    corpus = load_corpus([Path(s) for s in sources])
    given = [s for s in sources if s not in remembered]
    fruitless = _fruitless(given, corpus)
    if given and len(fruitless) == len(given):
        reasons = "; ".join(str(p) for p in corpus.problems if _under(p.path, fruitless))
        raise InputError(
            f"no papers found in {', '.join(fruitless)} ({reasons or 'nothing parsed'}); "
            "the index is unchanged. Give files in a supported format "
            "(.txt listings, arXiv .jsonl, .bib with abstracts)"
        )
    sources = [s for s in sources if s not in fruitless]  # only remember what gave papers
    if rebuild:
        store.reset()
    store.open(embedder.name, embedder.dim, create=True)
    info = store.info()

    report = IngestReport(
        sources=sources,
        files=len(corpus.files),
        listings=corpus.listings,
        papers=len(corpus.papers),
        problems=list(corpus.problems),
    )
    stored = store.manifest()
    if not corpus.papers and not stored:
        raise InputError(
            "no papers found in " + ", ".join(sources) + "; give files in a supported format "
            "(.txt listings, arXiv .jsonl, .bib with abstracts)"
        )
    protected = _protected(store, corpus.problems) if stored else set()
    plan, report.chunks = _plan(corpus.papers, chunker, stored, protected)
    report.kept = plan.kept

    if plan.embed or plan.update or plan.delete or info.get("version") == DIRTY:
        store.set_info(version=DIRTY, sources=json.dumps(sources))
        _write(store, embedder, plan, show_progress)
        store.set_search_breadth(store.count())
        version = uuid.uuid4().hex
        # The snapshot (with its evidence) is written before the version is stamped, so
        # a reader that sees the new version finds its snapshot ready.
        snapshot = build_snapshot(store, version, embedder=embedder, cache_root=cache_root)
        save_snapshot(snapshot, snapshot_dir(cache_root, store, version))
        store.set_info(version=version, sources=json.dumps(sources))
        prune_snapshots(cache_root, store, keep=version)
    elif sources != remembered:
        store.set_info(sources=json.dumps(sources))

    report.embedded, report.updated, report.deleted = (
        len(plan.embed),
        len(plan.update),
        len(plan.delete),
    )
    report.seconds = time.perf_counter() - started
    return report


def _write(store: VectorStore, embedder: Embedder, plan: _Plan, show_progress: bool) -> None:
    """Embed in batches while a writer thread stores the batches already embedded: Chroma's
    upserts overlap the encoder instead of adding to it. Every upsert has landed before
    the metadata updates, the deletes and (in the caller) the version stamp."""
    from tqdm import tqdm

    with (
        tqdm(
            total=len(plan.embed), desc="embedding", unit="chunk", disable=not show_progress
        ) as bar,
        _BackgroundUpserts(store) as writer,
    ):
        for start in range(0, len(plan.embed), BATCH):
            batch = plan.embed[start : start + BATCH]
            vectors = embedder.embed_documents([chunk.text for chunk, _ in batch])
            writer.put(batch, vectors)
            bar.update(len(batch))
    for start in range(0, len(plan.update), BATCH):
        batch = plan.update[start : start + BATCH]
        store.update_metadata([cid for cid, _ in batch], [meta for _, meta in batch])
    store.delete(plan.delete)


class _BackgroundUpserts:
    """One thread that upserts embedded batches in the order they were embedded.

    Batches are gathered into upserts of WRITE_ROWS rows: each Chroma call has a fixed
    cost (846 chunks: 0.9 s of CPU in calls of 64, 0.65 s in one call).
    A failed upsert stops it; the error is raised in the ingest thread at its next `put`
    or on leaving the block. Leaving the block, even by an exception, waits for the
    batches already queued, so nothing is written after the caller moves on.
    """

    def __init__(self, store: VectorStore):
        import queue
        import threading

        self._store = store
        self._queue: queue.Queue = queue.Queue(maxsize=8)  # bounds vectors held in memory
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    def __enter__(self) -> _BackgroundUpserts:
        self._thread.start()
        return self

    def put(self, batch: list[tuple[Chunk, dict]], vectors) -> None:
        self._raise()
        self._queue.put((batch, vectors))

    def __exit__(self, exc_type, exc, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc_type is None:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        rows: list[tuple[Chunk, dict]] = []
        vectors: list = []
        done = False
        while not done:
            item = self._queue.get()
            if item is None:
                done = True
            else:
                rows.extend(item[0])
                vectors.extend(item[1])
            if not rows or not (done or len(rows) >= WRITE_ROWS):
                continue
            if self._error is None:  # after a failure, keep draining so `put` never blocks
                try:
                    self._store.upsert(
                        [chunk.id for chunk, _ in rows],
                        vectors,
                        [chunk.text for chunk, _ in rows],
                        [meta for _, meta in rows],
                    )
                except BaseException as exc:  # handed to the ingest thread, raised there
                    self._error = exc
            rows, vectors = [], []
