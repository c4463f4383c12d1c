"""Shared fixtures. Tests never reach the network: only loopback connections are allowed."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["PAPERCHAT_CONFIG"] = "/nonexistent/paperchat.toml"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# The test suite's own knobs (`make soak` sets them) stay; paperchat's settings go.
TEST_KNOBS = ("PAPERCHAT_CONFIG", "PAPERCHAT_FUZZ_", "PAPERCHAT_LOAD_", "PAPERCHAT_CRASH_")
for _name in list(os.environ):
    if _name.startswith("PAPERCHAT_") and not _name.startswith(TEST_KNOBS):
        del os.environ[_name]
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_name, None)

from helpers import ChromaServer  # noqa: E402

from paperchat.settings import Settings, bundled_corpus_dir  # noqa: E402

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    inet = self.family in (socket.AF_INET, socket.AF_INET6)
    if inet and isinstance(host, str) and not host.startswith("127.") and host != "::1":
        raise OSError(f"tests may not reach the network (tried {address})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def make_settings(tmp_path):
    """Settings for an isolated data dir; the fast hash embedder unless told otherwise."""

    def make(**overrides) -> Settings:
        values = {"data_dir": tmp_path / "data", "embed_model": "hash"} | overrides
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return bundled_corpus_dir()


@pytest.fixture(scope="session")
def minilm_settings(tmp_path_factory) -> Settings:
    """The bundled corpus indexed once with the real packaged MiniLM model."""
    from paperchat.build import run_ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("minilm"), embed_model="minilm")
    report = run_ingest(settings)
    assert report.papers == 466
    return settings


@pytest.fixture(scope="session")
def minilm_searcher(minilm_settings):
    from paperchat.build import build_searcher

    return build_searcher(minilm_settings)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(minilm_settings):
    """A real paperchat server (uvicorn) on a free loopback port, over the MiniLM index;
    one per session, shared by the API, client-matrix and MCP tests."""
    from helpers import ServerThread

    from paperchat.server import create_app

    with ServerThread(create_app(minilm_settings)) as server:
        yield server


@pytest.fixture(scope="session")
def secured_server(minilm_settings):
    """The same, with PAPERCHAT_API_KEY set to `s3cret-token`."""
    from helpers import ServerThread
    from pydantic import SecretStr

    from paperchat.server import create_app

    settings = minilm_settings.model_copy(update={"api_key": SecretStr("s3cret-token")})
    with ServerThread(create_app(settings)) as server:
        yield server
