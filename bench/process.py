"""Whole processes: one-shot `paperchat search` / `ask` wall time (cold start), and the
resident memory of `paperchat serve` after warm-up, read from /proc."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

from bench.common import BIN, env_for, proc_memory_mb, query_set, run_timed
from bench.latency import _free_port, _wait_for_port

SEARCH = "pruning large language models"
ASK = "which papers prune large language models?"


def cold_start(data_dir: Path, runs: int) -> dict:
    env = env_for(data_dir)
    cli = str(BIN / "paperchat")
    commands = {
        "search": [cli, "search", SEARCH, "-k", "5"],
        "ask": [cli, "ask", ASK, "--mode", "extractive"],
        "help": [cli, "--help"],
    }
    result = {}
    for name, cmd in commands.items():
        times = [run_timed(cmd, env) for _ in range(runs)]
        result[name] = {"median_s": statistics.median(times), "runs_s": times}
    return result


def server_memory(data_dir: Path, warmup: int) -> dict:
    """A `paperchat serve` subprocess: how long until it accepts connections, how long
    its first extractive answer takes then (nothing warmed), and its RSS after `warmup`
    searches and answers through the API (and its peak, VmHWM, which includes start-up)."""
    import httpx

    port = _free_port()
    started = time.perf_counter()
    log = (data_dir / "serve.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "paperchat"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env_for(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        try:
            _wait_for_port(port, proc=proc)
        except (TimeoutError, RuntimeError) as exc:
            proc.kill()
            tail = (data_dir / "serve.log").read_text()[-400:]
            raise RuntimeError(f"paperchat serve did not start: {tail!r}") from exc
        ready_s = time.perf_counter() - started
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            t0 = time.perf_counter()
            http.post("/api/ask", json={"question": ASK, "mode": "extractive"}).raise_for_status()
            first_answer_s = time.perf_counter() - t0
            for q in query_set(warmup):
                http.post("/api/search", json={"query": q, "k": 5}).raise_for_status()
                http.post("/api/ask", json={"question": q, "mode": "extractive"})
            http.get("/").raise_for_status()  # the UI page too
        return {
            "ready_s": ready_s,
            "first_answer_s": first_answer_s,
            "warmup_requests": 2 * warmup + 2,
            **proc_memory_mb(proc.pid),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
