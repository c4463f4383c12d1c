"""Bodies over the limit get 413 however they arrive: with a Content-Length, or chunked
with none, so the server cannot know the size until it has read past the limit."""

from __future__ import annotations

import socket

import httpx
import pytest

from paperchat.api.guards import MAX_BODY_BYTES

pytestmark = pytest.mark.slow


def _chunks(total: int, size: int = 8192):
    sent = 0
    while sent < total:
        piece = b"x" * min(size, total - sent)
        sent += len(piece)
        yield piece


@pytest.mark.parametrize("path", ["/api/search", "/api/ask", "/v1/chat/completions"])
def test_chunked_body_over_the_limit_is_413(app_server, path):
    body = b'{"query": "' + b"x" * (MAX_BODY_BYTES * 2) + b'"}'
    with httpx.Client(base_url=app_server.url, timeout=60) as client:
        resp = client.post(
            path, content=_chunks(len(body)), headers={"content-type": "application/json"}
        )
    assert resp.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in resp.request.headers
    assert resp.status_code == 413, resp.text[:300]
    error = resp.json()["error"]
    # /v1 speaks OpenAI's error shape: paperchat's kind is its `code`
    assert error["code" if path.startswith("/v1") else "type"] == "too_large"
    assert str(MAX_BODY_BYTES) in error["message"]


def test_chunked_body_under_the_limit_is_served(app_server):
    body = b'{"query": "speech separation", "k": 2}'
    with httpx.Client(base_url=app_server.url, timeout=60) as client:
        resp = client.post(
            "/api/search",
            content=iter([body[:10], body[10:]]),
            headers={"content-type": "application/json"},
        )
    assert resp.status_code == 200 and len(resp.json()["results"]) == 2


def test_raw_chunked_upload_over_the_limit_is_413(app_server):
    """Chunk framing written by hand, as a hostile client would: refused, not read on."""
    host, port = "127.0.0.1", app_server.port
    payload = b'{"query": "' + b"y" * (MAX_BODY_BYTES * 2) + b'"}'
    head = (
        f"POST /api/search HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(head)
        for i in range(0, len(payload), 16384):
            piece = payload[i : i + 16384]
            try:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break  # the server may stop reading once it has answered
        else:
            sock.sendall(b"0\r\n\r\n")
        reply = sock.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
