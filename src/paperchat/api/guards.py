"""Request guards: a body-size limit (413) and the optional bearer token (401)."""

from __future__ import annotations

import hmac
import json

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024


class BodyLimitMiddleware:
    """Refuse bodies over the limit, by Content-Length or while they stream in.

    The body is read here, before the app sees it (at most `max_bytes`, so buffering is
    cheap): a chunked body with no Content-Length is refused with 413 the moment it
    passes the limit. An error raised from inside the app's `receive` would not do —
    FastAPI turns any failure while reading a body into a 400 "error parsing the body".
    """

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        buffered: list[Message] = []
        received = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":  # the client went away
                break
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                await self._too_large(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            # the body as read, then the live channel (a streaming response watches it
            # for the client disconnecting)
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": {
                    "type": "too_large",
                    "message": f"request body over {self.max_bytes} bytes; send less",
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """A FastAPI dependency: when a key is configured, require `Authorization: Bearer <key>`."""

    def __init__(self, key: str | None):
        self._key = key
        self._scheme = HTTPBearer(auto_error=False)

    async def __call__(self, request: Request) -> None:
        if not self._key:
            return
        credentials: HTTPAuthorizationCredentials | None = await self._scheme(request)
        if credentials is None or not hmac.compare_digest(
            credentials.credentials.encode(), self._key.encode()
        ):
            raise HTTPException(
                401,
                "missing or wrong API key: send `Authorization: Bearer <PAPERCHAT_API_KEY>`",
                headers={"WWW-Authenticate": "Bearer"},
            )
