"""Warm latency of search and of an extractive answer: in process (paperchat's building
blocks) and through `/api` of the real app (create_app) served by uvicorn in a thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from bench.common import latency_ms, query_set, settings_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 120, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port}")


class ServedApp:
    """The app on loopback in a background thread, as tests/helpers.py's ServerThread."""

    def __init__(self, app):
        import uvicorn

        self.port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        _wait_for_port(self.port)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def warm_latency(data_dir: Path, n: int) -> dict:
    """Needs an ingested data_dir. n queries each (eval questions, then title questions)."""
    import httpx

    from paperchat.build import build_assistant, build_searcher
    from paperchat.server import create_app

    settings = settings_for(data_dir)
    searcher = build_searcher(settings)
    assistant = build_assistant(settings, searcher=searcher)
    queries = query_set(n, list(searcher.papers.values()))
    embed = searcher.embedder.embed_query
    result = {
        "queries": len(queries),
        "embedder": searcher.embedder.name,
        "in_process": {
            "query_embedding": latency_ms(embed, queries),
            "search": latency_ms(lambda q: searcher.search(q, 5), queries),
            "answer_extractive": latency_ms(
                lambda q: assistant.ask(q, mode="extractive"), queries, warmup=None
            ),
        },
    }
    with ServedApp(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as http:

        def api(path: str, body: dict) -> None:
            http.post(path, json=body).raise_for_status()

        result["api"] = {
            "search": latency_ms(lambda q: api("/api/search", {"query": q, "k": 5}), queries),
            "answer_extractive": latency_ms(
                lambda q: api("/api/ask", {"question": q, "mode": "extractive"}), queries
            ),
        }
    return result
