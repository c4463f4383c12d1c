"""The FastAPI application: routes, guards and error handlers around the built services."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from paperchat import __version__
from paperchat.api.errors import install_error_handlers
from paperchat.api.guards import BearerAuth, BodyLimitMiddleware
from paperchat.api.openai_compat import build_openai_router
from paperchat.api.routes import build_router
from paperchat.api.schemas import Health
from paperchat.api.services import Services
from paperchat.mcp_server import mount_mcp


def create_api(services: Services, *, api_key: str | None = None) -> FastAPI:
    app = FastAPI(
        title="paperchat",
        version=__version__,
        summary="Answers about research papers, every claim cited to a paper in the corpus.",
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware)
    auth = [Depends(BearerAuth(api_key))]
    app.include_router(build_router(services), dependencies=auth)
    app.include_router(build_openai_router(services), dependencies=auth)
    mount_mcp(app, services, api_key=api_key)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        services.searcher.refresh()  # a finished ingest shows here too, not only in search
        view = services.searcher.snapshot  # counts of the version searches use, not the
        return Health(  # store's live count, which moves while an ingest writes
            status="ok",
            papers=len(view.papers),
            chunks=len(view.keyword.chunk_ids()),
            llm=services.llm,
        )

    return app
