"""Errors become JSON answers with a status code: {"error": {"type", "message"}}.

This is the only place paperchat errors meet HTTP status codes.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperchat.api.schemas import ErrorBody
from paperchat.errors import (
    ConfigError,
    DiskError,
    IndexMissingError,
    InputError,
    NotFoundError,
    PaperchatError,
    ProviderError,
    StoreError,
)

log = logging.getLogger("paperchat.api")

ERROR_RESPONSES = {
    # Errors are JSON even on routes whose success is text (the BibTeX route).
    status: {"model": ErrorBody, "description": text, "content": {"application/json": {}}}
    for status, text in {
        400: "The request cannot be served as given",
        401: "Missing or wrong bearer token",
        403: "A browser page from another web origin (see PAPERCHAT_ALLOWED_ORIGINS)",
        404: "Unknown id",
        413: "Body too large",
        422: "Malformed JSON or wrong field types/values",
        429: "Too many failed authentications from this address (see Retry-After)",
        502: "The LLM provider failed",
        503: "The index, the store or the data disk is unavailable",
        504: "The LLM provider did not answer in time",
    }.items()
}


def error_response(status: int, kind: str, message: str, headers=None) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": kind, "message": message}}, status_code=status, headers=headers
    )


def status_for(exc: PaperchatError) -> tuple[int, str]:
    if isinstance(exc, NotFoundError):
        return 404, "not_found"
    if isinstance(exc, InputError | ConfigError):
        return 400, "invalid_request"
    if isinstance(exc, ProviderError):
        timed_out = exc.timed_out or exc.status in (408, 504)
        return (504, "llm_timeout") if timed_out else (502, "llm_error")
    if isinstance(exc, IndexMissingError | StoreError):
        return 503, "index_unavailable"
    if isinstance(exc, DiskError):
        return 503, "storage_unavailable"
    return 500, "internal_error"


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PaperchatError)
    async def _paperchat(_: Request, exc: PaperchatError) -> JSONResponse:
        status, kind = status_for(exc)
        if status >= 500:
            log.warning("%s: %s", kind, exc)
        return error_response(status, kind, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            429: "too_many_requests",
        }.get(exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "internal_error", "unexpected server error; see the log")
