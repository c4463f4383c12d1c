"""Replicas on one store: `paperchat serve` processes with their own data dirs, one
`chroma run` server and one shared snapshot folder (PAPERCHAT_SNAPSHOT_DIR).

They answer the same questions identically over HTTP; an ingest by one moves them all
to the new version; a replica started after it loads the snapshot the ingest wrote
instead of rebuilding it from every chunk text (its log says which it did)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from helpers import arxiv_record, free_port, wait_for_port, write_jsonl

from paperchat.build import run_ingest
from paperchat.settings import Settings

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
QUESTIONS = [
    "retrieval augmented generation for question answering",
    "diffusion models for image synthesis",
    "How do vision transformers handle image patches?",
]
LOADED = "snapshot loaded from"
BUILT = "building its snapshot from the store"


class Replica:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [PAPERCHAT, "serve", "--port", str(self.port)],
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout=120, proc=self.proc)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)

    def answers(self) -> list[dict]:
        out = []
        for q in QUESTIONS:
            out.append(self.http.post("/api/search", json={"query": q, "k": 5}).json())
            ask = self.http.post("/api/ask", json={"question": q, "mode": "extractive"}).json()
            out.append(ask | {"id": None})  # the answer's own id is new in every response
        return out

    def papers(self) -> int:
        return self.http.get("/healthz").json()["papers"]

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(10)
        self._out.close()


@pytest.fixture
def replica_env(chroma_server, tmp_path):
    shared = tmp_path / "snapshots"

    def env(name: str) -> dict[str, str]:
        return os.environ | {
            "PAPERCHAT_DATA_DIR": str(tmp_path / name),
            "PAPERCHAT_CHROMA_URL": chroma_server.url,
            "PAPERCHAT_COLLECTION": "replicas",
            "PAPERCHAT_SNAPSHOT_DIR": str(shared),
            "PAPERCHAT_EMBED_MODEL": "hash",
        }

    return env


def _settings(env: dict[str, str]) -> Settings:
    return Settings(
        data_dir=env["PAPERCHAT_DATA_DIR"],
        chroma_url=env["PAPERCHAT_CHROMA_URL"],
        collection=env["PAPERCHAT_COLLECTION"],
        snapshot_dir=env["PAPERCHAT_SNAPSHOT_DIR"],
        embed_model="hash",
    )


def _wait_for(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "replicas did not move to the new version"
        time.sleep(0.5)


def test_replicas_share_one_store_and_its_snapshots(replica_env, tmp_path):
    writer = _settings(replica_env("r1"))
    run_ingest(writer)
    replicas = [Replica(replica_env(name), tmp_path / f"{name}.log") for name in ("r1", "r2")]
    try:
        first = [r.answers() for r in replicas]
        assert first[0] == first[1]
        assert first[0][0]["results"], "the search found nothing to compare"
        for r in replicas:  # both loaded what the ingest wrote; neither rebuilt it
            assert LOADED in r.log.read_text() and BUILT not in r.log.read_text()

        extra = write_jsonl(tmp_path / "extra.jsonl", [arxiv_record(1, "zorbification")])
        run_ingest(writer, [extra])
        _wait_for(lambda: all(r.papers() == 467 for r in replicas))

        third = Replica(replica_env("r3"), tmp_path / "r3.log")
        replicas.append(third)
        after = [r.answers() for r in replicas]
        assert after[0] == after[1] == after[2]
        found = replicas[2].http.post("/api/search", json={"query": "zorbification"}).json()
        assert found["results"][0]["id"] == "arxiv:2401.00001"
        for r in replicas:
            log = r.log.read_text()
            assert log.count(LOADED) == (1 if r is third else 2) and BUILT not in log
        assert not (tmp_path / "r3" / "cache" / "replicas").exists()  # nothing built locally
    finally:
        for r in replicas:
            r.stop()
