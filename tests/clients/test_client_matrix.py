"""The client matrix: clients people already use, against the real server over HTTP.

For each client: the text arrives with its [n] markers and source list, the citations
arrive as the client exposes them (OpenAI `url_citation` annotations), a stream ends
(finish reason / completed event), a follow-up keeps its subject ("its training set"
is NPNet's), and usage is counted. The README's client table mirrors these tests.
"""

from __future__ import annotations

import os

import pytest

QUESTION = "what is NPNet?"
FOLLOW_UP = "how big is its training set?"
SUBJECT = "Golden Noise for Diffusion Models"  # the paper NPNet comes from


def follow_up_history(first_reply: str) -> list[dict]:
    return [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first_reply},
        {"role": "user", "content": FOLLOW_UP},
    ]


def check_text(text: str) -> None:
    assert "[1]" in text and "Sources:" in text, text
    assert SUBJECT in text, text


def check_chat_annotations(text: str, annotations: list) -> None:
    """Chat Completions' form, as a dict or an SDK object."""
    assert annotations, "no url_citation annotations"
    for note in annotations:
        note = note if isinstance(note, dict) else note.model_dump()
        assert note["type"] == "url_citation"
        span = note["url_citation"]
        assert text[span["start_index"] : span["end_index"]] == "[1]" or text[
            span["start_index"] : span["end_index"]
        ].startswith("[")
        assert span["url"].startswith("http") and span["title"]


# -- openai SDK ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def oai(live_server):
    from openai import OpenAI

    return OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0, timeout=120)


def test_openai_chat_plain(oai):
    reply = oai.chat.completions.create(
        model="paperchat", messages=[{"role": "user", "content": QUESTION}]
    )
    message = reply.choices[0].message
    check_text(message.content)
    check_chat_annotations(message.content, message.annotations)
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    follow = oai.chat.completions.create(
        model="paperchat", messages=follow_up_history(message.content)
    )
    assert SUBJECT in follow.choices[0].message.content


def test_openai_chat_stream(oai):
    stream = oai.chat.completions.create(
        model="paperchat",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}],
    )
    text, annotations, finish, usage = "", [], None, None
    for chunk in stream:
        if chunk.choices:
            delta = chunk.choices[0].delta
            text += delta.content or ""
            annotations += (delta.model_extra or {}).get("annotations") or []
            finish = chunk.choices[0].finish_reason or finish
        usage = chunk.usage or usage
    check_text(text)
    check_chat_annotations(text, annotations)
    assert finish == "stop"
    assert usage.completion_tokens > 0


def test_openai_responses_plain(oai):
    first = oai.responses.create(model="paperchat", input=QUESTION)
    check_text(first.output_text)
    notes = first.output[0].content[0].annotations
    assert notes and all(n.type == "url_citation" and n.url.startswith("http") for n in notes)
    assert first.output_text[notes[0].start_index : notes[0].end_index] == "[1]"
    assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
    follow = oai.responses.create(
        model="paperchat",
        input=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": first.output_text},
            {"role": "user", "content": FOLLOW_UP},
        ],
    )
    assert SUBJECT in follow.output_text


def test_openai_responses_stream(oai):
    text, notes, completed = "", [], None
    with oai.responses.stream(model="paperchat", input=QUESTION) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                text += event.delta
            elif event.type == "response.output_text.annotation.added":
                notes.append(event.annotation)
            elif event.type == "response.completed":
                completed = event.response
    check_text(text)
    assert notes and completed is not None
    assert completed.output_text == text
    assert completed.usage.output_tokens > 0


# -- LangChain (langchain-openai) ----------------------------------------------------


@pytest.fixture(scope="module")
def lc_chat(live_server):
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=f"{live_server.url}/v1", api_key="unused", model="paperchat", max_retries=0
    )


def test_langchain_chat_completions(lc_chat):
    reply = lc_chat.invoke(QUESTION)
    check_text(reply.content)
    assert reply.usage_metadata["output_tokens"] > 0
    chunks = list(lc_chat.stream(QUESTION))
    assert chunks[-1].response_metadata.get("finish_reason") == "stop" or any(
        c.response_metadata.get("finish_reason") == "stop" for c in chunks
    )
    check_text("".join(c.content for c in chunks))
    follow = lc_chat.invoke([("human", QUESTION), ("ai", reply.content), ("human", FOLLOW_UP)])
    assert SUBJECT in follow.content


def test_langchain_responses_api_carries_annotations(live_server):
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(
        base_url=f"{live_server.url}/v1",
        api_key="unused",
        model="paperchat",
        use_responses_api=True,
        max_retries=0,
    )
    for reply in (model.invoke(QUESTION), _sum(model.stream(QUESTION))):
        blocks = [b for b in reply.content if isinstance(b, dict) and b.get("type") == "text"]
        text = "".join(b["text"] for b in blocks)
        check_text(text)
        notes = [n for b in blocks for n in b.get("annotations") or []]
        assert notes and all(n["url"].startswith("http") for n in notes)
        assert text[notes[0]["start_index"] : notes[0]["end_index"]] == "[1]"
        assert reply.usage_metadata["output_tokens"] > 0


def _sum(chunks):
    chunks = iter(chunks)
    total = next(chunks)
    for chunk in chunks:
        total = total + chunk
    return total


# -- llama-index (llama-index-llms-openai-like) ----------------------------------------


def test_llama_index_openai_like(live_server):
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model="paperchat",
        api_base=f"{live_server.url}/v1",
        api_key="unused",
        is_chat_model=True,
        context_window=8000,
        max_retries=0,
        timeout=120,
    )
    reply = llm.chat([ChatMessage(role="user", content=QUESTION)])
    check_text(reply.message.content)
    check_chat_annotations(reply.message.content, reply.raw.choices[0].message.annotations)
    assert reply.raw.usage.completion_tokens > 0
    *_, last = llm.stream_chat([ChatMessage(role="user", content=QUESTION)])
    check_text(last.message.content)
    assert last.raw.choices[0].finish_reason == "stop"
    history = [
        ChatMessage(role=m["role"], content=m["content"])
        for m in follow_up_history(reply.message.content)
    ]
    assert SUBJECT in llm.chat(history).message.content


# -- litellm ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def litellm_module():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download at import
    import litellm

    litellm.telemetry = False
    return litellm


def test_litellm(litellm_module, live_server):
    kwargs = {"model": "openai/paperchat", "api_base": f"{live_server.url}/v1", "api_key": "x"}
    reply = litellm_module.completion(messages=[{"role": "user", "content": QUESTION}], **kwargs)
    message = reply.choices[0].message
    check_text(message.content)
    check_chat_annotations(message.content, message.annotations)
    assert reply.usage.completion_tokens > 0
    text, notes, finish, usage = "", [], None, None
    for chunk in litellm_module.completion(
        messages=[{"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
        **kwargs,
    ):
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            notes += getattr(chunk.choices[0].delta, "annotations", None) or []
            finish = chunk.choices[0].finish_reason or finish
        usage = getattr(chunk, "usage", None) or usage
    check_text(text)
    check_chat_annotations(text, notes)
    assert finish == "stop" and usage.completion_tokens > 0
    follow = litellm_module.completion(messages=follow_up_history(message.content), **kwargs)
    assert SUBJECT in follow.choices[0].message.content
