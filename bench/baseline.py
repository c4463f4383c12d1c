"""A plain llama-index baseline over the same corpus, store and embedder: a
VectorStoreIndex on a Chroma collection (llama-index-vector-stores-chroma), default
settings (its default node parser, batch size and retriever), one Document per paper
(title and abstract). Timed: ingest (from_documents), retrieve latency; scored with
paperchat's retrieval metrics on the eval questions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import eval_questions, latency_ms, query_set, settings_for

K = 10


def as_llama_embedding(embedder):
    """paperchat's embedder behind llama-index's BaseEmbedding interface."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class PaperchatEmbedding(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner, **kwargs):
            super().__init__(model_name=inner.name, **kwargs)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed_documents([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed_documents(texts)

    return PaperchatEmbedding(embedder)


def llama_index_baseline(work_dir: Path, n_queries: int) -> dict:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from bench.ingest import corpus_papers
    from paperchat.evals.retrieval import score_ranking
    from paperchat.index.embedders import build_embedder

    embedder = build_embedder(settings_for(work_dir))
    embedder.embed_query("warm up")  # load the model outside the timing, as for paperchat
    embed_model = as_llama_embedding(embedder)
    papers = corpus_papers()
    docs = [
        Document(text=f"{p.title}\n{p.abstract}" if p.title else p.abstract, id_=p.id)
        for p in papers
    ]
    client = chromadb.PersistentClient(
        path=str(work_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("baseline", metadata={"hnsw:space": "cosine"})
    store = ChromaVectorStore(chroma_collection=collection)
    storage = StorageContext.from_defaults(vector_store=store)
    start = time.perf_counter()
    index = VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed_model)
    ingest_s = time.perf_counter() - start
    retriever = index.as_retriever(similarity_top_k=K)

    def ranked(query: str) -> list[str]:
        ids: list[str] = []
        for hit in retriever.retrieve(query):
            pid = hit.node.ref_doc_id
            if pid and pid not in ids:
                ids.append(pid)
        return ids

    scores = [score_ranking(ranked(q.search_query), q.gold) for q in eval_questions() if q.gold]
    quality = {
        name: sum(s[name] for s in scores) / len(scores) for name in ("hit@1", "hit@5", "mrr@10")
    }
    return {
        "embedder": embedder.name,
        "documents": len(docs),
        "nodes": collection.count(),
        "ingest_s": ingest_s,
        "search": latency_ms(ranked, query_set(n_queries, papers)),
        "quality": quality | {"count": len(scores)},
    }
