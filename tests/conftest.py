"""Shared fixtures. Tests never reach the network: only loopback connections are allowed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["PAPERCHAT_CONFIG"] = "/nonexistent/paperchat.toml"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for _name in list(os.environ):
    if _name.startswith("PAPERCHAT_") and _name != "PAPERCHAT_CONFIG":
        del os.environ[_name]
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
    os.environ.pop(_name, None)

from paperchat.settings import Settings, bundled_corpus_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class ChromaServer:
    """A real `chroma run` process on loopback, which tests may stop and start again."""

    def __init__(self, path: Path):
        self.path = path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
        self.proc = subprocess.Popen(
            [
                chroma,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    server.start()
    yield server
    server.stop()
