"""Retrieval baselines scored beside paperchat's own search in the same run.

- `abstract-dense`: each paper's title and abstract embedded whole, with the index's
  embedder, ranked by cosine similarity. MiniLM reads at most 256 word pieces, so a
  longer text is cut there; `truncated` counts those papers.
- `llama-index`: a plain llama-index `VectorStoreIndex` over the same papers (one
  Document per paper: title and abstract) with the same embedder and llama-index's
  defaults otherwise — its default node parser and the in-memory `SimpleVectorStore`,
  so the eval needs nothing beyond llama-index-core (bench/baseline.py runs the same
  baseline on Chroma).

Both embed the same texts, so their document vectors are shared through one cache.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.embedders import Embedder

BATCH = 64


def paper_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}" if paper.title else paper.abstract


class DocumentCache:
    """Document vectors by text, so two baselines embedding the same text pay once."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self._vectors: dict[str, list[float]] = {}

    def embed(self, texts: list[str]) -> list[list[float]]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            self._vectors.update(zip(batch, self.embedder.embed_documents(batch), strict=True))
        return [self._vectors[t] for t in texts]


def _unit(rows: Any) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class AbstractDense:
    """Cosine ranking of whole-paper vectors: the simplest dense retriever there is."""

    name = "abstract-dense"

    def __init__(self, embedder: Embedder, papers: Mapping[str, Paper], cache: DocumentCache):
        self.embedder = embedder
        self.ids = list(papers)
        texts = [paper_text(papers[pid]) for pid in self.ids]
        self.matrix = _unit(cache.embed(texts))
        limit = embedder.max_tokens
        self.truncated = sum(1 for t in texts if embedder.count_tokens(t) > limit) if limit else 0

    def __call__(self, query: str, k: int) -> list[str]:
        scores = self.matrix @ _unit(self.embedder.embed_query(query))
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in top]


def as_llama_embedding(embedder: Embedder, cache: DocumentCache):
    """The embedder behind llama-index's BaseEmbedding interface, documents via `cache`."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class PaperchatEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()
        _cache: Any = PrivateAttr()

        def __init__(self, **kwargs):
            super().__init__(model_name=embedder.name, **kwargs)
            self._inner = embedder
            self._cache = cache

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._cache.embed([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._cache.embed(texts)

    return PaperchatEmbedding()


class LlamaIndexBaseline:
    """`VectorStoreIndex.from_documents` with llama-index's defaults, ranked papers by
    their best node (a paper split into several nodes appears once)."""

    name = "llama-index"

    def __init__(self, embedder: Embedder, papers: Mapping[str, Paper], cache: DocumentCache):
        from llama_index.core import Document, VectorStoreIndex

        docs = [Document(text=paper_text(p), id_=pid) for pid, p in papers.items()]
        self.index = VectorStoreIndex.from_documents(
            docs, embed_model=as_llama_embedding(embedder, cache)
        )
        self.nodes = len(self.index.docstore.docs)

    def __call__(self, query: str, k: int) -> list[str]:
        ids: list[str] = []
        for hit in self.index.as_retriever(similarity_top_k=k).retrieve(query):
            pid = hit.node.ref_doc_id
            if pid and pid not in ids:
                ids.append(pid)
        return ids


BASELINES = ("abstract-dense", "llama-index")


def build_baselines(
    embedder: Embedder,
    papers: Mapping[str, Paper],
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Callable[[str, int], list[str]]], dict]:
    """The baselines as rankers for `evaluate_retrieval`, and what to say about them."""
    cache = DocumentCache(embedder)
    progress(f"baselines: embedding {len(papers)} papers whole (abstract-dense)")
    dense = AbstractDense(embedder, papers, cache)
    progress("baselines: llama-index VectorStoreIndex (default settings, in memory)")
    llama = LlamaIndexBaseline(embedder, papers, cache)
    info = {
        "abstract-dense": {
            "papers": len(dense.ids),
            "truncated": dense.truncated,
            "max_tokens": embedder.max_tokens,
        },
        "llama-index": {"papers": len(papers), "nodes": llama.nodes},
    }
    return {dense.name: dense, llama.name: llama}, info
