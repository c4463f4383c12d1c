"""The FastAPI application: routes, guards and error handlers around the built services."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.middleware.cors import CORSMiddleware

from paperchat import __version__
from paperchat.api.errors import install_error_handlers
from paperchat.api.guards import BearerAuth, BodyLimitMiddleware, FailedAuthLimiter, LoginGuard
from paperchat.api.health import HealthChecks
from paperchat.api.openai_compat import build_openai_router
from paperchat.api.origins import OriginGuard, normalise_origin
from paperchat.api.routes import build_router
from paperchat.api.schemas import Health, Liveness
from paperchat.api.services import Services
from paperchat.mcp_server import mount_mcp


def create_api(
    services: Services, *, api_key: str | None = None, allowed_origins: Sequence[str] = ()
) -> FastAPI:
    """The API; `mount_ui` may add the UI after. Middleware wraps both (outermost first):
    the origin guard, the UI login's throttle, CORS for listed origins, the body limit."""
    app = FastAPI(
        title="paperchat",
        version=__version__,
        summary="Answers about research papers, every claim cited to a paper in the corpus.",
    )
    install_error_handlers(app)
    limiter = FailedAuthLimiter()
    app.add_middleware(BodyLimitMiddleware)
    # Always installed, even with no origins listed: its presence also stops Gradio from
    # answering other localhost origins with CORS headers of its own.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[normalise_origin(o) for o in allowed_origins],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    app.add_middleware(LoginGuard, limiter=limiter)
    app.add_middleware(OriginGuard, allowed=allowed_origins)
    auth = [Depends(BearerAuth(api_key, limiter))]
    app.include_router(build_router(services), dependencies=auth)
    app.include_router(build_openai_router(services), dependencies=auth)
    mount_mcp(app, services, api_key=api_key)

    _answer_wrong_methods(app, prefixes=("/api/", "/v1/"))
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


def _answer_wrong_methods(app: FastAPI, prefixes: Sequence[str]) -> None:
    """Under the API's prefixes, a known path with the wrong method is a 405 (with
    `Allow`) and an unknown path a 404, both in the API's error shape. Without this the
    UI, mounted at `/`, answers them with its own 404 page. The known paths and their
    methods are read from the OpenAPI description, which lists every API route."""
    import re

    from paperchat.api.errors import error_response

    known: list[tuple[re.Pattern[str], set[str]]] = []

    def handler(request: Request) -> JSONResponse:
        if not known:
            for template, operations in app.openapi()["paths"].items():
                pattern = re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(template))
                known.append((re.compile(pattern), {m.upper() for m in operations}))
        path = request.url.path
        allowed = sorted(
            {m for pattern, methods in known if pattern.fullmatch(path) for m in methods}
        )
        if allowed:
            return error_response(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {path}; use {', '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        return error_response(404, "not_found", f"no route {path}; see /docs")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    for prefix in prefixes:
        app.add_api_route(prefix + "{rest:path}", handler, methods=methods, include_in_schema=False)
