"""Streaming ingest: peak RSS and papers/s of `ingest` on N generated arXiv records.

    python -m bench.stream --n 5000 [--n 20000 ...]     # one fresh process per size
    python -m bench.stream --n 1000 --encoder           # the default encoder instead
    python -m bench.stream --resume 20000               # SIGKILL half-way, then resume

`make bench-scale` runs all three (`measure`) and reports them in its section.

The records are arXiv-snapshot JSON Lines built from the bundled corpus: a real title
with a number, an abstract of 4-9 real sentences drawn at random (about 150-250 words,
like arXiv's), two to six authors, categories and a first-version date. The vectors are
NOT embeddings: `StandInEmbedder` hands out one of 4,096 pre-computed random unit
vectors, picked by a hash of the text, so the figures measure parsing, chunking, the
store writes, the snapshot and their memory, not the encoder (`--encoder` runs the
default encoder instead). Each size runs in its own interpreter so its VmHWM is its own;
the peak is read twice, when the store writes are done (before the snapshot) and at the
end; a large corpus is read by a forked child process (index/prefetch.py), whose peak and
CPU time are reported too (its RSS counts the pages it shares with the ingest process).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from bench.common import proc_memory_mb, settings_for


class StandInEmbedder:
    """Pre-computed vectors in place of the encoder (see module doc)."""

    name = "standin-384"
    dim = 384
    max_tokens = 256

    def __init__(self, pool: int = 4096, seed: int = 5):
        vectors = np.random.default_rng(seed).normal(size=(pool, self.dim)).astype(np.float32)
        self._pool = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        rows = [zlib.crc32(t.encode()) % len(self._pool) for t in texts]
        return self._pool[rows]

    def embed_query(self, text: str):
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return len(text.split()) * 4 // 3 + 2  # about MiniLM's word pieces per word


def write_records(path: Path, n: int, seed: int = 3) -> int:
    """n arXiv-format records, one per line; returns the file's size in bytes."""
    from paperchat.corpus.loader import load_corpus
    from paperchat.settings import bundled_corpus_dir

    papers = load_corpus([bundled_corpus_dir()]).papers
    sentences = [s for p in papers for s in re.split(r"(?<=[.!?])\s+", p.abstract) if len(s) > 30]
    titles = [p.title for p in papers if p.title]
    names = sorted({a for p in papers for a in p.authors or []}) or [
        f"{first} {last}" for first in "ABCDEFGH" for last in ("Li", "Smith", "Kumar", "Ito")
    ]
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            record = {
                "id": f"{2000 + i // 100_000}.{i % 100_000:05d}",
                "title": f"{rng.choice(titles)} ({i})",
                "abstract": " ".join(rng.sample(sentences, rng.randint(4, 9))),
                "authors": ", ".join(rng.sample(names, rng.randint(2, 6))),
                "categories": rng.choice(["cs.CL", "cs.LG", "cs.CV cs.LG", "stat.ML cs.LG"]),
                "versions": [{"version": "v1", "created": "Mon, 2 Apr 2018 10:00:00 GMT"}],
                "update_date": "2019-01-01",
            }
            out.write(json.dumps(record) + "\n")
    return path.stat().st_size


def ingest_once(data_dir: Path, source: Path, encoder: bool = False) -> dict:
    """One ingest of `source` into a fresh data dir, with stand-in vectors or (`encoder`)
    the default encoder, loaded (and exported to ONNX) before the clock starts."""
    import paperchat.index.ingest as ingest_module
    from paperchat.build import run_ingest
    from paperchat.index.embedders import build_embedder

    if encoder:
        embedder = build_embedder(settings_for(data_dir))
        embedder.embed_documents(["warm up"])
    else:
        embedder = StandInEmbedder()
    marks: dict = {}
    write_snapshot = ingest_module.write_snapshot

    def timed_snapshot(*args, **kwargs):
        marks["written_s"] = time.perf_counter() - started
        marks["written"] = proc_memory_mb(os.getpid())
        return write_snapshot(*args, **kwargs)

    ingest_module.write_snapshot = timed_snapshot
    cpu = _cpu_s()
    started = time.perf_counter()
    report = run_ingest(settings_for(data_dir), [source], embedder=embedder)
    total = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    reader_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "vectors": embedder.name if encoder else "stand-in (pre-computed random unit vectors)",
        "papers": report.papers,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "seconds": total,
        "papers_per_s": report.papers / total,
        "write_phase_s": marks.get("written_s"),
        "write_phase_papers_per_s": report.papers / marks["written_s"] if marks else None,
        "peak_rss_mb_after_writes": (marks.get("written") or {}).get("peak_rss_mb"),
        "peak_rss_mb": proc_memory_mb(os.getpid())["peak_rss_mb"],
        "reader_process": report.papers >= ingest_module.READER_PROCESS_FROM,
        "reader_peak_rss_mb": reader_peak or None,
        "cpu_s": cpu,
        "cores_busy": cpu / total,  # of 2 on this machine, the reader process's included
    }


