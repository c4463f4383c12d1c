"""The real app (uvicorn over HTTP, MiniLM index) for the robustness tests."""

from __future__ import annotations

import pytest
from helpers import ServerThread


@pytest.fixture(scope="session")
def app_server(minilm_settings):
    """API and UI in one real server, as `paperchat serve` runs them."""
    from paperchat.server import create_app

    with ServerThread(create_app(minilm_settings)) as server:
        yield server
