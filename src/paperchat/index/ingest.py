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
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paperchat.corpus import Paper, Problem, real_path
from paperchat.corpus.stream import CorpusScan, scan_corpus
from paperchat.errors import IndexMissingError, InputError
from paperchat.index.chunking import Chunk, Chunker
from paperchat.index.embedders import Embedder
from paperchat.index.prefetch import prefetched
from paperchat.index.snapshot import (
    build_snapshot,
    prune_snapshots,
    save_snapshot,
    snapshot_dir,
)
from paperchat.index.store import DIRTY, StoredChunk, VectorStore

BATCH = 64  # chunks per embed call
WRITE_ROWS = 512  # chunks per Chroma upsert
PAPER_BATCH = 64  # papers planned per step of the reader thread


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
class _Step:
    """What planning one batch of papers found: chunks to embed, metadata to rewrite."""

    papers: int
    embed: list[tuple[Chunk, dict]]
    update: list[tuple[str, dict]]


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
    papers: Iterable[Paper], chunker: Chunker, stored: dict[str, StoredChunk], report: IngestReport
) -> Iterator[_Step]:
    """Compare each paper's chunks with the store, PAPER_BATCH papers at a time. Every
    chunk id met is taken out of `stored`, so what is left there at the end is gone from
    the sources."""
    batch: list[Paper] = []
    for paper in papers:
        batch.append(paper)
        if len(batch) == PAPER_BATCH:
            yield _plan_step(batch, chunker, stored, report)
            batch = []
    if batch:
        yield _plan_step(batch, chunker, stored, report)


def _plan_step(
    papers: list[Paper], chunker: Chunker, stored: dict[str, StoredChunk], report: IngestReport
) -> _Step:
    step = _Step(len(papers), [], [])
    for paper in papers:
        for chunk in chunker.split(paper):
            meta = chunk_metadata(chunk, paper)
            report.chunks += 1
            old = stored.pop(chunk.id, None)
            if old is None or old.text_hash != chunk.text_hash:
                step.embed.append((chunk, meta))
            elif old.meta_hash != meta["meta_hash"]:
                step.update.append((chunk.id, meta))
    return step


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


def _fruitless(new_sources: Sequence[str], corpus: CorpusScan) -> list[str]:
    """The newly given paths none of whose files yielded a paper: they are reported and
    not remembered, so a mistyped or broken path does not haunt every later run."""
    return [
        source
        for source in new_sources
        if not any(f.name in corpus.named for f in corpus.files if _under(str(f), [source]))
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
    # Read first: input that yields nothing must fail before anything (even --rebuild)
    # touches the index.
    corpus = scan_corpus([Path(s) for s in sources])
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
        papers=corpus.papers,
        problems=list(corpus.problems),
    )
    stored = store.manifest()
    if not corpus.papers and not stored:
        raise InputError(
            "no papers found in " + ", ".join(sources) + "; give files in a supported format "
            "(.txt listings, arXiv .jsonl, .bib with abstracts)"
        )
    protected = _protected(store, corpus.problems) if stored else set()
    dirty = info.get("version") == DIRTY

    def mark_dirty() -> None:
        nonlocal dirty
        store.set_info(version=DIRTY, sources=json.dumps(sources))
        dirty = True

    steps = _plan(corpus.iter_papers(), chunker, stored, report)
    with _BackgroundWrites(store, before_first=mark_dirty) as writer:
        _embed_and_write(steps, embedder, writer, report, show_progress)
    # What is left in `stored` was not met: gone from the sources, unless unreadable now.
    delete = [cid for cid, old in stored.items() if old.paper_id not in protected]
    report.kept = len(stored) - len(delete)
    if delete:
        if not dirty:
            mark_dirty()
        store.delete(delete)
    report.deleted = len(delete)

    if dirty:
        version = uuid.uuid4().hex
        # The snapshot (with its evidence) is written before the version is stamped, so
        # a reader that sees the new version finds its snapshot ready.
        snapshot = build_snapshot(store, version, embedder=embedder, cache_root=cache_root)
        save_snapshot(snapshot, snapshot_dir(cache_root, store, version))
        store.set_info(version=version, sources=json.dumps(sources))
        prune_snapshots(cache_root, store, keep=version)
    elif sources != remembered:
        store.set_info(sources=json.dumps(sources))
    report.seconds = time.perf_counter() - started
    return report


