"""Coverage over real HTTP: /api/ask, its stream, /api/summarize and /v1's `paperchat`
field carry the same coverage object, and /openapi.json describes it."""

from __future__ import annotations

import json

import httpx
import pytest

pytestmark = pytest.mark.slow

QUESTION = "Which methods learn with noisy labels?"
COVERAGE_KEYS = {"papers", "cited", "first_year", "last_year", "undated", "years", "note"}


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        yield c


def check(coverage: dict, cited_ids: set[str]) -> None:
    assert set(coverage) == COVERAGE_KEYS
    assert coverage["cited"] == len(cited_ids)
    years = coverage["years"]
    assert sum(y["relevant"] for y in years) + coverage["undated"] == coverage["papers"]
    assert sum(y["cited"] for y in years) <= coverage["cited"]
    assert [y["year"] for y in years] == sorted(y["year"] for y in years)
    if years:
        assert (coverage["first_year"], coverage["last_year"]) == (
            years[0]["year"],
            years[-1]["year"],
        )
    assert coverage["note"].startswith(f"{coverage['papers']} paper")
    assert coverage["note"].endswith(f"{coverage['cited']} cited")


def test_ask_carries_coverage(client):
    answer = client.post("/api/ask", json={"question": QUESTION}).json()
    assert not answer["abstained"]
    cited = {c["id"] for c in answer["citations"]}
    check(answer["coverage"], cited)
    assert answer["coverage"]["papers"] > len(cited)  # more bear on it than are quoted


def test_streamed_answer_ends_with_the_same_coverage(client):
    plain = client.post("/api/ask", json={"question": QUESTION}).json()["coverage"]
    with client.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as response:
        body = "".join(response.iter_text())
    final = body.split("event: answer\n", 1)[1]
    data = json.loads(final.split("data: ", 1)[1].split("\n", 1)[0])
    assert data["coverage"] == plain


def test_abstention_rests_on_no_paper(client):
    answer = client.post("/api/ask", json={"question": "How do I keep a sourdough starter alive?"})
    body = answer.json()
    assert body["abstained"] and body["sources"]
    assert body["coverage"]["papers"] == 0 and body["coverage"]["years"] == []


def test_summarize_carries_coverage(client):
    summary = client.post("/api/summarize", json={"topic": "graph neural networks", "k": 5}).json()
    cited = {c["id"] for c in summary["citations"]}
    check(summary["coverage"], cited)
    assert 1 <= summary["coverage"]["papers"] <= 5


def test_openai_compatible_field_carries_coverage(client):
    body = {"model": "paperchat", "messages": [{"role": "user", "content": QUESTION}]}
    reply = client.post("/v1/chat/completions", json=body).json()
    plain = client.post("/api/ask", json={"question": QUESTION}).json()["coverage"]
    assert reply["paperchat"]["coverage"] == plain


def test_openapi_describes_coverage(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["Coverage"]["properties"]) >= COVERAGE_KEYS
    assert "coverage" in schemas["Answer"]["properties"]
    assert "coverage" in schemas["Summary"]["properties"]
