"""Only this server's own pages (and origins the user lists) may call it from a browser.

A page from another origin — another local dev server on `localhost:7931`, any site the
user visits — can make the browser send requests here with the user's login cookie.
Gradio answers such requests with CORS headers for any localhost origin, so a page could
read the UI's config and run its search. This guard sits in front of everything (API,
`/v1`, the UI and its `/gradio_api` routes) and refuses with 403, before any route runs:

- a request whose `Origin` is neither this server's own (the `Host` it was sent to) nor
  listed in `PAPERCHAT_ALLOWED_ORIGINS`;
- a request with no `Origin` that the browser marks as made by another site's page
  (`Sec-Fetch-Site: cross-site` or `same-site`, other than following a link): an `<img>`,
  `<script>` or no-cors `fetch` pointing here.

Clients that are not browsers (curl, the OpenAI SDK, MCP hosts) send neither header and
are unaffected; they meet the API key instead. Listed origins get CORS headers from
Starlette's CORSMiddleware, which also stops Gradio from adding its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

_FOREIGN_SITES = {"cross-site", "same-site"}


def normalise_origin(origin: str) -> str:
    """`scheme://host[:port]` in lower case, as browsers send it; raises ValueError."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{origin!r} is not an origin like http://localhost:3000")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{origin!r} has a path; an origin is only scheme://host[:port]")
    return f"{parts.scheme}://{parts.netloc}".lower()


class OriginGuard:
    def __init__(self, app: ASGIApp, allowed: Iterable[str] = ()):
        self.app = app
        self.allowed = {normalise_origin(o) for o in allowed}

    def _refusal(self, headers: Headers) -> str | None:
        origin = headers.get("origin")
        if origin is not None:
            host = (headers.get("host") or "").lower()
            own = host and urlsplit(origin.lower()).netloc == host
            if own or origin.lower() in self.allowed:
                return None
            return (
                f"requests from the web origin {origin!r} are refused: only this server's own "
                "pages may call it from a browser. Trust an origin by listing it in "
                "PAPERCHAT_ALLOWED_ORIGINS"
            )
        site = headers.get("sec-fetch-site")
        if site in _FOREIGN_SITES and headers.get("sec-fetch-mode") != "navigate":
            return (
                "requests made by another site's page are refused: only this server's own "
                "pages may call it from a browser"
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reason = self._refusal(Headers(scope=scope))
        if reason is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "origin refused"})
        else:
            body = json.dumps({"error": {"type": "forbidden_origin", "message": reason}})
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"vary", b"origin")],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
