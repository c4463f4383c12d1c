"""A full, read-only or damaged data disk gives clear errors, never a traceback or a 500
(issue 17, item 5). Small filesystems are tmpfs mounts the test makes (root, as in CI);
where mounting is not allowed, the same paths are driven by an injected OSError."""

from __future__ import annotations

import shutil

import httpx
from helpers import ServerThread, arxiv_record, write_jsonl

from paperchat.build import run_ingest

TOPIC = "sparse expert routing"


def test_cache_folder_replaced_by_a_file_while_serving_still_answers(make_settings, tmp_path):
    from paperchat.server import create_app

    settings = make_settings()
    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(n, TOPIC) for n in range(6)])
    run_ingest(settings, [corpus])
    question = {"question": f"What do the papers find about {TOPIC}?", "mode": "extractive"}
    with ServerThread(create_app(settings)) as server, httpx.Client(
        base_url=server.url, timeout=60
    ) as client:
        cache = settings.data_dir / "cache"
        shutil.rmtree(cache)
        cache.write_text("not a folder")  # e.g. a user's script or a bad restore
        write_jsonl(corpus, [arxiv_record(n, TOPIC) for n in range(8)])
        run_ingest(settings)  # a new version: the server moves to it without a cache
        for body in (question, {"question": "And routing variant number 3?"}):
            resp = client.post("/api/ask", json=body)
            assert resp.status_code == 200, resp.text
        assert resp.json()["citations"]
        assert client.post("/api/search", json={"query": TOPIC}).status_code == 200
        assert client.get("/healthz").status_code == 200
