"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank,
grouped so each paper appears once, carrying its best chunk.

A long-lived searcher (the server) follows the index: when an ingest in another process
stamps a new version, the next search moves to a fresh store client and that version's
snapshot, both at once. While an ingest is still writing (`dirty`) it keeps searching
the version it has, so a reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from paperchat.corpus.paper import Paper
from paperchat.errors import InputError
from paperchat.index.embedders import Embedder
from paperchat.index.snapshot import IndexSnapshot
from paperchat.index.store import DIRTY, VectorStore
from paperchat.retrieve.fusion import reciprocal_rank_fusion

Method = Literal["hybrid", "dense", "keyword"]
METHODS: tuple[Method, ...] = ("hybrid", "dense", "keyword")


@dataclass(frozen=True)
class SearchHit:
    paper: Paper
    score: float
    chunk_id: str
    chunk_text: str
    similarity: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class _Best:
    chunk_id: str
    text: str
    score: float


class HybridSearcher:
    def __init__(
        self,
        embedder: Embedder,
        store: VectorStore,
        snapshot: IndexSnapshot,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        reopen: Callable[[], tuple[VectorStore, IndexSnapshot]] | None = None,
        check_every: float = 1.0,
    ):
        self.embedder = embedder
        self._view = (store, snapshot)  # swapped as one tuple: never a store without its snapshot
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._reopen = reopen
        self._check_every = check_every
        self._checked = time.monotonic()
        self._moving = threading.Lock()

    @property
    def store(self) -> VectorStore:
        return self._view[0]

    @property
    def snapshot(self) -> IndexSnapshot:
        return self._view[1]

    @property
    def papers(self) -> dict[str, Paper]:
        return self.snapshot.papers

    def refresh(self) -> bool:
        """Move to the version a finished ingest stamped, if there is one; at most once per
        `check_every` seconds, and by one thread while the others keep the current view.
        Needs `reopen`: an embedded Chroma client keeps the vectors it loaded, so a new
        version needs a new client, not just a new snapshot."""
        if self._reopen is None or time.monotonic() - self._checked < self._check_every:
            return False
        if not self._moving.acquire(blocking=False):
            return False
        try:
            self._checked = time.monotonic()
            store, snapshot = self._view
            version = store.current_version()
            if version in (DIRTY, snapshot.version):
                return False
            new_store, new_snapshot = self._reopen()
            if new_snapshot.version == DIRTY:  # another ingest began meanwhile: wait for it
                return False
            self._view = (new_store, new_snapshot)
            return True
        finally:
            self._moving.release()

    def _dense(
        self, store: VectorStore, papers: dict[str, Paper], query: str, since: int | None
    ) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        for hit in store.query(self.embedder.embed_query(query), self.candidates, since):
            if hit.paper_id not in papers:  # written after this view's snapshot
                continue
            if hit.paper_id not in best:
                best[hit.paper_id] = _Best(hit.chunk_id, hit.text, hit.similarity)
        return best

    def _keyword(self, snapshot: IndexSnapshot, query: str, since: int | None) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        for hit in snapshot.keyword.search(query, self.candidates):
            paper = snapshot.papers.get(hit.paper_id)
            if paper is None or hit.paper_id in best:
                continue
            if since is not None and (paper.year is None or paper.year < since):
                continue
            best[hit.paper_id] = _Best(hit.chunk_id, hit.text, hit.score)
        return best

    def search(
        self, query: str, k: int = 5, *, since: int | None = None, method: Method = "hybrid"
    ) -> list[SearchHit]:
        query = query.strip()
        if not query:
            raise InputError("the query is empty: type some words to search for")
        if method not in METHODS:
            raise InputError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}")
        self.refresh()
        store, snapshot = self._view  # one view for the whole search
        dense = self._dense(store, snapshot.papers, query, since) if method != "keyword" else {}
        keyword = self._keyword(snapshot, query, since) if method != "dense" else {}
        fused = reciprocal_rank_fusion([list(dense), list(keyword)], k=self.rrf_k)
        hits = []
        for paper_id, score in fused.items():
            paper = snapshot.papers[paper_id]
            best = dense.get(paper_id) or keyword[paper_id]
            hits.append(
                SearchHit(
                    paper=paper,
                    score=score,
                    chunk_id=best.chunk_id,
                    chunk_text=best.text,
                    similarity=dense[paper_id].score if paper_id in dense else None,
                    keyword_score=keyword[paper_id].score if paper_id in keyword else None,
                )
            )
            if len(hits) == k:
                break
        return hits
