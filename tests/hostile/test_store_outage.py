"""A Chroma server that goes away under a running paperchat server: every request gets
a clear 503 error body (never a 500 or a hang), and once `chroma run` is back on the
same port the next request works, with no restart of paperchat."""

from __future__ import annotations

import threading

import httpx
from helpers import ServerThread, arxiv_record, write_jsonl

from paperchat.build import run_ingest

QUERY = {"query": "sparse expert routing", "k": 3}


def test_api_says_503_while_chroma_server_is_down_and_recovers(
    chroma_server, make_settings, tmp_path
):
    from paperchat.answer.service import Assistant
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_searcher

    settings = make_settings(chroma_url=chroma_server.url, collection="api-outage")
    corpus = write_jsonl(
        tmp_path / "a.jsonl", [arxiv_record(n, "sparse expert routing") for n in range(12)]
    )
    run_ingest(settings, [corpus], rebuild=True)
    searcher = build_searcher(settings)
    app = create_api(Services(searcher=searcher, assistant=Assistant(searcher)))

    statuses: list[int] = []
    stop = threading.Event()

    def hammer(url: str) -> None:  # requests in flight while the store goes away
        with httpx.Client(base_url=url, timeout=60) as client:
            while not stop.is_set():
                statuses.append(client.post("/api/search", json=QUERY).status_code)

    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        before = client.post("/api/search", json=QUERY)
        assert before.status_code == 200
        threads = [threading.Thread(target=hammer, args=(server.url,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            chroma_server.stop()
            for path, body in (
                ("/api/search", QUERY),
                ("/api/ask", {"question": "what is sparse expert routing?"}),
            ):
                down = client.post(path, json=body)
                statuses.append(down.status_code)
                assert down.status_code == 503, down.text
                error = down.json()["error"]
                assert error["type"] == "index_unavailable"
                assert "unreachable" in error["message"]
                assert "chroma run" in error["message"]
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
            chroma_server.start()
        assert set(statuses) <= {200, 503}, statuses  # never a 500, also mid-request

        after = client.post("/api/search", json=QUERY)
        assert after.status_code == 200, after.text
        assert after.json()["results"] == before.json()["results"]
        ask = client.post("/api/ask", json={"question": "what is sparse expert routing?"})
        assert ask.status_code == 200
        assert client.get("/healthz").json()["papers"] == 12


def test_health_is_503_naming_the_store_while_chroma_server_is_down(
    chroma_server, make_settings, tmp_path
):
    """Readiness tells the truth (a load balancer takes the replica out), liveness stays
    200 (a restart would not help), and both recover with the server."""
    from paperchat.answer.service import Assistant
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_searcher

    settings = make_settings(chroma_url=chroma_server.url, collection="health-outage")
    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(n, "routing") for n in range(4)])
    run_ingest(settings, [corpus], rebuild=True)
    searcher = build_searcher(settings)
    app = create_api(Services(searcher=searcher, assistant=Assistant(searcher)))
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        up = client.get("/healthz")
        assert up.status_code == 200
        assert up.json()["status"] == "ok" and up.json()["checks"]["store"]["status"] == "ok"
        chroma_server.stop()
        try:
            down = client.get("/healthz")
            assert down.status_code == 503, down.text
            body = down.json()
            assert body["status"] == "degraded" and body["checks"]["store"]["status"] == "down"
            assert chroma_server.url not in down.text  # open without a key: says what, not where
            assert "llm" not in body["checks"]  # none configured
            assert client.get("/livez").json() == {"status": "alive"}
        finally:
            chroma_server.start()
        again = client.get("/healthz")
        assert again.status_code == 200 and again.json()["papers"] == 4


def test_health_is_503_naming_the_llm_when_the_configured_llm_is_unreachable(
    make_settings, tmp_path
):
    from fakes.openai_server import ScriptedOpenAIServer
    from helpers import free_port

    from paperchat.answer.openai_chat import OpenAIChatModel
    from paperchat.answer.service import Assistant
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_searcher

    settings = make_settings()
    run_ingest(settings, [write_jsonl(tmp_path / "a.jsonl", [arxiv_record(1, "routing")])])
    searcher = build_searcher(settings)

    def status(base_url: str) -> tuple[int, dict]:
        model = OpenAIChatModel("scripted-model", api_key="k", base_url=base_url)
        app = create_api(
            Services(searcher=searcher, assistant=Assistant(searcher, chat_model=model))
        )
        with ServerThread(app) as server:
            resp = httpx.get(f"{server.url}/healthz", timeout=30)
            return resp.status_code, resp.json()

    code, body = status(f"http://127.0.0.1:{free_port()}/v1")  # nothing listens there
    assert code == 503 and body["checks"]["llm"]["status"] == "down"
    assert body["checks"]["store"]["status"] == "ok" and body["llm"] is True
    with ScriptedOpenAIServer() as llm:
        code, body = status(llm.base_url)
        assert code == 200 and body["checks"]["llm"] == {"status": "ok", "message": None}
