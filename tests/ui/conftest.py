"""The real paperchat server (API + UI) on loopback, and Debian's headless Chromium.

The helpers are defined here rather than imported: under pytest's default import mode
every conftest.py is the module `conftest`, so `from conftest import ...` inside a
nested conftest finds itself.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from helpers import CHROMIUM, CHROMIUM_ARGS
from pydantic import SecretStr

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "ui"
API_KEY = "s3cret-ui-token"


class UIServer:
    """`create_app(settings)` served by uvicorn in a thread on a free loopback port."""

    def __init__(self, app, api_key: str | None = None):
        self.api_key = api_key
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> UIServer:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the UI server did not start")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def ui_server(minilm_settings) -> Iterator[UIServer]:
    from paperchat.server import create_app

    with UIServer(create_app(minilm_settings)) as server:
        yield server


@pytest.fixture(scope="session")
def secured_ui_server(minilm_settings) -> Iterator[UIServer]:
    from paperchat.server import create_app

    settings = minilm_settings.model_copy(update={"api_key": SecretStr(API_KEY)})
    with UIServer(create_app(settings), api_key=API_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def outside() -> list[str]:
    """The URLs outside the server that a module's page tried to load (helpers.local_page)."""
    return []


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
