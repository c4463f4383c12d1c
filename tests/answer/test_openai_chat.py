"""The OpenAI adapter with the real `openai` SDK against the scripted HTTP server."""

from __future__ import annotations

import time

import pytest
from fakes.openai_server import Reply

from paperchat.errors import ProviderError

MESSAGES = [{"role": "user", "content": "hi"}]


def test_complete(openai_server, make_chat_model):
    openai_server.push(Reply.text("Hello there [1]."))
    assert make_chat_model().complete(MESSAGES) == "Hello there [1]."
    request = openai_server.completion_requests()[0]
    assert request.body["model"] == "scripted-model" and request.messages == MESSAGES
    assert request.headers["authorization"] == "Bearer test-key"
    assert not request.stream


def test_stream(openai_server, make_chat_model):
    openai_server.push(Reply.text("one two three"))
    deltas = list(make_chat_model().stream(MESSAGES))
    assert "".join(deltas) == "one two three" and len(deltas) == 3
    assert openai_server.completion_requests()[0].stream


def test_429_then_success_honours_retry_after(openai_server, make_chat_model):
    openai_server.push(Reply.error(429, retry_after=0.3), Reply.text("ok"))
    started = time.monotonic()
    assert make_chat_model().complete(MESSAGES) == "ok"
    assert time.monotonic() - started >= 0.3
    assert len(openai_server.completion_requests()) == 2


def test_500s_stop_at_three_attempts(openai_server, make_chat_model):
    openai_server.default = Reply.error(500)
    with pytest.raises(ProviderError) as caught:
        make_chat_model().complete(MESSAGES)
    assert caught.value.status == 500 and caught.value.retryable
    assert "after 3 attempts" in str(caught.value)
    assert len(openai_server.completion_requests()) == 3


def test_500s_stop_at_the_deadline(openai_server, make_chat_model):
    openai_server.default = Reply.error(503, retry_after=0.8)
    model = make_chat_model(deadline=1.0, max_attempts=10)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="deadline"):
        model.complete(MESSAGES)
    assert time.monotonic() - started < 2.0
    assert 1 <= len(openai_server.completion_requests()) <= 2


def test_hanging_server_is_cut_off_by_the_deadline(openai_server, make_chat_model):
    openai_server.default = Reply.hang(30)
    model = make_chat_model(attempt_timeout=0.7, deadline=1.5)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        model.complete(MESSAGES)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed
    assert caught.value.retryable and "did not answer" in str(caught.value)
    assert len(openai_server.completion_requests()) <= 3


def test_stream_that_goes_silent_fails(openai_server, make_chat_model):
    openai_server.push(Reply.stall("never finishes", after=1, seconds=30))
    model = make_chat_model(attempt_timeout=0.7, deadline=1.5)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="broke off"):
        list(model.stream(MESSAGES))
    assert time.monotonic() - started < 3.0
    assert len(openai_server.completion_requests()) == 1  # never retried once text showed


def test_truncated_stream_is_an_error_not_a_short_answer(openai_server, make_chat_model):
    openai_server.push(Reply.truncated("a reply that is cut", after=2))
    with pytest.raises(ProviderError, match="ended the stream"):
        list(make_chat_model().stream(MESSAGES))


def test_stream_retries_before_the_first_token(openai_server, make_chat_model):
    openai_server.push(Reply.error(502), Reply.text("fine now"))
    assert "".join(make_chat_model().stream(MESSAGES)) == "fine now"


def test_invalid_json_is_retried_then_reported(openai_server, make_chat_model):
    openai_server.default = Reply.invalid_json()
    with pytest.raises(ProviderError, match="cannot read"):
        make_chat_model().complete(MESSAGES)
    assert len(openai_server.completion_requests()) == 3


def test_bad_key_fails_at_once_and_says_what_to_set(openai_server, make_chat_model):
    openai_server.push(Reply.error(401, "invalid api key"))
    with pytest.raises(ProviderError) as caught:
        make_chat_model().complete(MESSAGES)
    assert caught.value.status == 401 and not caught.value.retryable
    assert "OPENAI_API_KEY" in str(caught.value)
    assert len(openai_server.completion_requests()) == 1


def test_unknown_model_names_the_setting(openai_server, make_chat_model):
    openai_server.push(Reply.error(404, "model not found"))
    with pytest.raises(ProviderError, match="PAPERCHAT_LLM_MODEL"):
        make_chat_model().complete(MESSAGES)


def test_nothing_listening_says_check_the_base_url(make_chat_model):
    model = make_chat_model(base_url="http://127.0.0.1:9/v1", deadline=1.0, backoff=0.01)
    with pytest.raises(ProviderError, match="OPENAI_BASE_URL"):
        model.complete(MESSAGES)


def test_models_endpoint_for_other_clients(openai_server):
    from openai import OpenAI

    client = OpenAI(base_url=openai_server.base_url, api_key="k", max_retries=0)
    assert [m.id for m in client.models.list()] == ["scripted-model"]
    vectors = client.embeddings.create(model="e", input=["a", "b"]).data
    assert len(vectors) == 2 and len(vectors[0].embedding) == 8