def _embed_and_write(
    steps: Iterator[_Step],
    embedder: Embedder,
    writer: _BackgroundWrites,
    report: IngestReport,
    show_progress: bool,
) -> None:
    """Three stages at once, each holding a few batches: a reader thread parses, chunks
    and plans papers (Python), this thread embeds (ONNX Runtime, outside the GIL), the
    writer thread stores. The bar counts papers, so its rate and ETA are papers'."""
    from tqdm import tqdm

    pending: list[tuple[Chunk, dict]] = []

    def embed(batch: list[tuple[Chunk, dict]]) -> None:
        writer.upsert(batch, embedder.embed_documents([chunk.text for chunk, _ in batch]))
        report.embedded += len(batch)

    with tqdm(total=report.papers, desc="ingest", unit="paper", disable=not show_progress) as bar:
        for step in prefetched(steps, depth=4):
            pending.extend(step.embed)
            while len(pending) >= BATCH:
                embed(pending[:BATCH])
                del pending[:BATCH]
            if step.update:
                writer.update(step.update)
                report.updated += len(step.update)
            bar.update(step.papers)
            bar.set_postfix(embedded=report.embedded, refresh=False)
        if pending:
            embed(pending)


class _BackgroundWrites:
    """One thread that applies embedded batches and metadata updates in order.

    Upserted batches are gathered into calls of WRITE_ROWS rows: each Chroma call has a
    fixed cost (846 chunks: 0.9 s of CPU in calls of 64, 0.65 s in one call). The queue
    holds at most 8 items, which bounds the vectors in memory. `before_first` runs in the
    calling thread before the first write is handed over (ingest stamps the collection
    dirty there). A failed write stops the writes; the error is raised in the ingest
    thread at its next call or on leaving the block. Leaving the block, even by an
    exception, waits for what is queued, so nothing is written after the caller moves on.
    """

    def __init__(self, store: VectorStore, before_first: Callable[[], None]):
        self._store = store
        self._before_first: Callable[[], None] | None = before_first
        self._queue: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    def __enter__(self) -> _BackgroundWrites:
        self._thread.start()
        return self

    def upsert(self, batch: list[tuple[Chunk, dict]], vectors) -> None:
        self._put(("upsert", batch, vectors))

    def update(self, rows: list[tuple[str, dict]]) -> None:
        self._put(("update", rows, None))

    def _put(self, item) -> None:
        self._raise()
        if self._before_first is not None:
            self._before_first()
            self._before_first = None
        self._queue.put(item)

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
        while True:
            item = self._queue.get()
            if item is not None and item[0] == "upsert":
                rows.extend(item[1])
                vectors.extend(item[2])
                if len(rows) < WRITE_ROWS:
                    continue
            # after a failure, keep draining so `_put` never blocks
            if rows and self._error is None:
                self._apply(self._upsert, rows, vectors)
            rows, vectors = [], []
            if item is None:
                return
            if item[0] == "update" and self._error is None:
                self._apply(self._update, item[1])

    def _apply(self, write, *args) -> None:
        try:
            write(*args)
        except BaseException as exc:  # handed to the ingest thread, raised there
            self._error = exc

    def _upsert(self, rows: list[tuple[Chunk, dict]], vectors: list) -> None:
        self._store.upsert(
            [chunk.id for chunk, _ in rows],
            vectors,
            [chunk.text for chunk, _ in rows],
            [meta for _, meta in rows],
        )

    def _update(self, rows: list[tuple[str, dict]]) -> None:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            self._store.update_metadata([cid for cid, _ in batch], [meta for _, meta in batch])