def _cpu_s() -> float:
    """CPU seconds of this process and of its children that have ended (the reader)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


# An ingest that SIGKILLs itself once `kill_after` batches were embedded (a kill
# half-way, at a known point), with stand-in vectors.
_DYING = """
import os, signal, sys, time
from pathlib import Path
from bench.stream import StandInEmbedder
from bench.common import settings_for
from paperchat.build import run_ingest

class Dying(StandInEmbedder):
    calls = 0
    def embed_documents(self, texts):
        Dying.calls += 1
        if Dying.calls > int(sys.argv[3]):
            time.sleep(2)  # the writer lands what it holds
            os.kill(os.getpid(), signal.SIGKILL)
        return super().embed_documents(texts)

run_ingest(settings_for(Path(sys.argv[1])), [Path(sys.argv[2])], embedder=Dying())
"""


def resume_after_kill(n: int, work: Path) -> dict:
    """Ingest n records, SIGKILL it half-way, run it again: what the second run embeds
    against what the first had stored (nothing should be embedded twice)."""
    from paperchat.build import build_store
    from paperchat.index.ingest import BATCH

    source = work / f"records-{n}.jsonl"
    write_records(source, n)
    data_dir = work / f"resume-{n}"
    cwd = Path(__file__).resolve().parents[1]
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    chunks_guess = int(n * 1.4)  # about 1.4 chunks a paper
    killed = subprocess.run(
        [sys.executable, "-c", _DYING, str(data_dir), str(source), str(chunks_guess // 2 // BATCH)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )
    landed = build_store(settings_for(data_dir)).count()
    done = subprocess.run(
        [sys.executable, "-m", "bench.stream", "--ingest", str(data_dir), str(source)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=cwd,
    )
    second = json.loads(done.stdout.splitlines()[-1])
    return {
        "records": n,
        "killed_with": killed.returncode,
        "stored_when_killed": landed,
        "embedded_on_resume": second["embedded"],
        "chunks": second["chunks"],
        "embedded_twice": landed + second["embedded"] - second["chunks"],
        "resume_s": second["seconds"],
    }


def measure(n: int, encoder_n: int = 1000, resume_n: int = 20_000) -> dict:
    """What `make bench-scale` reports of streaming ingest: n records with stand-in
    vectors, encoder_n with the default encoder, and a resume after a kill."""
    with tempfile.TemporaryDirectory(prefix="paperchat-stream-") as work:
        return {
            "standin": run(n, Path(work)),
            "encoder": run(encoder_n, Path(work), encoder=True),
            "resume": resume_after_kill(resume_n, Path(work)),
        }


def run(n: int, work: Path, encoder: bool = False) -> dict:
    """Generate n records, then ingest them in a fresh interpreter."""
    source = work / f"records-{n}.jsonl"
    size = write_records(source, n)
    flags = ["--encoder"] if encoder else []
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.stream",
            "--ingest",
            str(work / f"data-{n}"),
            str(source),
            *flags,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
        cwd=Path(__file__).resolve().parents[1],
    )
    return {"records": n, "file_mb": size / 2**20} | json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="records (repeatable)")
    parser.add_argument("--encoder", action="store_true", help="the default encoder, not stand-ins")
    parser.add_argument("--ingest", nargs=2, type=Path, metavar=("DATA_DIR", "SOURCE"))
    parser.add_argument("--resume", type=int, metavar="N", help="kill half-way, resume")
    args = parser.parse_args()
    if args.ingest:
        print(json.dumps(ingest_once(*args.ingest, encoder=args.encoder)))
        return
    if args.resume:
        with tempfile.TemporaryDirectory(prefix="paperchat-stream-") as work:
            print(json.dumps(resume_after_kill(args.resume, Path(work))))
        return
    with tempfile.TemporaryDirectory(prefix="paperchat-stream-") as work:
        for n in args.n or [5000]:
            print(json.dumps(run(n, Path(work), args.encoder)), flush=True)


if __name__ == "__main__":
    main()
