"""A scripted OpenAI-compatible HTTP server for tests: real HTTP on 127.0.0.1, no network.

The real `openai` client (or httpx, or curl) talks to it through `base_url`. Each request
to `POST /v1/chat/completions` takes the next reply from a script; what it received is
recorded, so a test can check the prompt it was sent.

    script = [Reply.text("Hello [1]."), Reply.error(429), Reply.hang(5)]
    with ScriptedOpenAIServer(script) as server:
        client = OpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        ...
        server.requests[0].body["messages"]

Replies (build them with the class methods):

- `Reply.text(content)`: a normal completion — JSON, or SSE chunks ending with
  `data: [DONE]` when the request asked for `"stream": true` (the text is split into
  word-sized chunks, or the `chunks` you pass);
- `Reply.error(status, message=..., retry_after=None)`: an OpenAI-style error body;
- `Reply.hang(seconds, then=None)`: wait before answering (then answer `then`, or close);
- `Reply.truncated(content, after=2)`: a stream that stops after `after` chunks, with no
  finish_reason and no `[DONE]`;
- `Reply.invalid_json()`: status 200 with a body that is not JSON;
- `Reply.stall(content, after=1, seconds=...)`: a stream that sends `after` chunks, then
  goes silent;
- `Reply.compute(fn)`: `fn(request_body) -> Reply`, for replies that depend on the
  prompt (cite the source number the prompt gave a paper, echo a question, ...).

When the script runs out, `default` answers (a 500 "script exhausted" unless you pass
one), so a test notices calls it did not expect. `GET /v1/models` lists `models`, and
`POST /v1/embeddings` returns deterministic vectors (`embedding_dim`), for tests of
OpenAI-compatible embedders.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    kind: str = "text"  # text | error | hang | truncated | invalid_json | stall | compute
    content: str = ""
    status: int = 200
    message: str = ""
    retry_after: float | None = None
    seconds: float = 0.0
    after: int = 2
    chunks: list[str] | None = None
    then: Reply | None = None
    finish_reason: str = "stop"
    fn: Callable[[Any], Reply] | None = None

    @classmethod
    def text(
        cls, content: str, *, chunks: list[str] | None = None, finish_reason: str = "stop"
    ) -> Reply:
        return cls("text", content=content, chunks=chunks, finish_reason=finish_reason)

    @classmethod
    def error(cls, status: int, message: str = "", *, retry_after: float | None = None) -> Reply:
        return cls(
            "error",
            status=status,
            message=message or f"scripted error {status}",
            retry_after=retry_after,
        )

    @classmethod
    def hang(cls, seconds: float, then: Reply | None = None) -> Reply:
        return cls("hang", seconds=seconds, then=then)

    @classmethod
    def truncated(cls, content: str, after: int = 2) -> Reply:
        return cls("truncated", content=content, after=after)

    @classmethod
    def invalid_json(cls) -> Reply:
        return cls("invalid_json")

    @classmethod
    def compute(cls, fn: Callable[[Any], Reply]) -> Reply:
        return cls("compute", fn=fn)

    @classmethod
    def stall(cls, content: str, *, after: int = 1, seconds: float = 30.0) -> Reply:
        return cls("stall", content=content, after=after, seconds=seconds)

    def pieces(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        words = self.content.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _lower(headers) -> dict[str, str]:
    """Header names lowercased: HTTP/2-minded clients (openai>=3) send them that way."""
    return {name.lower(): value for name, value in headers.items()}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lowercased
    body: Any
    at: float

    @property
    def messages(self) -> list[dict]:
        return list((self.body or {}).get("messages", []))

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))


@dataclass
class ScriptedOpenAIServer:
    replies: Iterable[Reply] = ()
    default: Reply | None = None
    models: tuple[str, ...] = ("scripted-model",)
    embedding_dim: int = 8
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self._script: deque[Reply] = deque(self.replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    @property
    def port(self) -> int:
        assert self._server is not None, "start the server first"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def completion_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> ScriptedOpenAIServer:
        handler = type("Handler", (_Handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ScriptedOpenAIServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- used by the handler -------------------------------------------------------------

    def _next(self) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        return self.default or Reply.error(500, "scripted server: no reply left in the script")

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _wait(self, seconds: float) -> bool:
        """Sleep, unless the server is stopping; True when it is."""
        return self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    owner: ScriptedOpenAIServer
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes

    def log_message(self, *args) -> None:  # quiet
        pass

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return raw.decode(errors="replace")

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.owner._record(Request("GET", self.path, _lower(self.headers), None, time.monotonic()))
        if self.path.rstrip("/").endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "scripted"}
                for m in self.owner.models
            ]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def do_POST(self) -> None:
        body = self._read_body()
        self.owner._record(Request("POST", self.path, _lower(self.headers), body, time.monotonic()))
        path = self.path.rstrip("/")
        if path.endswith("/embeddings"):
            self._embeddings(body)
        elif path.endswith("/chat/completions"):
            stream = isinstance(body, dict) and bool(body.get("stream"))
            model = (
                body.get("model", "scripted-model") if isinstance(body, dict) else "scripted-model"
            )
            self._reply(self.owner._next(), stream, model, body)
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
            )

    def _embeddings(self, body: Any) -> None:
        inputs = body.get("input", []) if isinstance(body, dict) else []
        inputs = [inputs] if isinstance(inputs, str) else inputs
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": _vector(str(text), self.owner.embedding_dim),
            }
            for i, text in enumerate(inputs)
        ]
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": 0, "total_tokens": 0},
            },
        )

    def _reply(self, reply: Reply, stream: bool, model: str, body: Any = None) -> None:
        if reply.kind == "compute":
            assert reply.fn is not None
            reply = reply.fn(body)
        if reply.kind == "hang":
            if self.owner._wait(reply.seconds) or reply.then is None:
                return  # close without a response
            reply = reply.then
        if reply.kind == "error":
            headers = (
                {"retry-after": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
            )
            payload = {
                "error": {"message": reply.message, "type": "scripted", "code": reply.status}
            }
            self._send_json(reply.status, payload, headers)
        elif reply.kind == "invalid_json":
            data = b"{this is not json"
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif stream or reply.kind in ("truncated", "stall"):
            self._stream(reply, model)
        else:
            self._send_json(200, _completion(reply.content, model, reply.finish_reason))

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        pieces = reply.pieces()
        limit = reply.after if reply.kind in ("truncated", "stall") else len(pieces)
        try:
            self._event(_chunk(model, {"role": "assistant", "content": ""}))
            for piece in pieces[:limit]:
                self._event(_chunk(model, {"content": piece}))
            if reply.kind == "stall":
                self.owner._wait(reply.seconds)
                return
            if reply.kind == "truncated":
                return
            self._event(_chunk(model, {}, reply.finish_reason))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, payload: dict) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()


def _completion(content: str, model: str, finish_reason: str = "stop") -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _chunk(model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _vector(text: str, dim: int) -> list[float]:
    """A deterministic unit vector for a text (the same text, the same vector)."""
    values = []
    for i in range(dim):
        digest = hashlib.blake2b(f"{i}:{text}".encode(), digest_size=4).digest()
        values.append(int.from_bytes(digest, "little") / 2**32 - 0.5)
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]
