"""Strict types at the edge and wrong methods in the API's error shape (issue 17, item 7).

The real app (API with the UI mounted at `/`, as `paperchat serve` builds it) over HTTP,
on a small hash-embedded index."""

from __future__ import annotations

import httpx
import pytest
from helpers import ServerThread, arxiv_record, write_jsonl

from paperchat.build import run_ingest


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from paperchat.server import create_app
    from paperchat.settings import Settings

    root = tmp_path_factory.mktemp("strict")
    settings = Settings(data_dir=root / "data", embed_model="hash")
    run_ingest(settings, [write_jsonl(root / "a.jsonl", [arxiv_record(1, "speech")])])
    with (
        ServerThread(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=60) as c,
    ):
        yield c


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/search", {"query": "speech", "k": "3"}),
        ("/api/search", {"query": "speech", "k": True}),
        ("/api/search", {"query": "speech", "k": 3.0}),
        ("/api/search", {"query": "speech", "since": "2020"}),
        ("/api/search", {"query": 5}),
        ("/api/ask", {"question": "speech?", "k": "2"}),
        ("/api/ask", {"question": "speech?", "since": False}),
        ("/api/summarize", {"topic": "speech", "k": "4"}),
    ],
)
def test_wrong_json_types_are_422_not_coerced(client, path, body):
    resp = client.post(path, json=body)
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["type"] == "invalid_request"


def test_right_types_still_pass(client):
    assert client.post("/api/search", json={"query": "speech", "k": 3}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/ask", "POST"),
        ("GET", "/api/search", "POST"),
        ("PUT", "/api/summarize", "POST"),
        ("DELETE", "/api/papers/arxiv:2401.00001", "GET"),
        ("POST", "/api/papers/arxiv:2401.00001/bibtex", "GET"),
        ("GET", "/v1/chat/completions", "POST"),
        ("POST", "/v1/models", "GET"),
    ],
)
def test_wrong_method_is_405_in_the_documented_error_shape(client, method, path, allow):
    resp = client.request(method, path)
    assert resp.status_code == 405, (resp.status_code, resp.text[:200])
    error = resp.json()["error"]
    # under /v1 the error is OpenAI's shape: paperchat's kind travels as its `code`
    kind = error["code"] if path.startswith("/v1/") else error["type"]
    assert kind == "method_not_allowed"
    assert allow in resp.headers["allow"]


def test_unknown_api_path_is_404_in_the_api_shape(client):
    resp = client.get("/api/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "not_found"
