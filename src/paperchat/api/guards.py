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
    """Refuse bodies over the limit, by Content-Length or while they stream in."""

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
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._too_large(send)

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


class _TooLarge(Exception):
    pass


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
