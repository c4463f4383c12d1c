"""A llama-index retriever over paperchat: one `NodeWithScore` per paper.

    from paperchat.integrations.llama_index import PaperchatRetriever
    retriever = PaperchatRetriever(url="http://127.0.0.1:7860", k=5)   # or settings=...
    RetrieverQueryEngine.from_args(retriever, llm=...)

The node's text is the title and abstract; its id is the paper id and its metadata the
paper's fields (title, url, authors, published, score).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from paperchat.integrations.sources import make_source, metadata, page_text

if TYPE_CHECKING:
    from paperchat.retrieve.searcher import HybridSearcher
    from paperchat.settings import Settings


class PaperchatRetriever(BaseRetriever):
    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        settings: Settings | None = None,
        searcher: HybridSearcher | None = None,
        k: int = 5,
        since: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self._source = make_source(url, api_key, settings, searcher)
        self._k = k
        self._since = since

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        results = self._source.search(query_bundle.query_str, self._k, self._since)
        return [
            NodeWithScore(
                node=TextNode(id_=r.id, text=page_text(r), metadata=metadata(r)), score=r.score
            )
            for r in results
        ]
