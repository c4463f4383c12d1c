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
