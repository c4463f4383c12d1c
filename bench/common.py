"""Small shared pieces: timing, percentiles, settings on a temp data dir, query sets, /proc."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "evals" / "questions.jsonl"
BIN = Path(sys.executable).parent


def settings_for(data_dir: Path, **overrides):
    """Settings on a temp data dir (never the user's), other fields as configured."""
    from paperchat.settings import load_settings

    return load_settings(data_dir=data_dir, **overrides)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _timed_ms(fn: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    ms = []
    for q in queries:
        start = time.perf_counter()
        fn(q)
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def _summary(ms: Sequence[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms),
    }


def latency_ms(
    fn: Callable[[str], object], queries: Sequence[str], warmup: int | None = 10
) -> dict:
    """p50/p95/mean in milliseconds of fn over the queries, after `warmup` untimed calls;
    `warmup=None` runs the whole set once first (per-paper caches filled: what a server
    that has been up a while sees) and reports that first pass too."""
    if warmup is not None:
        _timed_ms(fn, queries[:warmup])
        return _summary(_timed_ms(fn, queries))
    first = _summary(_timed_ms(fn, queries))
    return _summary(_timed_ms(fn, queries)) | {"first_pass": first}


def eval_questions():
    from paperchat.evals.dataset import load_questions

    return load_questions(QUESTIONS)


def query_set(n: int, papers: Sequence | None = None) -> list[str]:
    """n queries: the eval questions (as retrieval sees them), then paper titles turned
    into questions, repeated if needed."""
    queries = [q.search_query for q in eval_questions()]
    titles = [f"what is known about {p.title.lower()}?" for p in papers or [] if p.title]
    pool = queries + titles
    return [pool[i % len(pool)] for i in range(n)]


def proc_memory_mb(pid: int) -> dict:
    """VmRSS (now) and VmHWM (peak) of a process, in MB, from /proc; and of VmRSS, what
    is the process's own (RssAnon) and what is pages of mapped files (RssFile: memory-
    mapped indexes read so far, which the kernel can drop and other processes share)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return {
        "rss_mb": fields.get("VmRSS"),
        "peak_rss_mb": fields.get("VmHWM"),
        "rss_anon_mb": fields.get("RssAnon"),
        "rss_file_mb": fields.get("RssFile"),
    }


def loadavg() -> float:
    return os.getloadavg()[0]


def run_checked(cmd: Sequence[str], env: dict | None = None, timeout: float = 1800, **kw):
    """subprocess.run that, on failure, raises with the tail of the child's stderr."""
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, **kw)
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))} exited {done.returncode}: {tail}")
    return done


def run_timed(cmd: Sequence[str], env: dict | None = None, timeout: float = 600) -> float:
    start = time.perf_counter()
    run_checked(cmd, env, timeout)
    return time.perf_counter() - start


def env_for(data_dir: Path, **extra: str) -> dict:
    return os.environ | {"PAPERCHAT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"} | extra
