"""/v1 as OpenAI clients rely on it, over raw HTTP against the real server: annotations
that point at their markers, the slim `paperchat` field, Open WebUI source events, usage,
errors in OpenAI's shape, trimmed histories and text that is not valid Unicode."""

from __future__ import annotations

import http.client
import json
import re

import httpx
import pytest

from paperchat.index.tokens import count_tokens

QUESTION = "what is NPNet?"
CHAT = "/v1/chat/completions"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        yield c


def _ask(client, **body):
    body = {"model": "paperchat", "messages": [{"role": "user", "content": QUESTION}]} | body
    return client.post(CHAT, json=body)


def _stream(client, path=CHAT, **body) -> list[dict]:
    with client.stream("POST", path, json=body) as resp:
        assert resp.status_code == 200, resp.read()
        datas = [line[6:] for line in resp.iter_lines() if line.startswith("data: ")]
    if path == CHAT:
        assert datas[-1] == "[DONE]"
        datas = datas[:-1]
    return [json.loads(d) for d in datas]


def test_plain_reply_annotates_each_cited_marker(client):
    reply = _ask(client).json()
    message = reply["choices"][0]["message"]
    content, notes = message["content"], message["annotations"]
    cited = reply["paperchat"]["citations"]
    assert notes and len(notes) == len({c["n"] for c in cited})
    for note, n in zip(notes, sorted({c["n"] for c in cited}), strict=True):
        assert note["type"] == "url_citation"
        span = note["url_citation"]
        assert content[span["start_index"] : span["end_index"]] == f"[{n}]"
        assert span["url"].startswith("http")
        assert span["title"]
    # the source list closes the text and carries the ids, for plain clients' follow-ups
    assert "Sources:" in content
    assert all(f"({c['id']})" in content for c in cited)


def test_paperchat_field_is_slim_unless_asked_for_in_full(client):
    slim = _ask(client).json()
    full = _ask(client, paperchat_detail="full").json()
    cited_ids = {c["id"] for c in slim["paperchat"]["citations"]}
    assert {s["id"] for s in slim["paperchat"]["sources"]} == cited_ids
    assert len(full["paperchat"]["sources"]) > len(slim["paperchat"]["sources"])
    assert len(json.dumps(slim)) < len(json.dumps(full))
    assert all(c["url"].startswith("http") for c in slim["paperchat"]["citations"])
    assert slim["paperchat"]["verdict"] == "answered"


def test_usage_counts_cl100k_tokens(client):
    reply = _ask(client).json()
    usage = reply["usage"]
    assert usage["prompt_tokens"] == count_tokens(QUESTION)
    assert usage["completion_tokens"] == count_tokens(reply["choices"][0]["message"]["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_stream_sends_sources_then_annotations_then_stop_then_usage(client):
    chunks = _stream(
        client,
        model="paperchat",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": QUESTION}],
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    at = {name: i for i, c in enumerate(chunks) for name in _kinds(c)}
    assert at["annotations"] < at["stop"] < at["usage"] == len(chunks) - 1
    notes = next(c for c in chunks if "annotations" in _kinds(c))["choices"][0]["delta"]
    for note in notes["annotations"]:
        span = note["url_citation"]
        assert text[span["start_index"] : span["end_index"]].startswith("[")
    # one Open WebUI source per annotation, all before it: Open WebUI makes a source of
    # each url_citation too, and its chip takes the name of the first one with that id
    events = [(i, c["event"]) for i, c in enumerate(chunks) if "event" in c]
    assert [i for i, _ in events] == list(range(events[0][0], at["annotations"]))
    by_n = {c["n"]: c for c in chunks[at["stop"]]["paperchat"]["citations"]}
    cites = [by_n[n] for n in sorted(by_n)]
    for (_, event), note, cited in zip(events, notes["annotations"], cites, strict=True):
        span, data = note["url_citation"], event["data"]
        assert event["type"] == "source"
        assert data["source"] == {"id": span["url"], "name": span["title"], "url": span["url"]}
        assert data["document"] == [cited["quote"]]
        assert data["metadata"] == [
            {
                "source": span["url"],  # Open WebUI groups by it: the annotation's url
                "name": span["title"],
                "url": span["url"],
                "source_url": span["url"],
                "external": True,  # keeps the title as the chip's name
                "paper_id": cited["id"],
            }
        ]
    usage = chunks[-1]["usage"]
    assert chunks[-1]["choices"] == []
    assert usage["completion_tokens"] == count_tokens(text)


def _kinds(chunk: dict) -> set[str]:
    kinds = set()
    if "event" in chunk:
        kinds.add("event")
    if chunk.get("usage"):
        kinds.add("usage")
    for choice in chunk["choices"]:
        if choice["delta"].get("annotations"):
            kinds.add("annotations")
        if choice["finish_reason"] == "stop":
            kinds.add("stop")
    return kinds


def test_responses_plain_and_streamed_agree(client):
    plain = client.post("/v1/responses", json={"model": "paperchat", "input": QUESTION}).json()
    part = plain["output"][0]["content"][0]
    assert part["type"] == "output_text" and part["annotations"]
    for note in part["annotations"]:
        assert part["text"][note["start_index"] : note["end_index"]].startswith("[")
    assert plain["usage"]["input_tokens"] == count_tokens(QUESTION)
    events = _stream(client, "/v1/responses", model="paperchat", input=QUESTION, stream=True)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.annotation.added" in kinds
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    done = events[-1]["response"]["output"][0]["content"][0]
    assert done["text"] == part["text"] and done["annotations"] == part["annotations"]


def test_responses_previous_response_id_continues(client):
    first = client.post("/v1/responses", json={"input": QUESTION}).json()
    follow = client.post(
        "/v1/responses",
        json={"input": "how big is its training set?", "previous_response_id": first["id"]},
    ).json()
    titles = [c["title"] or "" for c in follow["paperchat"]["citations"]]
    assert any("Golden Noise" in t for t in titles), follow["output"][0]["content"][0]["text"]
    missing = client.post("/v1/responses", json={"input": "x", "previous_response_id": "resp_0"})
    assert missing.status_code == 404
    assert missing.json()["error"]["param"] == "previous_response_id"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "param"),
    [
        ("GET", "/v1/nothing-here", None, 404, "unknown_url", None),
        ("GET", CHAT, None, 405, "method_not_allowed", None),
        ("GET", "/v1/models/gpt-4o", None, 404, "model_not_found", "model"),
        ("POST", CHAT, {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]},
         404, "model_not_found", "model"),
        ("POST", CHAT, {"n": 2, "messages": [{"role": "user", "content": "x"}]},
         400, "unsupported_value", "n"),
        ("POST", CHAT, {"tools": [{"type": "function", "function": {"name": "f"}}],
                        "tool_choice": "required", "messages": [{"role": "user", "content": "x"}]},
         400, "unsupported_value", "tool_choice"),
        ("POST", CHAT, {"response_format": {"type": "json_object"},
                        "messages": [{"role": "user", "content": "x"}]},
         400, "unsupported_value", "response_format"),
        ("POST", "/v1/responses", {"input": "x", "text": {"format": {"type": "json_schema"}}},
         400, "unsupported_value", "text.format"),
        ("POST", CHAT, {"messages": [{"role": "assistant", "content": "x"}]},
         400, "invalid_value", "messages"),
        ("POST", CHAT, {"messages": "nope"}, 422, "invalid_request", "messages"),
    ],
)  # fmt: skip
def test_errors_have_openai_shape(client, method, path, body, status, code, param):
    resp = client.request(method, path, json=body)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    assert (error["code"], error["param"]) == (code, param)


