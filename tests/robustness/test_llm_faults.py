"""LLM faults through the HTTP API: a real server whose LLM is the scripted OpenAI server.

Every fault — 500s, repeated 429s, a hang, a stream that stalls or breaks off, a body that
is not JSON — must end each request within its deadline with a clear error (a 502/504
JSON error, or an `error` event once a stream has started), after at most three upstream
attempts; the server stays healthy and answers normally afterwards.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from fakes.openai_server import Reply, ScriptedOpenAIServer
from helpers import ServerThread

pytestmark = pytest.mark.slow

DEADLINE = 2.0  # PAPERCHAT_LLM_DEADLINE in these tests, so a hang costs seconds, not minutes
TIMEOUT = 1.0  # PAPERCHAT_LLM_TIMEOUT: one attempt
SLACK = 2.5  # retrieval, verification and HTTP around the LLM call
QUESTION = "What is NPNet?"  # in the corpus: the LLM is called (out of it, we abstain first)


@pytest.fixture(scope="module")
def fake_llm():
    with ScriptedOpenAIServer() as server:
        yield server


@pytest.fixture(scope="module")
def llm_server(minilm_settings, fake_llm):
    from paperchat.server import create_app

    settings = minilm_settings.model_copy(
        update={
            "openai_base_url": fake_llm.base_url,
            "llm_model": "scripted-model",
            "llm_deadline": DEADLINE,
            "llm_timeout": TIMEOUT,
        }
    )
    with ServerThread(create_app(settings)) as server:
        yield server


# fault → (what the upstream does, what the error message must say: any of these)
FAULTS = {
    "500s": (Reply.error(500, "upstream exploded"), ("failed (500",)),
    "429s": (Reply.error(429, "slow down", retry_after=0.1), ("rate limiting",)),
    "hang": (Reply.hang(30), ("did not answer within",)),
    # a JSON body that does not parse; to a stream request it is a stream with no events
    "invalid_json": (Reply.invalid_json(), ("cannot read", "ended the stream")),
    # a stream that stops without finish_reason or [DONE] (to a plain request: not JSON)
    "truncated": (
        Reply.truncated("NPNet turns random noise into", after=2),
        ("ended the stream", "broke off", "cannot read", "no choices"),
    ),
    # a stream that sends a little, then nothing
    "stall": (
        Reply.stall("NPNet turns random noise", after=2, seconds=30),
        ("did not answer within", "deadline"),
    ),
}
TIMEOUTS = {"hang", "stall"}  # 504 / llm_timeout; every other fault is 502 / llm_error


def _request(client: httpx.Client, endpoint: str) -> tuple[int, str]:
    """(status, body) of one call, the body read to its end."""
    if endpoint == "ask":
        resp = client.post("/api/ask", json={"question": QUESTION, "mode": "llm"})
    elif endpoint == "ask_stream":
        resp = client.post("/api/ask/stream", json={"question": QUESTION, "mode": "llm"})
    else:
        resp = client.post(
            "/v1/chat/completions",
            json={
                "model": "paperchat-llm",
                "messages": [{"role": "user", "content": QUESTION}],
                "stream": endpoint == "v1_stream",
            },
        )
    return resp.status_code, resp.text


def _error_of(status: int, body: str, endpoint: str) -> dict:
    """The error object of a failed call: a JSON error body, or a stream's error event."""
    if status != 200:
        assert status in (502, 504), (status, body)
        return json.loads(body)["error"]
    assert endpoint in ("ask_stream", "v1_stream"), f"{endpoint} answered 200 to a fault: {body}"
    if endpoint == "ask_stream":
        events = [block for block in body.split("\n\n") if block.strip()]
        assert events[-1].startswith("event: error"), body[-500:]
        assert "event: answer" not in body
        return json.loads(events[-1].split("data: ", 1)[1])["error"]
    datas = [line[6:] for line in body.splitlines() if line.startswith("data: ")]
    assert datas[-1] == "[DONE]", body[-500:]
    last = json.loads(datas[-2])
    assert "error" in last and '"finish_reason": "stop"' not in body, body[-500:]
    return last["error"]


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("endpoint", ["ask", "ask_stream", "v1", "v1_stream"])
def test_llm_fault_ends_in_time_with_a_clear_error(llm_server, fake_llm, endpoint, fault):
    reply, says = FAULTS[fault]
    fake_llm.default = reply  # every upstream attempt meets the fault
    before = len(fake_llm.completion_requests())
    try:
        with httpx.Client(base_url=llm_server.url, timeout=60) as client:
            start = time.monotonic()
            status, body = _request(client, endpoint)
            took = time.monotonic() - start
    finally:
        fake_llm.default = None
    attempts = len(fake_llm.completion_requests()) - before

    error = _error_of(status, body, endpoint)
    message = error["message"]
    assert "LLM" in message, message  # it says what failed
    assert any(phrase in message for phrase in says), message
    # /v1 speaks OpenAI's error shape: paperchat's kind is its `code`
    kind = error["code"] if endpoint.startswith("v1") else error["type"]
    assert kind == ("llm_timeout" if fault in TIMEOUTS else "llm_error"), error
    if endpoint.startswith("v1"):
        assert error["type"] == "server_error", error
    if status != 200:
        assert status == (504 if fault in TIMEOUTS else 502), (status, error)
    assert 1 <= attempts <= 3, f"{attempts} upstream attempts for one request"
    if fault == "429s":
        assert attempts == 3, "a short Retry-After is honoured until the attempts run out"
    assert took < DEADLINE + SLACK, f"{endpoint} under {fault} took {took:.1f}s"


def test_server_stays_healthy_after_llm_faults(llm_server, fake_llm):
    fake_llm.push(Reply.hang(30), Reply.error(500), Reply.invalid_json())
    with httpx.Client(base_url=llm_server.url, timeout=60) as client:
        for _ in range(3):
            assert client.post(
                "/api/ask", json={"question": QUESTION, "mode": "llm"}
            ).status_code in (
                502,
                504,
            )
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["llm"] is True
        extractive = client.post("/api/ask", json={"question": QUESTION, "mode": "extractive"})
        assert extractive.status_code == 200
        assert extractive.json()["mode"] == "extractive" and extractive.json()["citations"]
        fake_llm.default = Reply.compute(_cite_first_source)
        try:
            recovered = client.post("/api/ask", json={"question": QUESTION, "mode": "llm"})
        finally:
            fake_llm.default = None
        assert recovered.status_code == 200, recovered.text
        assert recovered.json()["mode"] == "llm"


def _cite_first_source(body) -> Reply:
    """A well-behaved LLM: quote the first fenced abstract's first sentence, cited."""
    prompt = body["messages"][-1]["content"]
    source = prompt.split("<source ", 1)[1]
    n = source.split('n="', 1)[1].split('"', 1)[0]
    sentence = source.split(">", 1)[1].strip().split(". ")[0].rstrip(".")
    return Reply.text(f"{sentence} [{n}].")
