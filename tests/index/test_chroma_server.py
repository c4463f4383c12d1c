"""The same ingest and search code against a real `chroma run` server on loopback."""

from __future__ import annotations

import pytest

from paperchat.build import build_searcher, index_stats, run_ingest
from paperchat.errors import StoreError


def test_ingest_and_search_through_chroma_server(chroma_server, make_settings):
    settings = make_settings(chroma_url=chroma_server.url, collection="server-test")
    report = run_ingest(settings)
    assert report.papers == 466
    stats = index_stats(settings)
    assert stats["papers"] == 466 and stats["store"] == chroma_server.url
    assert run_ingest(settings).embedded == 0

    hits = build_searcher(settings).search("speech separation", k=3)
    assert hits and any("tasnet" in (h.paper.title or "").lower() for h in hits)


def test_server_gone_is_a_clear_error_and_recovers(chroma_server, make_settings, tmp_path):
    settings = make_settings(chroma_url=chroma_server.url, collection="restart-test")
    run_ingest(settings)
    searcher = build_searcher(settings)
    chroma_server.stop()
    try:
        with pytest.raises(StoreError, match="unreachable"):
            searcher.search("speech separation", k=3)
    finally:
        chroma_server.start()
    assert searcher.search("speech separation", k=3)


def test_unreachable_server_url(make_settings):
    from helpers import free_port

    settings = make_settings(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="unreachable"):
        index_stats(settings)
