"""A real paperchat server (uvicorn) on a free loopback port, over the MiniLM index."""

from __future__ import annotations

import pytest
from helpers import ServerThread
from pydantic import SecretStr


@pytest.fixture(scope="session")
def live_server(minilm_settings):
    from paperchat.server import create_app

    with ServerThread(create_app(minilm_settings)) as server:
        yield server


@pytest.fixture(scope="session")
def secured_server(minilm_settings):
    from paperchat.server import create_app

    settings = minilm_settings.model_copy(update={"api_key": SecretStr("s3cret-token")})
    with ServerThread(create_app(settings)) as server:
        yield server
