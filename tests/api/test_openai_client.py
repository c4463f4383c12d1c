"""Any OpenAI client can chat with the corpus: the official SDK against /v1."""

from __future__ import annotations

import pytest
from openai import OpenAI


@pytest.fixture(scope="module")
def oai(live_server):
    return OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0, timeout=120)


def test_models(oai):
    ids = {m.id for m in oai.models.list()}
    assert {"paperchat", "paperchat-extractive"} <= ids


def test_chat_non_stream_carries_citations(oai):
    reply = oai.chat.completions.create(
        model="paperchat",
        messages=[{"role": "user", "content": "which papers prune large language models?"}],
    )
    content = reply.choices[0].message.content
    assert "[1]" in content and "Sources:" in content
    extra = reply.model_extra["paperchat"]
    assert extra["citations"] and extra["mode"] == "extractive"


def test_chat_stream_ends_with_citations(oai):
    stream = oai.chat.completions.create(
        model="paperchat",
        stream=True,
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "what is NPNet?"},
        ],
    )
    text, final = "", None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
        if chunk.model_extra.get("paperchat"):
            final = chunk.model_extra["paperchat"]
    assert final is not None and final["citations"]
    assert "Sources:" in text and "[1]" in text


def test_chat_history_follow_up(oai):
    reply = oai.chat.completions.create(
        model="paperchat-extractive",
        messages=[
            {"role": "user", "content": "what is NPNet?"},
            {"role": "assistant", "content": "NPNet learns golden noises [1]."},
            {"role": "user", "content": "how big is its training set?"},
        ],
    )
    sources = reply.model_extra["paperchat"]["sources"]
    assert any("golden noise" in (s["title"] or "").lower() for s in sources[:3])
