"""Test helpers shared across folders (conftest modules cannot import each other)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

BIN = Path(sys.executable).parent
# Debian's headless Chromium, as the browser tests start it: Playwright cannot download a
# browser here, and without the background-networking flags Chromium keeps dialling out.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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


class ServerThread:
    def __init__(self, app):
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def arxiv_record(n: int, topic: str, **fields) -> dict:
    """One arXiv-snapshot JSONL record (id 2401.nnnnn) whose title and abstract are about
    `topic`, so a test can tell its papers apart by query."""
    return {
        "id": f"2401.{n:05d}",
        "title": f"Paper {n} on {topic}",
        "abstract": f"We study {topic}, variant number {n}. Our analysis of {topic} holds up "
        f"on every benchmark we tried for {topic}.",
        "authors": "Ada Lovelace and Alan Turing",
        "categories": "cs.LG",
        "update_date": "2024-01-15",
    } | fields


def write_jsonl(path: Path, records) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def write_artifact(name: str, payload: dict) -> Path:
    """A JSON report under test-artifacts/ (load figures, fuzz counts), for the closing note."""
    import json

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


@contextmanager
def local_page(
    browser, base_url: str, outside: list[str], *, width: int, height: int, timeout: int
) -> Iterator:
    """A Chromium page on `base_url` that may load nothing from anywhere else: any other
    request is aborted and its URL appended to `outside`, for the test to check."""
    context = browser.new_context(viewport={"width": width, "height": height})

    def block(route) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(base_url), block)
    page = context.new_page()
    page.set_default_timeout(timeout)
    page.goto(base_url + "/")
    try:
        yield page
    finally:
        context.close()


# queries both BM25 indexes (built whole, written a page at a time) must rank alike
KEYWORD_QUERIES = [
    "pruning large language models",
    "speech separation in the time domain",
    "golden noise for text-to-image diffusion",
    "label noise on graphs",
    "what FID does the model reach on CIFAR-10?",
    "the of and",  # stop words only
    "zzqx unknownword",
]


def bundled_chunks() -> list[tuple[str, str, str]]:
    """(chunk id, paper id, text): one chunk per bundled paper, its title and abstract."""
    from paperchat.corpus.loader import load_corpus
    from paperchat.settings import bundled_corpus_dir

    papers = load_corpus([bundled_corpus_dir()]).papers
    return [(f"{p.id}#0", p.id, f"{p.title or ''}\n{p.abstract}") for p in papers]
