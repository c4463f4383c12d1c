"""Hybrid retrieval: the union of the dense (Chroma) and keyword (BM25) candidates, each
paper once with its best chunk, ranked by the relevance model (retrieve/relevance.py).

A long-lived searcher (the server) follows the index: when an ingest in another process
stamps a new version, the next search moves to a fresh store client and that version's
snapshot, both at once. While an ingest is still writing (`dirty`) it keeps searching
the version it has, so a reader sees the old index or the new one, never half of one.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.errors import InputError
from paperchat.index.catalog import from_year, papers_of, share_from
from paperchat.index.embedders import Embedder
from paperchat.index.evidence import Evidence
from paperchat.index.snapshot import IndexSnapshot
from paperchat.index.store import DIRTY, DenseHit, VectorStore
from paperchat.retrieve.query import Query, analyse
from paperchat.retrieve.relevance import Candidate, RelevanceModel, ScoredPaper, load_model, score

Method = Literal["hybrid", "dense", "keyword"]
MIN_SHARE = 0.05  # a year filter passed by this share of papers is applied after the search
OVERFETCH = 1.5  # neighbours fetched per one expected to pass it
MAX_FETCH = 2000
METHODS: tuple[Method, ...] = ("hybrid", "dense", "keyword")
# keyword search runs beside dense search, which mostly waits on Chroma (its server, or
# its Rust core, which releases the GIL): on a large index the two are each ~10 ms
_RETRIEVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="paperchat-keyword")


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
        relevance: RelevanceModel | None = None,
        reopen: Callable[[], tuple[VectorStore, IndexSnapshot]] | None = None,
        check_every: float = 1.0,
    ):
        self.embedder = embedder
        self._view = (store, snapshot)  # swapped as one tuple: never a store without its snapshot
        self.candidates = candidates
        self.rrf_k = rrf_k  # kept for settings compatibility; ranking is the relevance model
        self.relevance = relevance or load_model(embedder.name)
        self._reopen = reopen
        self._check_every = check_every
        self._checked = time.monotonic()
        self._moving = threading.Lock()
        self._shares: dict[tuple[int, int], float] = {}

    @property
    def store(self) -> VectorStore:
        return self._view[0]

    @property
    def snapshot(self) -> IndexSnapshot:
        return self._view[1]

    @property
    def papers(self) -> Mapping[str, Paper]:
        """The current version's papers by id (read from its snapshot when looked up)."""
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
            self._shares.clear()  # keyed by the catalog's id, which a new one may reuse
            return True
        finally:
            self._moving.release()

    def analyse(self, question: str, **follow_up) -> Query:
        """The question as a Query over the current version (embedded once)."""
        return analyse(
            question,
            self.snapshot.evidence,
            lambda texts: [self.embedder.embed_query(t) for t in texts],
            embed_words=self.embedder.embed_documents,
            **follow_up,
        )

    def _nearest(
        self,
        store: VectorStore,
        papers: Mapping[str, Paper],
        vector,
        since: int | None,
        texts: bool,
    ) -> list[DenseHit]:
        """The `candidates` chunks nearest the vector, of papers from `since` on.

        A year filter inside Chroma's search is slow on a large index (300 ms at 100,000
        papers, against 30 ms unfiltered); when enough of the corpus passes it, more
        neighbours are fetched unfiltered and filtered here by the catalog's years —
        the same chunks, as long as `candidates` of them pass."""
        embedding = [float(x) for x in vector]
        if since is None:
            return store.query(embedding, self.candidates, texts=texts)
        share = self._share_since(papers, since)
        if share >= MIN_SHARE:
            fetch = min(MAX_FETCH, math.ceil(self.candidates / share * OVERFETCH))
            hits = store.query(embedding, fetch, texts=texts)
            passes = from_year(papers, [h.paper_id for h in hits], since)
            kept = [h for h, ok in zip(hits, passes, strict=True) if ok]
            if len(kept) >= self.candidates or len(hits) < fetch:  # enough, or all there is
                return kept[: self.candidates]
        return store.query(embedding, self.candidates, since, texts=texts)

    def _share_since(self, papers: Mapping[str, Paper], since: int) -> float:
        """The share of the catalog's papers from `since` on (per catalog, cached)."""
        key = (id(papers), since)
        share = self._shares.get(key)
        if share is None:
            share = share_from(papers, since)
            if len(self._shares) > 64:
                self._shares.clear()
            self._shares[key] = share
        return share

    def _dense(
        self,
        store: VectorStore,
        papers: Mapping[str, Paper],
        vector,
        since: int | None,
        texts: bool,
    ) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        hits = self._nearest(store, papers, vector, since, texts)
        found = papers_of(papers, [h.paper_id for h in hits])  # read at once, then kept
        for hit, paper in zip(hits, found, strict=True):
            if paper is None:  # written after this view's snapshot
                continue
            if hit.paper_id not in best:
                best[hit.paper_id] = _Best(hit.chunk_id, hit.text, hit.similarity)
        return best

    def _keyword(
        self, snapshot: IndexSnapshot, query: str, since: int | None, texts: bool
    ) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        hits = snapshot.keyword.search(query, self.candidates, texts=texts)
        found = papers_of(snapshot.papers, [h.paper_id for h in hits])
        for hit, paper in zip(hits, found, strict=True):
            if paper is None or hit.paper_id in best:
                continue
            if since is not None and (paper.year is None or paper.year < since):
                continue
            best[hit.paper_id] = _Best(hit.chunk_id, hit.text, hit.score)
        return best

    def _candidates(
        self,
        view: tuple[VectorStore, IndexSnapshot],
        query: Query,
        since: int | None,
        method: Method = "hybrid",
        also: Sequence[str] = (),
    ) -> list[Candidate]:
        store, snapshot = view
        texts = method != "hybrid"  # a hybrid hit's snippet is its best sentence (hit_of)
        keyword_hits = (
            _RETRIEVERS.submit(self._keyword, snapshot, query.text, since, texts)
            if method != "dense"
            else None
        )  # while dense search waits on Chroma
        dense = (
            self._dense(store, snapshot.papers, query.vector, since, texts)
            if method != "keyword"
            else {}
        )
        keyword = keyword_hits.result() if keyword_hits is not None else {}
        dense_rank = {pid: r for r, pid in enumerate(dense, start=1)}
        keyword_rank = {pid: r for r, pid in enumerate(keyword, start=1)}
        ids = list(dict.fromkeys([*dense, *keyword, *(i for i in also if i in snapshot.papers)]))
        out = []
        for pid in ids:
            best = dense.get(pid) or keyword.get(pid)
            paper = snapshot.papers[pid]
            out.append(
                Candidate(
                    paper=paper,
                    chunk_id=best.chunk_id if best else "",
                    chunk_text=best.text if best else "",
                    dense_similarity=dense[pid].score if pid in dense else None,
                    dense_rank=dense_rank.get(pid),
                    keyword_score=keyword[pid].score if pid in keyword else None,
                    keyword_rank=keyword_rank.get(pid),
                )
            )
        return out

    def gather(
        self, query: Query, *, since: int | None = None, also: Sequence[str] = ()
    ) -> tuple[list[Candidate], Evidence]:
        """Every candidate of either retriever (and the papers `also` names, such as a
        conversation's), with the evidence of the version they come from."""
        self.refresh()
        view = self._view  # one view for the whole search
        return self._candidates(view, query, since, also=also), view[1].evidence

    def rank(
        self, query: Query, *, since: int | None = None, also: Sequence[str] = ()
    ) -> list[ScoredPaper]:
        """The candidates scored by the relevance model, most relevant first."""
        candidates, evidence = self.gather(query, since=since, also=also)
        return score(query, candidates, evidence, self.relevance)

    def search(
        self, query: str, k: int = 5, *, since: int | None = None, method: Method = "hybrid"
    ) -> list[SearchHit]:
        query = query.strip()
        if not query:
            raise InputError("the query is empty: type some words to search for")
        if method not in METHODS:
            raise InputError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}")
        analysed = self.analyse(query)
        if method == "hybrid":
            return [hit_of(p) for p in self.rank(analysed, since=since)[:k]]
        self.refresh()
        candidates = self._candidates(self._view, analysed, since, method)
        order = "dense_similarity" if method == "dense" else "keyword_score"
        candidates.sort(key=lambda c: getattr(c, order) or 0.0, reverse=True)
        return [
            SearchHit(
                paper=c.paper,
                score=getattr(c, order) or 0.0,
                chunk_id=c.chunk_id,
                chunk_text=c.chunk_text,
                similarity=c.dense_similarity,
                keyword_score=c.keyword_score,
            )
            for c in candidates[:k]
        ]


def hit_of(scored: ScoredPaper) -> SearchHit:
    """A scored paper as a search hit, its score the relevance probability and its
    snippet the abstract sentence closest to the query."""
    c = scored.candidate
    sentences = scored.evidence.sentences
    best = sentences[int(np.argmax(scored.sentence_scores))] if sentences else ""
    return SearchHit(
        paper=c.paper,
        score=round(scored.probability, 6),
        chunk_id=c.chunk_id,
        chunk_text=c.chunk_text or best or c.paper.abstract,
        similarity=c.dense_similarity,
        keyword_score=c.keyword_score,
    )
