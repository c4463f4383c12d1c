"""paperchat as a retriever in llama-index and LangChain: over a running server (by URL)
and over the local index, each used the way its framework uses a retriever."""

from __future__ import annotations

import pytest

from paperchat.errors import ProviderError

QUERY = "speech separation"


def test_llama_index_retriever_over_the_server_in_a_query_engine(live_server):
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from paperchat.integrations.llama_index import PaperchatRetriever

    retriever = PaperchatRetriever(url=live_server.url, k=3)
    nodes = retriever.retrieve(QUERY)
    assert len(nodes) == 3
    assert all("separation" in n.node.get_content().lower() for n in nodes[:1])
    assert nodes[0].score >= nodes[-1].score
    meta = nodes[0].node.metadata
    assert meta["title"] and meta["paper_id"] == nodes[0].node.node_id
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM())
    response = engine.query(QUERY)
    assert [n.node.node_id for n in response.source_nodes] == [n.node.node_id for n in nodes]


def test_llama_index_retriever_over_the_local_index(minilm_searcher, live_server):
    from paperchat.integrations.llama_index import PaperchatRetriever

    local = PaperchatRetriever(searcher=minilm_searcher, k=3).retrieve(QUERY)
    remote = PaperchatRetriever(url=live_server.url, k=3).retrieve(QUERY)
    assert [n.node.node_id for n in local] == [n.node.node_id for n in remote]


def test_langchain_retriever(live_server, minilm_searcher):
    from langchain_core.documents import Document

    from paperchat.integrations.langchain import PaperchatRetriever

    docs = PaperchatRetriever(url=live_server.url, k=4).invoke(QUERY)
    assert len(docs) == 4 and all(isinstance(d, Document) for d in docs)
    assert docs[0].id == docs[0].metadata["paper_id"]
    assert docs[0].metadata["title"] in docs[0].page_content
    local = PaperchatRetriever(searcher=minilm_searcher, k=4).invoke(QUERY)
    assert [d.id for d in local] == [d.id for d in docs]
    batch = PaperchatRetriever(url=live_server.url, k=2).batch([QUERY, "graph neural networks"])
    assert [len(b) for b in batch] == [2, 2] and batch[0][0].id != batch[1][0].id


def test_retrievers_send_the_api_key(secured_server):
    from paperchat.integrations.langchain import PaperchatRetriever as LangchainRetriever
    from paperchat.integrations.llama_index import PaperchatRetriever as LlamaRetriever

    assert LangchainRetriever(url=secured_server.url, api_key="s3cret-token").invoke(QUERY)
    assert LlamaRetriever(url=secured_server.url, api_key="s3cret-token").retrieve(QUERY)
    with pytest.raises(ProviderError, match="401"):
        LangchainRetriever(url=secured_server.url, api_key="wrong").invoke(QUERY)
