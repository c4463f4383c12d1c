"""Safe defaults: loopback binding, bearer/login auth over every API and UI route when a
key is set, no file paths served, no public share link."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI
from helpers import ServerThread
from pydantic import SecretStr
from typer.testing import CliRunner

from paperchat.answer.models import Answer
from paperchat.api.services import Services
from paperchat.corpus.paper import Paper
from paperchat.settings import Settings, bundled_corpus_dir

ROOT = Path(__file__).resolve().parents[2]
KEY = "t0p-secret-key"
PAPER = Paper(id="p1", title="A paper", abstract="It says one thing.", published="2024-01-01")


class Corpus:
    """The searcher surface the API and UI touch."""

    papers: ClassVar[dict[str, Paper]] = {PAPER.id: PAPER}

    def search(self, query, k=None, since=None):
        return []

    def refresh(self):
        pass


class Assistant:
    chat_model = None

    def ask(self, question, history=None, mode="auto", k=None, since=None, trace=None):
        return Answer(
            question=question,
            answer="",
            abstained=True,
            mode="extractive",
            citations=[],
            sources=[],
        )

    def ask_stream(self, question, history=None, mode="auto", k=None, since=None, trace=None):
        yield self.ask(question)


# -- loopback ------------------------------------------------------------------------


def test_settings_bind_loopback_by_default(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.host == "127.0.0.1" and settings.port == 7860


@pytest.mark.parametrize(
    ("args", "env", "host"),
    [
        ([], {}, "127.0.0.1"),
        ([], {"PAPERCHAT_HOST": "0.0.0.0"}, "0.0.0.0"),  # only when asked for
        (["--host", "::1"], {}, "::1"),
    ],
)
def test_serve_binds_loopback_unless_told(monkeypatch, args, env, host):
    import uvicorn

    import paperchat.server
    from paperchat.cli import app

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(paperchat.server, "create_app", lambda settings: FastAPI())
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 0, result.output
    assert calls == [{"host": host, "port": 7860, "log_level": "info"}]


def test_make_run_serves_on_loopback():
    dry = subprocess.run(
        ["make", "-n", "-W", "install", "serve"], cwd=ROOT, capture_output=True, text=True
    )
    assert "serve --host 127.0.0.1 --port 7860" in dry.stdout, dry.stdout + dry.stderr


# -- auth ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """The server exactly as create_app assembles it, over fake services, with a key."""
    from paperchat.api.app import create_api
    from paperchat.ui.app import mount_ui

    settings = Settings(data_dir=tmp_path_factory.mktemp("secured"), api_key=SecretStr(KEY))
    services = Services(searcher=Corpus(), assistant=Assistant())
    app = mount_ui(create_api(services, api_key=KEY), services, settings)
    with ServerThread(app) as server:
        yield server


CHAT = {"data": ["hello", 5, "any", "extractive"], "fn_index": 0, "session_hash": "s1"}
# Every route that answers, runs an event, reads the app's config or serves a file.
GUARDED = [
    ("POST", "/api/search", {"query": "x"}),
    ("POST", "/api/ask", {"question": "x"}),
    ("POST", "/api/ask/stream", {"question": "x"}),
    ("GET", "/api/papers/p1", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}),
    ("POST", "/v1/responses", {"input": "x"}),
    ("GET", "/v1/models/paperchat", None),
    ("GET", "/v1/no-such-route", None),
    ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
    ("GET", "/config", None),
    ("GET", "/gradio_api/info", None),
    ("GET", "/gradio_api/openapi.json", None),
    ("POST", "/gradio_api/queue/join", CHAT),
    ("POST", "/gradio_api/call/chat", {"data": ["hello", 5, "any", "extractive"]}),
    ("POST", "/gradio_api/run/chat", {"data": ["hello", 5, "any", "extractive"]}),
    ("POST", "/gradio_api/api/chat", {"data": ["hello", 5, "any", "extractive"]}),
    ("GET", "/gradio_api/queue/status", None),
    ("POST", "/gradio_api/upload", None),
    ("POST", "/gradio_api/component_server", {"fn_name": "x", "component_id": 1, "data": None}),
    ("GET", "/gradio_api/file=/etc/passwd", None),
    ("GET", "/gradio_api/file/etc/passwd", None),
    ("GET", "/gradio_api/proxy=http://example.com/x", None),
]


@pytest.mark.parametrize(("method", "path", "body"), GUARDED)
def test_every_route_needs_the_key(secured, method, path, body):
    with httpx.Client(base_url=secured.url, timeout=30) as client:
        resp = client.request(method, path, json=body)
        assert resp.status_code == 401, (resp.status_code, resp.text[:200])
        assert "hello" not in resp.text and "root:" not in resp.text
        wrong = client.request(method, path, json=body, headers={"Authorization": "Bearer no"})
        assert wrong.status_code == 401


def test_the_key_opens_the_api_and_the_login_opens_the_ui(secured):
    with httpx.Client(base_url=secured.url, timeout=30) as client:
        bearer = {"Authorization": f"Bearer {KEY}"}
        assert client.get("/v1/models", headers=bearer).status_code == 200
        assert client.post("/api/ask", json={"question": "x"}, headers=bearer).status_code == 200
        # The page itself only shows the login form: nothing of the app's config in it.
        page = client.get("/")
        assert page.status_code == 200 and "pc-question" not in page.text
        assert client.post("/login", data={"username": "u", "password": "no"}).status_code == 400
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "u", "password": KEY}).status_code == 200
        assert client.get("/config").status_code == 200
        assert client.get("/gradio_api/info").status_code == 200


# -- no files ------------------------------------------------------------------------


def _file_probes(data_dir: Path) -> list[str]:
    corpus_file = next(bundled_corpus_dir().iterdir())
    targets = [
        "/etc/passwd",
        str(data_dir / "chroma" / "chroma.sqlite3"),
        str(ROOT / "pyproject.toml"),
        str(corpus_file),
        "pyproject.toml",
        "../../../../etc/passwd",
    ]
    paths = []
    for target in targets:
        paths += [f"/file={target}", f"/gradio_api/file={target}", f"/gradio_api/file/{target}"]
    paths += [
        "/static/../../../../etc/passwd",
        "/assets/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/gradio_api/file=%2fetc%2fpasswd",
        "/..%2f..%2f..%2fpyproject.toml",
        "/data/papers/",
        f"/{corpus_file.name}",
        "/gradio_api/proxy=http://127.0.0.1:1/etc/passwd",
    ]
    return paths


LEAKS = ("root:x:0:0", "SQLite format 3", "[project]", "[build-system]", "Abstract:")


@pytest.mark.slow
def test_no_file_paths_served(app_server, minilm_settings):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        for path in _file_probes(minilm_settings.data_dir):
            resp = client.get(path)
            assert resp.status_code in (400, 403, 404, 405), (path, resp.status_code)
            assert not any(leak in resp.text for leak in LEAKS), (path, resp.text[:200])
            raw = httpx.Request("GET", app_server.url + "/x")  # unnormalized, as a raw client
            raw.url = raw.url.copy_with(raw_path=path.encode())
            resp = client.send(raw)
            assert resp.status_code in (400, 403, 404, 405), (path, resp.status_code)
            assert not any(leak in resp.text for leak in LEAKS), (path, resp.text[:200])


# -- no share link -------------------------------------------------------------------


def test_no_share_link_and_no_outbound_connection(tmp_path, monkeypatch):
    from paperchat.api.app import create_api
    from paperchat.ui.app import mount_ui

    outbound = []
    real_getaddrinfo = socket.getaddrinfo
    loopback_connect = socket.socket.connect  # the suite's guard, which raises

    def record_lookup(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1", "0.0.0.0"):
            outbound.append(("lookup", host))
        return real_getaddrinfo(host, *args, **kwargs)

    def record_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not host.startswith("127.") and host != "::1":
            outbound.append(("connect", address))
        return loopback_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", record_lookup)
    monkeypatch.setattr(socket.socket, "connect", record_connect)

    services = Services(searcher=Corpus(), assistant=Assistant())
    app = mount_ui(create_api(services), services, Settings(data_dir=tmp_path))
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/").status_code == 200
        config = client.get("/config").json()
        info = client.get("/gradio_api/info")
        assert info.status_code == 200
    assert not config.get("share_url") and not config.get("is_space")
    assert "gradio.live" not in str(config)
    (blocks,) = [
        r.app.get_blocks() for r in app.routes if hasattr(r, "app") and hasattr(r.app, "get_blocks")
    ]
    assert blocks.share is False and blocks.share_url is None
    assert outbound == [], f"the server reached out: {outbound}"
