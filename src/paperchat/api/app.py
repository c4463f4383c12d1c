"""The FastAPI application: routes, guards and error handlers around the built services."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Response

from paperchat import __version__
from paperchat.api.errors import install_error_handlers
from paperchat.api.guards import BearerAuth, BodyLimitMiddleware
from paperchat.api.health import HealthChecks
from paperchat.api.openai_compat import build_openai_router
from paperchat.api.routes import build_router
from paperchat.api.schemas import Health, Liveness
from paperchat.api.services import Services


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

    checks = HealthChecks(services)

    @app.get(
        "/healthz",
        response_model=Health,
        tags=["health"],
        responses={503: {"model": Health, "description": "A check failed (see `checks`)"}},
    )
    def healthz(response: Response) -> Health:
        """Readiness: 200 when the store (and the LLM, when configured) answer, else 503."""
        response.status_code, health = checks()
        return health

    @app.get("/livez", response_model=Liveness, tags=["health"])
    def livez() -> Liveness:
        """Liveness: the process answers. Stays 200 while a dependency is down."""
        return Liveness(status="alive")

    return app
