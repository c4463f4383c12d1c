"""One writer per data dir, and readers that see the old index or the new one.

Real processes: `paperchat ingest` subprocesses against the same data dir, and a real
HTTP server (uvicorn on loopback, in this process) that keeps answering while an ingest
in another process adds a file of papers. Each response during the ingest must show the
old state or the new state as a whole: the papers of the new file appear all together
or not at all, never as an error, and once the ingest is done the server shows them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import ServerThread, arxiv_record, write_jsonl

from paperchat.build import build_store, run_ingest

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
BASE = 30  # papers indexed before the server starts
TARGETS = 8  # new papers on a topic no old paper mentions
FILLER = 1200  # more new papers, so the ingest writes for a while
TOPIC = "quantum zebra migration"


def _env(settings) -> dict[str, str]:
    env = os.environ | {
        "PAPERCHAT_DATA_DIR": str(settings.data_dir),
        "PAPERCHAT_EMBED_MODEL": settings.embed_model,
        "PAPERCHAT_COLLECTION": settings.collection,
    }
    if settings.chroma_url:
        env["PAPERCHAT_CHROMA_URL"] = settings.chroma_url
    return env


def _corpus(tmp_path: Path) -> tuple[Path, Path, set[str]]:
    base = write_jsonl(
        tmp_path / "base.jsonl", [arxiv_record(n, "sparse expert routing") for n in range(BASE)]
    )
    targets = [arxiv_record(1000 + n, TOPIC) for n in range(TARGETS)]
    filler = [
        arxiv_record(5000 + n, f"benchmark suite {n} for tabular data") for n in range(FILLER)
    ]
    new = write_jsonl(tmp_path / "new.jsonl", targets + filler)
    return base, new, {f"arxiv:{r['id']}" for r in targets}


def test_second_ingest_is_refused_within_a_second_while_the_first_completes(
    make_settings, tmp_path
):
    settings = make_settings()
    _, new, _ = _corpus(tmp_path)
    env = _env(settings)
    first = subprocess.Popen(
        [PAPERCHAT, "ingest", str(new)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    lock = settings.data_dir / "ingest.lock"
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
        assert first.poll() is None, "the first ingest ended before it was seen holding the lock"
        assert time.monotonic() < deadline
        time.sleep(0.02)

    started = time.monotonic()
    second = subprocess.run(
        [PAPERCHAT, "ingest", str(new)], env=env, capture_output=True, text=True, timeout=30
    )
    refused_after = time.monotonic() - started
    assert first.poll() is None, "the first ingest must still be running to test the lock"
    assert second.returncode != 0
    assert f"another ingest (pid {first.pid})" in second.stderr
    assert "wait for it to finish" in second.stderr
    assert refused_after < 1.0, f"refused only after {refused_after:.2f}s"

    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert f"{TARGETS + FILLER} papers" in out.decode()
    from paperchat.build import index_stats

    assert index_stats(settings)["papers"] == TARGETS + FILLER


@pytest.fixture(params=["embedded", "chroma-server"])
def live_settings(request, make_settings):
    if request.param == "embedded":
        return make_settings()
    server = request.getfixturevalue("chroma_server")
    return make_settings(chroma_url=server.url, collection="live-ingest")


def test_server_sees_old_or_new_index_while_another_process_ingests(live_settings, tmp_path):
    from paperchat.answer.service import Assistant
    from paperchat.api.app import create_api
    from paperchat.api.services import Services
    from paperchat.build import build_searcher

    settings = live_settings
    base, new, targets = _corpus(tmp_path)
    run_ingest(settings, [base], rebuild=True)
    searcher = build_searcher(settings)
    app = create_api(Services(searcher=searcher, assistant=Assistant(searcher)))
    watcher = build_store(settings)  # reads the version stamp, to know when the store is dirty

    def observe(client: httpx.Client) -> tuple[str, int, set[str], int]:
        version = watcher.current_version()
        found = client.post("/api/search", json={"query": TOPIC, "k": 20})
        assert found.status_code == 200, found.text
        results = found.json()["results"]
        ids = {r["id"] for r in results}
        assert all(r["abstract"] and r["title"] for r in results)
        health = client.get("/healthz")
        assert health.status_code == 200, health.text
        return version, len(ids & targets), ids, health.json()["papers"], health.json()["chunks"]

    states = []
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        assert observe(client)[1] == 0
        proc = subprocess.Popen(
            [PAPERCHAT, "ingest", str(new)],
            env=_env(settings),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        asks = 0
        while proc.poll() is None:
            states.append(observe(client))
            answer = client.post("/api/ask", json={"question": f"What is known about {TOPIC}?"})
            assert answer.status_code == 200, answer.text
            cited = {c["id"] for c in answer.json()["citations"]}
            assert cited <= {s["id"] for s in answer.json()["sources"]}
            asks += 1
        assert proc.returncode == 0, proc.stderr.read().decode()

        deadline = time.monotonic() + 20
        while (after := observe(client))[1] != TARGETS and time.monotonic() < deadline:
            time.sleep(0.3)
        assert after[1] == TARGETS, "the server never moved to the new index"
        assert after[3] == after[4] == BASE + TARGETS + FILLER

    dirty = [s for s in states if s[0] == "dirty"]
    assert len(states) >= 5 and dirty, f"{len(states)} reads, {len(dirty)} while dirty"
    for _, seen, _, papers, chunks in states:
        assert seen in (0, TARGETS), f"half an index: {seen} of {TARGETS} new papers"
        assert (papers, chunks) in (  # one chunk per paper here
            (BASE, BASE),
            (BASE + TARGETS + FILLER, BASE + TARGETS + FILLER),
        )

    view = searcher.snapshot  # BM25 and Chroma agree in the view the server moved to
    manifest = searcher.store.manifest()
    assert view.keyword.chunk_ids() == set(manifest)
    assert set(view.papers) == {c.paper_id for c in manifest.values()}
    dense = searcher.search(TOPIC, k=20, method="dense")
    assert targets <= {h.paper.id for h in dense}
