"""The web server: API and UI in one FastAPI process (`paperchat serve`, `python app.py`)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from paperchat.settings import Settings

PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>paperchat</title></head>
<body style="font-family: system-ui; max-width: 40rem; margin: 4rem auto">
<h1>paperchat</h1><p>The chat UI is coming. The API is live:
<a href="/docs">/docs</a>, <a href="/healthz">/healthz</a>.</p></body></html>"""


def create_app(settings: Settings) -> FastAPI:
    from paperchat.build import build_searcher

    searcher = build_searcher(settings)
    app = FastAPI(title="paperchat", version="0.1.0")

    @app.get("/healthz")
    def healthz() -> dict:
        return {
            "status": "ok",
            "papers": len(searcher.papers),
            "chunks": searcher.store.count(),
            "llm": False,
        }

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return PLACEHOLDER

    return app
