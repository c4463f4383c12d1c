"""`paperchat serve` as `make run` starts it: a real process on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from helpers import free_port, wait_for_port

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")


def test_serve_answers_healthz_and_root(tmp_path):
    env = os.environ | {"PAPERCHAT_DATA_DIR": str(tmp_path), "PAPERCHAT_EMBED_MODEL": "hash"}
    subprocess.run([PAPERCHAT, "ingest"], env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    proc = subprocess.Popen(
        [PAPERCHAT, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc=proc)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
        assert health == {
            "status": "ok",
            "papers": 466,
            "chunks": health["chunks"],
            "llm": False,
            "checks": {"store": {"status": "ok", "message": None}},
        }
        assert health["chunks"] >= 466
        root = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert root.status_code == 200 and "paperchat" in root.text
    finally:
        proc.terminate()
        proc.wait(10)
