"""Keyword search: BM25 (bm25s) through llama-index's BM25Retriever.

Chroma's own hybrid search runs only on distributed Chroma, so the keyword side lives
here, built from the chunk texts stored in Chroma and cached on disk per index version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    paper_id: str
    text: str
    score: float


class KeywordIndex:
    def __init__(self, retriever):
        self._retriever = retriever

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, str, str]], top_k: int = 50) -> KeywordIndex:
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [
            TextNode(
                id_=chunk_id,
                text=text,
                metadata={"paper_id": paper_id},
                excluded_embed_metadata_keys=["paper_id"],
            )
            for chunk_id, paper_id, text in chunks
        ]
        if not nodes:
            return cls(None)
        # BM25Retriever's defaults: English stop words and the Snowball English stemmer.
        retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=top_k)
        return cls(retriever)

    @classmethod
    def load(cls, path: Path, top_k: int = 50) -> KeywordIndex:
        from llama_index.retrievers.bm25 import BM25Retriever

        if not (path / "retriever.json").exists():
            return cls(None)
        retriever = BM25Retriever.from_persist_dir(str(path), show_progress=False)
        retriever.similarity_top_k = min(top_k, int(retriever.bm25.scores["num_docs"]))
        return cls(retriever)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._retriever is not None:
            self._retriever.persist(str(path), show_progress=False)

    def chunk_ids(self) -> set[str]:
        """Ids of every indexed chunk, to check that BM25 and the store agree."""
        if self._retriever is None:
            return set()
        return {str(doc["node_id"]) for doc in self._retriever.corpus}

    def search(self, query: str, n: int) -> list[KeywordHit]:
        if self._retriever is None or not query.strip():
            return []
        hits = []
        for scored in self._retriever.retrieve(query):
            if scored.score is None or scored.score <= 0:
                continue
            node = scored.node
            hits.append(
                KeywordHit(node.node_id, str(node.metadata["paper_id"]), node.text, scored.score)
            )
        return hits[:n]
