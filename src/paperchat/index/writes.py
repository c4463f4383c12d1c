"""The ingest writer: one thread that stores embedded batches while the next are embedded.

Chroma's upserts (and metadata updates) overlap the encoder instead of adding to it;
the queue between them is short, so what waits to be written stays bounded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from paperchat.index.chunking import Chunk
from paperchat.index.store import VectorStore

UPDATE_ROWS = 64  # rows per metadata update call
WRITE_ROWS = 512  # chunks per Chroma upsert


class BackgroundWrites:
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

    def __enter__(self) -> BackgroundWrites:
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
        for start in range(0, len(rows), UPDATE_ROWS):
            batch = rows[start : start + UPDATE_ROWS]
            self._store.update_metadata([cid for cid, _ in batch], [meta for _, meta in batch])