def test_models_list_and_one_model(client):
    ids = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert "paperchat" in ids
    one = client.get("/v1/models/paperchat-extractive").json()
    assert one["id"] == "paperchat-extractive" and one["object"] == "model"


def test_long_history_is_trimmed_not_refused(client):
    history = []
    for i in range(30):  # 61 messages
        history += [
            {"role": "user", "content": f"question {i} about speech separation"},
            {"role": "assistant", "content": f"answer {i}"},
        ]
    resp = _ask(client, messages=[*history, {"role": "user", "content": QUESTION}])
    assert resp.status_code == 200, resp.text
    assert "[1]" in resp.json()["choices"][0]["message"]["content"]


SURROGATE = b'"\\ud800 what is NPNet?"'


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CHAT, b'{"messages": [{"role": "user", "content": ' + SURROGATE + b"}]}"),
        ("/v1/responses", b'{"input": ' + SURROGATE + b"}"),
        ("/api/ask", b'{"question": ' + SURROGATE + b"}"),
        ("/api/search", b'{"query": ' + SURROGATE + b"}"),
        ("/gradio_api/queue/join", b'{"data": [' + SURROGATE + b'], "fn_index": 0}'),
    ],
)
def test_invalid_unicode_is_a_4xx_and_the_connection_stays_usable(live_server, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
    try:
        conn.request("POST", path, body=body, headers={"content-type": "application/json"})
        bad = conn.getresponse()
        payload = json.loads(bad.read())
        assert bad.status == 400, payload
        assert "Unicode" in payload["error"]["message"]
        sock = conn.sock
        assert sock is not None, "the server closed the connection"
        conn.request("GET", "/healthz")
        ok = conn.getresponse()
        assert ok.status == 200 and json.loads(ok.read())["status"] == "ok"
        assert conn.sock is sock  # the same connection served the next request
    finally:
        conn.close()


def test_a_valid_surrogate_pair_is_text(client):
    body = b'{"query": "\\ud83d\\ude00 speech separation", "k": 2}'
    resp = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text


def test_corpus_markdown_stays_inert():
    from paperchat.answer.safe_text import InertStream, inert_markdown

    hostile = (
        "See [here](javascript:alert(1)) <img src=x onerror=y> ![p](http://t/x)\n[1]: http://x"
    )
    safe = inert_markdown(hostile)
    assert "](" not in safe and "![" not in safe
    assert re.search(r"(?<!\\)<[a-z]", safe) is None
    assert "\n[1]:" not in safe
    for step in (1, 2, 7):
        stream = InertStream()
        pieces = [stream.feed(hostile[i : i + step]) for i in range(0, len(hostile), step)]
        assert "".join(pieces) + stream.flush() == safe
