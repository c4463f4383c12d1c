"""The web server: API and UI in one FastAPI process (`paperchat serve`, `python app.py`)."""

from __future__ import annotations

from fastapi import FastAPI

from paperchat.settings import Settings


def create_app(settings: Settings) -> FastAPI:
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_assistant, build_corpus_maps, build_searcher
    from paperchat.ui.app import mount_ui

    searcher = build_searcher(settings)
    services = Services(
        searcher=searcher,
        assistant=build_assistant(settings, searcher=searcher),
        maps=build_corpus_maps(settings, searcher),
    )
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    # The API's routes come first; the UI is mounted at `/` and gets every other path.
    api = create_api(services, api_key=api_key, allowed_origins=settings.allowed_origins)
    return mount_ui(api, services, settings)
