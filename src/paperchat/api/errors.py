"""Errors become JSON answers with a status code: {"error": {"type", "message"}}.

Under `/v1` the body is OpenAI's own error shape, `{"error": {"message", "type", "param",
"code"}}` with `type` "invalid_request_error" (4xx), "authentication_error" (401) or
"server_error" (5xx) and paperchat's own kind in `code` unless a more specific OpenAI
code applies (`model_not_found`, `unknown_url`, …), so OpenAI clients raise their usual
exceptions with a readable message.

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


class OpenAIRequestError(InputError):
    """A /v1 request paperchat cannot honour as given: a status, the field and a code."""

    def __init__(self, message: str, *, status: int = 400, param: str | None = None, code: str):
        super().__init__(message)
        self.status = status
        self.param = param
        self.code = code


V1_PREFIX = "/v1"


def openai_error_type(status: int) -> str:
    if status == 401:
        return "authentication_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def error_body(
    path: str,
    status: int,
    kind: str,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
) -> dict:
    """paperchat's error body, or OpenAI's for paths under /v1."""
    if path == V1_PREFIX or path.startswith(V1_PREFIX + "/"):
        return {
            "error": {
                "message": message,
                "type": openai_error_type(status),
                "param": param,
                "code": code or kind,
            }
        }
    return {"error": {"type": kind, "message": message}}


def error_response(
    status: int, kind: str, message: str, headers=None, *, path: str = "", **openai
) -> JSONResponse:
    return JSONResponse(
        error_body(path, status, kind, message, **openai), status_code=status, headers=headers
    )


def status_for(exc: PaperchatError) -> tuple[int, str]:
    if isinstance(exc, OpenAIRequestError):
        return exc.status, "invalid_request"
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


def stream_error(exc: PaperchatError) -> dict:
    """A /v1 stream's closing error object (the status line was sent long before)."""
    status, kind = status_for(exc)
    return {
        "error": {
            "message": str(exc),
            "type": openai_error_type(status),
            "param": None,
            "code": kind,
            "status": status,
        }
    }


def _first_param(exc: RequestValidationError) -> str | None:
    for err in exc.errors():
        where = [str(p) for p in err.get("loc", ()) if p != "body"]
        if where:
            return ".".join(where)
    return None


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PaperchatError)
    async def _paperchat(request: Request, exc: PaperchatError) -> JSONResponse:
        status, kind = status_for(exc)
        if status >= 500:
            log.warning("%s: %s", kind, exc)
        extra = {}
        if isinstance(exc, OpenAIRequestError):
            extra = {"param": exc.param, "code": exc.code}
        return error_response(status, kind, str(exc), path=request.url.path, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "invalid_request", _describe(exc), path=request.url.path, param=_first_param(exc)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {
            401: "unauthorized",
            404: "not_found",
            405: "method_not_allowed",
            429: "too_many_requests",
        }.get(exc.status_code, "http_error")
        code = {401: "invalid_api_key", 404: "unknown_url"}.get(exc.status_code, kind)
        message = str(exc.detail)
        if exc.status_code in (404, 405) and request.url.path.startswith(V1_PREFIX):
            message = f"{message}: {request.method} {request.url.path}; see /docs for the API"
        return error_response(
            exc.status_code, kind, message, headers=exc.headers, path=request.url.path, code=code
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(
            500, "internal_error", "unexpected server error; see the log", path=request.url.path
        )
