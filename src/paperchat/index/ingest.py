"""Ingest: sources → papers → chunks → a store that holds exactly those chunks.

The store is reconciled, not appended to: every chunk carries a hash of its text and of
its metadata, so a run embeds only new or changed text, rewrites only changed metadata,
deletes only chunks whose paper is gone, and a run that was killed half-way is finished
by the next one. The collection is stamped `dirty` while writing and with a fresh version
when done, so readers rebuild their BM25 snapshot from what is really stored.

Memory stays bounded as the corpus grows: the sources are read as a stream of merged
papers (corpus/stream.py), chunked PAPER_BATCH papers at a time by a reader (a thread,
or a child process for a large corpus: index/prefetch.py), planned against the store,
embedded BATCH chunks at a time and written by the writer thread (index/writes.py),
with a few batches queued between the stages. What grows with the corpus is the
store's manifest (chunk id and two hashes per stored chunk) and the merge plan.

The collection remembers its source paths: `paperchat ingest more.jsonl` adds that file
to them and re-reads all (parsing is cheap; embedding is what is cached), so papers that
appear in several files merge the same way whatever order the files came in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from paperchat.corpus import Paper, Problem, real_path
from paperchat.corpus.stream import CorpusScan, scan_corpus
from paperchat.corpus_map.build import build_corpus_map, save_corpus_map
from paperchat.errors import IndexMissingError, InputError
from paperchat.index.chunking import Chunk, Chunker
from paperchat.index.embedders import Embedder
from paperchat.index.prefetch import prefetched, prefetched_in_process
from paperchat.index.snapshot import (
    build_snapshot,
    prune_snapshots,
    snapshot_dir,
    write_snapshot,
)
from paperchat.index.store import DIRTY, StoredChunk, VectorStore
from paperchat.index.writes import BackgroundWrites

log = logging.getLogger(__name__)

BATCH = 64  # chunks per embed call
PAPER_BATCH = 64  # papers chunked per step of the reader
# papers from which the reader is a child process: it then runs beside Chroma's writes
# (which hold this process's GIL) instead of taking turns with them; below, a fork is
# not worth its start
READER_PROCESS_FROM = 5_000


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


Chunked = tuple[int, list[tuple[Chunk, dict]]]  # papers, and their chunks with metadata


def _chunked(papers: Iterable[Paper], chunker: Chunker) -> Iterator[Chunked]:
    """The papers' chunks and their metadata, PAPER_BATCH papers at a time (the reader's
    work: parsing, splitting and hashing, all Python)."""
    stream = iter(papers)
    while batch := list(islice(stream, PAPER_BATCH)):
        yield len(batch), [(c, chunk_metadata(c, p)) for p in batch for c in chunker.split(p)]


def _plan(
    batches: Iterable[Chunked], stored: dict[str, StoredChunk], report: IngestReport
) -> Iterator[_Step]:
    """Compare each batch's chunks with the store. Every chunk id met is taken out of
    `stored`, so what is left there at the end is gone from the sources."""
    for papers, chunks in batches:
        step = _Step(papers, [], [])
        for chunk, meta in chunks:
            report.chunks += 1
            old = stored.pop(chunk.id, None)
            if old is None or old.text_hash != chunk.text_hash:
                step.embed.append((chunk, meta))
            elif old.meta_hash != meta["meta_hash"]:
                step.update.append((chunk.id, meta))
        yield step


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
    snapshot_root: Path | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
) -> IngestReport:
    """Bring the store in line with the given (and remembered) sources. Caller holds the lock.

    The new version's snapshot goes under `snapshot_root` (default `cache_root`): a
    folder shared by the replicas of this store lets every one of them load it."""
    snapshot_root = snapshot_root or cache_root
    started = time.perf_counter()
    remembered = _remembered_sources(store)
    sources = resolve_sources(paths, remembered, default_corpus)
    # Read first: input that yields nothing must fail before anything (even --rebuild)
    # touches the index.
    corpus = _read(sources, show_progress)
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

    read_ahead = prefetched_in_process if corpus.papers >= READER_PROCESS_FROM else prefetched
    steps = _plan(read_ahead(_chunked(corpus.iter_papers(), chunker), depth=4), stored, report)
    with BackgroundWrites(store, before_first=mark_dirty) as writer:
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
        store.set_search_breadth(store.count())
        version = uuid.uuid4().hex
        # The snapshot (with its evidence, and the corpus map made from it) is written
        # before the version is stamped, so a reader that sees the new version finds
        # them ready.
        folder = snapshot_dir(snapshot_root, store, version)
        try:  # a page of papers at a time, straight into the version's folder
            snapshot = write_snapshot(
                store, version, folder, embedder=embedder, cache_root=cache_root
            )
        except OSError as exc:  # a cache: readers build their own (see snapshot.py)
            log.warning("could not write the index snapshot in %s: %s", folder, exc)
            snapshot = build_snapshot(store, version, embedder=embedder, cache_root=cache_root)
        save_corpus_map(build_corpus_map(snapshot), folder)
        store.set_info(version=version, sources=json.dumps(sources))
        prune_snapshots(snapshot_root, store, keep=version)
    elif sources != remembered:
        store.set_info(sources=json.dumps(sources))
    report.seconds = time.perf_counter() - started
    return report


def _read(sources: Sequence[str], show_progress: bool) -> CorpusScan:
    """The first pass over the sources, with a bar of records read (no total is known
    before reading; the second pass's bar has one)."""
    from tqdm import tqdm

    with tqdm(desc="reading", unit="record", disable=not show_progress) as bar:
        return scan_corpus([Path(s) for s in sources], on_record=bar.update)


def _embed_and_write(
    steps: Iterator[_Step],
    embedder: Embedder,
    writer: BackgroundWrites,
    report: IngestReport,
    show_progress: bool,
) -> None:
    """Three stages at once, each holding a few batches: the reader parses and chunks
    papers (Python), this thread plans and embeds (ONNX Runtime, outside the GIL), the
    writer thread stores. The bar counts papers, so its rate and ETA are papers'."""
    from tqdm import tqdm

    pending: list[tuple[Chunk, dict]] = []

    def embed(batch: list[tuple[Chunk, dict]]) -> None:
        writer.upsert(batch, embedder.embed_documents([chunk.text for chunk, _ in batch]))
        report.embedded += len(batch)

    with tqdm(total=report.papers, desc="ingest", unit="paper", disable=not show_progress) as bar:
        for step in steps:
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
