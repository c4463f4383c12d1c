"""Request guards: a body-size limit (413), text that is valid Unicode (400), the optional
bearer token (401), and a limit on failed authentications per client (429), shared by the
API key and the UI login."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque

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
            await self._too_large(send, scope)
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
                await self._too_large(send, scope)
                return
            if not message.get("more_body", False):
                break
        problem = invalid_text(buffered, scope)
        if problem:
            await _reply(send, scope, 400, "invalid_text", problem)
            return

        async def replay() -> Message:
            # the body as read, then the live channel (a streaming response watches it
            # for the client disconnecting)
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, scope: Scope) -> None:
        message = f"request body over {self.max_bytes} bytes; send less"
        await _reply(send, scope, 413, "too_large", message)


async def _reply(send: Send, scope: Scope, status: int, kind: str, message: str) -> None:
    from paperchat.api.errors import error_body

    body = json.dumps(error_body(scope.get("path", ""), status, kind, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _has_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def invalid_text(buffered: list[Message], scope: Scope) -> str | None:
    """Why a JSON body's text is not valid Unicode, or None.

    JSON may spell an unpaired UTF-16 surrogate (`"\\ud800"`); Python decodes it into a
    string that cannot be encoded again, which would fail deep inside search or while
    the reply is written (a 500 and a dropped connection). Every JSON body — the API,
    `/v1` and the UI's own calls — is checked here once instead. A body that is not JSON
    at all is left to the route, which answers it with its own 4xx.
    """
    headers = dict(scope.get("headers", []))
    if b"json" not in headers.get(b"content-type", b""):
        return None
    raw = b"".join(m.get("body", b"") for m in buffered if m["type"] == "http.request")
    if b"\\u" not in raw:
        return None  # no escape at all: raw bytes that are not UTF-8 fail JSON decoding
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if _has_surrogate(data):
        return (
            "the request holds text that is not valid Unicode (an unpaired surrogate such "
            "as \\ud800); send UTF-8 text"
        )
    return None


MAX_FAILED_AUTH = 30  # wrong keys or passwords per client per window ...
FAILED_AUTH_WINDOW = 60.0  # ... seconds; past that the client gets 429 until it slides
_MAX_CLIENTS = 10_000  # clients remembered at once: a flood of addresses cannot grow it


class FailedAuthLimiter:
    """Counts wrong keys per client address in a sliding window; while a client is over
    the limit, every authentication from it is refused, even a right one, so guessing
    stays at `limit` tries per window. A request with no key at all is not a guess and
    is not counted. Behind a reverse proxy all clients share its address."""

    def __init__(self, limit: int = MAX_FAILED_AUTH, window: float = FAILED_AUTH_WINDOW):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it may now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.limit:
                return None
            return max(1, int(times[0] + self.window - now + 0.999))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            times.append(now)
            self._failures.pop(client, None)
            if len(self._failures) >= _MAX_CLIENTS:  # forget the longest-quiet client
                self._failures.pop(next(iter(self._failures)))
            self._failures[client] = times  # most recent last


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _throttled_message(seconds: int) -> str:
    return f"too many failed authentications from this address; try again in {seconds}s"


class BearerAuth:
    """A FastAPI dependency: when a key is configured, require `Authorization: Bearer <key>`."""

    def __init__(self, key: str | None, limiter: FailedAuthLimiter | None = None):
        self._key = key
        self._limiter = limiter or FailedAuthLimiter()
        self._scheme = HTTPBearer(auto_error=False)

    async def __call__(self, request: Request) -> None:
        if not self._key:
            return
        client = client_address(request.scope)
        if (wait := self._limiter.retry_after(client)) is not None:
            raise HTTPException(429, _throttled_message(wait), headers={"Retry-After": str(wait)})
        credentials: HTTPAuthorizationCredentials | None = await self._scheme(request)
        if credentials is None or not hmac.compare_digest(
            credentials.credentials.encode(), self._key.encode()
        ):
            if credentials is not None:
                self._limiter.failed(client)
            raise HTTPException(
                401,
                "missing or wrong API key: send `Authorization: Bearer <PAPERCHAT_API_KEY>`",
                headers={"WWW-Authenticate": "Bearer"},
            )


class LoginGuard:
    """The UI's `POST /login` (Gradio's) under the same failed-authentication limit, and
    its cookies sent back `SameSite=Strict`: the browser attaches them only to requests
    from this server's own pages (Gradio sets `SameSite=None` on one of them)."""

    def __init__(self, app: ASGIApp, limiter: FailedAuthLimiter, path: str = "/login"):
        self.app, self.limiter, self.path = app, limiter, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        if (wait := self.limiter.retry_after(client)) is not None:
            body = {"error": {"type": "too_many_requests", "message": _throttled_message(wait)}}
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"retry-after", str(wait).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": json.dumps(body).encode()})
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] in (400, 401, 403):  # Gradio: 400 "Incorrect credentials"
                    self.limiter.failed(client)
                message["headers"] = [_strict_cookie(k, v) for k, v in message["headers"]]
            await send(message)

        await self.app(scope, receive, watch)


def _strict_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    if name.lower() != b"set-cookie":
        return name, value
    parts = [p for p in value.split(b";") if not p.strip().lower().startswith(b"samesite")]
    return name, b";".join([*parts, b" SameSite=Strict"])
