"""The HTTP API over real HTTP: happy paths, bad input, auth and concurrency."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

RESULT_KEYS = {"id", "title", "abstract", "score", "published", "authors", "url", "code_url"}
ANSWER_KEYS = {"question", "answer", "abstained", "mode", "citations", "sources"}


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=120) as c:
        yield c


def test_healthz(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["papers"] == 466 and body["chunks"] >= 466
    assert body["llm"] is False


def test_search(client):
    body = client.post("/api/search", json={"query": "speech separation", "k": 3}).json()
    assert body["query"] == "speech separation"
    assert len(body["results"]) == 3
    assert all(set(r) >= RESULT_KEYS for r in body["results"])
    assert "tasnet" in json.dumps(body).lower()


def test_search_since(client):
    body = client.post("/api/search", json={"query": "graphs", "k": 5, "since": 2024}).json()
    assert body["results"] and all(r["published"] >= "2024" for r in body["results"])


def test_ask_returns_a_cited_answer(client):
    body = client.post("/api/ask", json={"question": "which papers prune large language models?"})
    assert body.status_code == 200, body.text
    answer = body.json()
    assert set(answer) >= ANSWER_KEYS
    assert answer["mode"] == "extractive" and not answer["abstained"]
    assert answer["citations"] and "[1]" in answer["answer"]
    source_ids = {s["id"] for s in answer["sources"]}
    assert all(c["id"] in source_ids for c in answer["citations"])


def test_ask_stream_ends_with_the_answer_object(client):
    with client.stream("POST", "/api/ask/stream", json={"question": "what is NPNet?"}) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = list(resp.iter_lines())
    events = [line for line in lines if line.startswith("event: ")]
    data = [line for line in lines if line.startswith("data: ")]
    assert events[-1] == "event: answer", lines
    assert events.count("event: answer") == 1
    final = json.loads(data[-1][len("data: ") :])
    assert set(final) >= ANSWER_KEYS


def test_follow_up_with_history(client):
    first = client.post("/api/ask", json={"question": "what is NPNet?"}).json()
    history = [
        {"role": "user", "content": "what is NPNet?"},
        {"role": "assistant", "content": first["answer"]},
    ]
    follow = client.post(
        "/api/ask", json={"question": "how big is its training set?", "history": history}
    ).json()
    assert "golden noise" in json.dumps(follow["sources"][:3]).lower()


def test_summarize(client):
    body = client.post("/api/summarize", json={"topic": "graph neural networks", "k": 5})
    assert body.status_code == 200, body.text
    summary = body.json()
    assert summary["topic"] == "graph neural networks" and summary["citations"]


def test_table_over_http_is_the_summarys_papers_with_verbatim_cells(client):
    body = client.post("/api/table", json={"topic": "graph neural networks", "k": 4})
    assert body.status_code == 200, body.text
    table = body.json()
    assert set(table) >= {"topic", "abstained", "verdict", "mode", "columns", "rows", "sources"}
    assert table["columns"] == ["task", "method", "data", "result"]
    assert table["mode"] == "extractive" and not table["abstained"] and 1 <= len(table["rows"]) <= 4
    summary = client.post("/api/summarize", json={"topic": "graph neural networks", "k": 4}).json()
    assert {r["id"] for r in table["rows"]} == {s["id"] for s in summary["sources"]}
    abstracts = {s["id"]: s["abstract"] for s in table["sources"]}
    titles = [r["title"] for r in table["rows"]]
    assert "Towards Deeper Graph Neural Networks" in titles
    for row in table["rows"]:
        assert set(row) >= {"id", "title", "url", "year", "relevance", *table["columns"]}
        for column in table["columns"]:
            cell = row[column]
            assert (
                (cell["text"] is None) == (cell["empty_reason"] is not None) == (not cell["spans"])
            )
            for span in cell["spans"]:
                assert abstracts[row["id"]][span["start"] : span["end"]] == span["text"]
    deeper = next(r for r in table["rows"] if r["title"] == "Towards Deeper Graph Neural Networks")
    assert "DAGNN" in deeper["method"]["text"]


def test_table_of_nothing_abstains_and_llm_mode_needs_a_model(client):
    table = client.post("/api/table", json={"topic": "sourdough starter feeding"}).json()
    assert table["abstained"] and table["rows"] == [] and table["sources"]
    resp = client.post("/api/table", json={"topic": "graph neural networks", "mode": "llm"})
    assert resp.status_code == 400 and "OPENAI_API_KEY" in resp.json()["error"]["message"]


def test_paper_and_bibtex(client):
    hit = client.post("/api/search", json={"query": "Conv-TasNet", "k": 1}).json()["results"][0]
    paper = client.get(f"/api/papers/{hit['id']}").json()
    assert paper["id"] == hit["id"] and paper["abstract"]
    bib = client.get(f"/api/papers/{hit['id']}/bibtex")
    assert bib.status_code == 200 and bib.text.lstrip().startswith("@")
    assert "Conv-TasNet" in bib.text


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("POST", "/api/search", {"query": ""}, 422),
        ("POST", "/api/search", {"query": "   \n\t"}, 422),
        ("POST", "/api/search", {"query": "x", "k": 0}, 422),
        ("POST", "/api/search", {"query": "x", "k": 10_000}, 422),
        ("POST", "/api/search", {"query": 42}, 422),
        ("POST", "/api/search", {"query": "x", "surprise": True}, 422),
        ("POST", "/api/ask", {"question": "  "}, 422),
        ("POST", "/api/ask", {"question": "q" * 2001}, 422),
        ("POST", "/api/ask", {"question": "q", "mode": "telepathy"}, 422),
        (
            "POST",
            "/api/ask",
            {"question": "q", "history": [{"role": "wizard", "content": "x"}]},
            422,
        ),
        ("POST", "/api/summarize", {"topic": ""}, 422),
        ("POST", "/api/table", {"topic": " "}, 422),
        ("POST", "/api/table", {"topic": "x", "k": 31}, 422),
        ("POST", "/api/table", {"topic": "x", "mode": "guess"}, 422),
        ("GET", "/api/papers/no-such-paper", None, 404),
        ("GET", "/api/papers/no-such-paper/bibtex", None, 404),
        ("POST", "/v1/chat/completions", {"messages": []}, 422),
        (
            "POST",
            "/v1/chat/completions",
            {"messages": [{"role": "assistant", "content": "x"}]},
            400,
        ),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(client, method, path, payload, status):
    resp = client.request(method, path, json=payload)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["message"] and error["type"]


def test_malformed_json(client):
    resp = client.post(
        "/api/search", content=b'{"query": "x",', headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422 and "error" in resp.json()


def test_llm_mode_without_llm_is_a_clear_400(client):
    resp = client.post("/api/ask", json={"question": "what is NPNet?", "mode": "llm"})
    assert resp.status_code == 400
    assert "OPENAI_API_KEY" in resp.json()["error"]["message"]


def test_body_over_limit_is_413(client):
    resp = client.post("/api/search", json={"query": "x" * 100_000})
    assert resp.status_code == 413
    assert "too_large" in resp.text


def test_no_files_served(client):
    for path in ("/../pyproject.toml", "/static/../../etc/passwd", "/data/papers/"):
        assert client.get(path).status_code == 404


def test_twenty_concurrent_clients_get_their_own_answers(live_server):
    questions = {
        "speech separation": "tasnet",
        "golden noise for diffusion": "golden",
        "label noise on graphs": "erase",
        "pruning large language models": "prun",
        "monocular depth estimation semi-supervised": "depth",
    }
    jobs = [q for q in questions for _ in range(4)]

    def ask(question: str) -> tuple[str, dict]:
        with httpx.Client(base_url=live_server.url, timeout=180) as c:
            return question, c.post("/api/search", json={"query": question, "k": 3}).json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, jobs))
    assert len(results) == 20
    for question, body in results:
        assert body["query"] == question
        titles = " ".join((r["title"] or "").lower() for r in body["results"])
        assert questions[question] in titles, (question, titles)


def test_bearer_token_required_when_configured(secured_server):
    with httpx.Client(base_url=secured_server.url, timeout=60) as c:
        assert c.get("/healthz").status_code == 200
        assert c.post("/api/search", json={"query": "x"}).status_code == 401
        assert c.get("/v1/models").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert c.post("/api/search", json={"query": "x"}, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret-token"}
        assert c.post("/api/search", json={"query": "x"}, headers=right).status_code == 200


def test_an_answer_has_a_bundle_over_http(client):
    answer = client.post("/api/ask", json={"question": "what is NPNet?", "k": 3}).json()
    bundle = client.get(f"/api/answers/{answer['id']}/bundle")
    assert bundle.status_code == 200, bundle.text
    body = bundle.json()
    assert body["format"] == "paperchat.bundle/1" and body["id"] == answer["id"]
    assert body["request"]["k"] == 3 and body["answer"] == answer
    assert body["index"]["papers"] == 466 and body["retrieved"][0]["chunk_id"]
    assert set(body["cited"]) == {c["id"] for c in answer["citations"]}


def test_an_unknown_bundle_is_a_404_in_the_error_shape(client):
    resp = client.get("/api/answers/no-such-answer/bundle")
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "not_found"
    assert "POST /api/ask" in resp.json()["error"]["message"]
