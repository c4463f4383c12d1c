"""A LangChain retriever over paperchat: one `Document` per paper
(`pip install paperchat[langchain]`).

    from paperchat.integrations.langchain import PaperchatRetriever
    docs = PaperchatRetriever(url="http://127.0.0.1:7860", k=5).invoke("speech separation")

`page_content` is the title and abstract; `metadata` the paper's fields, `id` its id.
"""

from __future__ import annotations

from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - depends on the install
    from paperchat.errors import ConfigError

    raise ConfigError(
        "the LangChain retriever needs langchain-core: pip install 'paperchat[langchain]'"
    ) from exc
from pydantic import ConfigDict, PrivateAttr

from paperchat.integrations.sources import PaperSource, make_source, metadata, page_text


class PaperchatRetriever(BaseRetriever):
    """Papers from a paperchat server (`url`) or the local index (`settings`/`searcher`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    url: str | None = None
    api_key: str | None = None
    settings: Any = None
    searcher: Any = None
    k: int = 5
    since: int | None = None
    _source: PaperSource = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._source = make_source(self.url, self.api_key, self.settings, self.searcher)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(id=r.id, page_content=page_text(r), metadata=metadata(r))
            for r in self._source.search(query, self.k, self.since)
        ]
