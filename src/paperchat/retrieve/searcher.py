"""Hybrid retrieval: dense (Chroma) and keyword (BM25) rankings fused by reciprocal rank,
grouped so each paper appears once, carrying its best chunk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from paperchat.corpus.paper import Paper
from paperchat.errors import InputError
from paperchat.index.embedders import Embedder
from paperchat.index.snapshot import IndexSnapshot
from paperchat.index.store import VectorStore
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
    ):
        self.embedder = embedder
        self.store = store
        self.snapshot = snapshot
        self.candidates = candidates
        self.rrf_k = rrf_k

    @property
    def papers(self) -> dict[str, Paper]:
        return self.snapshot.papers

    def _dense(self, query: str, since: int | None) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        for hit in self.store.query(self.embedder.embed_query(query), self.candidates, since):
            if hit.paper_id not in best:
                best[hit.paper_id] = _Best(hit.chunk_id, hit.text, hit.similarity)
        return best

    def _keyword(self, query: str, since: int | None) -> dict[str, _Best]:
        best: dict[str, _Best] = {}
        for hit in self.snapshot.keyword.search(query, self.candidates):
            paper = self.papers.get(hit.paper_id)
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
        dense = self._dense(query, since) if method != "keyword" else {}
        keyword = self._keyword(query, since) if method != "dense" else {}
        fused = reciprocal_rank_fusion([list(dense), list(keyword)], k=self.rrf_k)
        hits = []
        for paper_id, score in fused.items():
            paper = self.papers.get(paper_id)
            if paper is None:  # a chunk whose paper is not in this snapshot
                continue
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
