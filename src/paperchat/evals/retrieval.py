"""Retrieval evals: every question with gold papers, searched with each configuration
side by side (dense, keyword, hybrid, and baselines such as `evals.baselines`), scored
with hit@1, hit@5, MRR@10, nDCG@10 and recall@10, per question, per type, per split and
overall, with search latency."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from paperchat.evals import metrics as m
from paperchat.evals.dataset import QUESTION_TYPES, Question, split_order
from paperchat.index.embedders import Embedder
from paperchat.retrieve.searcher import HybridSearcher

K = 10
RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr@10", "ndcg@10", "recall@10")
CONFIGURATIONS = ("dense", "keyword", "hybrid")

# A ranker outside the searcher: (query, k) → paper ids, best first.
Ranker = Callable[[str, int], list[str]]


def _quiet(_: str) -> None:
    return None


class CachingEmbedder:
    """An Embedder that remembers query vectors, so the dense and hybrid configurations
    (and the judge) embed each question once."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_tokens = inner.max_tokens
        self._queries: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def with_query_cache(searcher: HybridSearcher) -> HybridSearcher:
    """The same index and settings, with an embedder that remembers query vectors
    (another kind of searcher is used as it is)."""
    if not isinstance(searcher, HybridSearcher) or isinstance(searcher.embedder, CachingEmbedder):
        return searcher
    return HybridSearcher(
        CachingEmbedder(searcher.embedder),
        searcher.store,
        searcher.snapshot,
        candidates=searcher.candidates,
        rrf_k=searcher.rrf_k,
    )


def score_ranking(ranked: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    return {
        "hit@1": m.hit_at_k(ranked, gold, 1),
        "hit@5": m.hit_at_k(ranked, gold, 5),
        "mrr@10": m.reciprocal_rank(ranked, gold, K),
        "ndcg@10": m.ndcg_at_k(ranked, gold, K),
        "recall@10": m.recall_at_k(ranked, gold, K),
    }


def _summarize(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    return {name: m.mean([r[name] for r in rows]) for name in RETRIEVAL_METRICS} | {
        "count": len(rows)
    }


def _figures(asked: Sequence[Question], per_question: Mapping[str, dict], methods) -> dict:
    types = sorted({q.type for q in asked}, key=QUESTION_TYPES.index)
    return {
        "overall": {
            x: _summarize([per_question[q.id]["methods"][x] for q in asked]) for x in methods
        },
        "by_type": {
            x: {
                t: _summarize([per_question[q.id]["methods"][x] for q in asked if q.type == t])
                for t in types
            }
            for x in methods
        },
    }


def evaluate_retrieval(
    searcher: HybridSearcher,
    questions: Sequence[Question],
    methods: Sequence[str] = CONFIGURATIONS,
    progress: Callable[[str], None] = _quiet,
    rankers: Mapping[str, Ranker] | None = None,
) -> dict:
    """Every question with gold papers, searched with each method (the searcher's own,
    then each of `rankers`); scores per question, per type, per split and overall, plus
    latency. Queries are embedded once up front and timed on their own, so each method's
    search latency excludes the shared embedding cost."""
    searcher = with_query_cache(searcher)
    rankers = dict(rankers or {})
    asked = [q for q in questions if q.gold]
    embed_seconds = []
    for q in asked:
        start = time.perf_counter()
        searcher.embedder.embed_query(q.search_query)
        embed_seconds.append(time.perf_counter() - start)
    per_question: dict[str, dict] = {
        q.id: {
            "id": q.id,
            "type": q.type,
            "split": q.split_name,
            "question": q.question,
            "gold": q.gold,
            "methods": {},
        }
        for q in asked
    }

    def searched(method: str) -> Ranker:
        def rank(query: str, k: int) -> list[str]:
            return [h.paper.id for h in searcher.search(query, k, method=method)]  # type: ignore[arg-type]

        return rank

    every = {x: searched(x) for x in methods} | rankers
    latency: dict[str, dict[str, float]] = {}
    for method, rank in every.items():
        progress(f"retrieval: {method} on {len(asked)} questions")
        seconds = []
        for q in asked:
            start = time.perf_counter()
            ranked = rank(q.search_query, K)
            seconds.append(time.perf_counter() - start)
            first = next((i for i, pid in enumerate(ranked, 1) if pid in q.gold), None)
            per_question[q.id]["methods"][method] = {
                "ranked": ranked,
                "first_gold_rank": first,
                **score_ranking(ranked, q.gold),
            }
        latency[method] = {"p50": m.percentile(seconds, 50), "p95": m.percentile(seconds, 95)}
    names = list(every)
    splits = split_order(q.split_name for q in asked)
    return {
        "k": K,
        "methods": names,
        "query": "dialogs are searched with all their user turns joined",
        **_figures(asked, per_question, names),
        "splits": splits,
        "by_split": {
            s: _figures([q for q in asked if q.split_name == s], per_question, names)
            for s in splits
        },
        "latency_seconds": latency,
        "embed_latency_seconds": {
            "p50": m.percentile(embed_seconds, 50),
            "p95": m.percentile(embed_seconds, 95),
        },
        "questions": list(per_question.values()),
    }
