"""`make bench-scale`: N papers (default 1,000,000; SCALE_PAPERS=) in a `chroma run`
server, the 466 real ones among N - 466 synthetic, served by fresh `paperchat serve`
replicas over HTTP.

What it substitutes, so N papers need no N encodes: the synthetic papers and their
vectors are bench/field.py's (on the topic of a real paper, sentences and title spliced
from its nearest real papers', names coined; vectors means of the sources' vectors), one
chunk each; the real papers
keep their real chunks and vectors, copied from an ingested bundled index. The writer
is this script, not `paperchat ingest`, but it writes what ingest writes in ingest's
order: chunks with ingest's metadata, the search breadth, the version's snapshot into
the shared snapshot folder (its sentence vectors looked up, not encoded: bench/scale.py's
KnownSentences), then the version stamp.

Then: replicas (their own data dirs, the same PAPERCHAT_CHROMA_URL and
PAPERCHAT_SNAPSHOT_DIR) are started one after the other and timed until their first
search is answered; search (plain and with a year filter) and extractive answers are
timed over HTTP; the replicas' answers are compared; hit@5 of the eval questions is
measured at N and, through a replica of the bundled index alone, at 466.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.common import (
    BIN,
    REPO,
    eval_questions,
    latency_ms,
    proc_memory_mb,
    query_set,
    run_checked,
    settings_for,
)

BATCH = 4000  # rows per upsert (under the server's max batch size)
SINCE = 2020
COMPARED = 30  # questions whose answers the replicas must agree on


# -- the writer (its own process, so its peak memory is its own) -------------------------


def write_index(source: Path, url: str, snapshots: Path, work: Path, n: int) -> dict:
    from bench.field import Field
    from bench.scale import KnownSentences, _source
    from paperchat.build import build_store, snapshot_root
    from paperchat.index.chunking import Chunk, chunk_id
    from paperchat.index.ingest import chunk_metadata
    from paperchat.index.snapshot import snapshot_dir, write_snapshot

    embedder_name, vectors, papers = _source(source)
    real = build_store(settings_for(source)).collection.get(
        include=["embeddings", "documents", "metadatas"]
    )
    settings = settings_for(work / "writer", chroma_url=url, snapshot_dir=snapshots)
    store = build_store(settings, must_exist=False)
    store.reset()
    store.open(embedder_name, vectors.shape[1], create=True)
    started = time.perf_counter()
    for at in range(0, len(real["ids"]), BATCH):
        part = slice(at, at + BATCH)
        store.upsert(
            real["ids"][part],
            [list(map(float, v)) for v in real["embeddings"][part]],
            real["documents"][part],
            real["metadatas"][part],
        )
    rows: list = []
    done = len(papers)
    writer = ThreadPoolExecutor(1)
    sentences = KnownSentences(source, embedder_name, vectors.shape[1])
    sentences.field = Field(papers, sentences.vectors, encodes=vectors)
    writing: Future | None = None  # one batch written while the next is generated
    for paper, text, vector in sentences.field.papers(n - len(papers)):
        chunk = Chunk(id=chunk_id(paper.id, 0), paper_id=paper.id, index=0, text=text)
        rows.append((chunk.id, vector.tolist(), text, chunk_metadata(chunk, paper)))
        if len(rows) == BATCH:
            if writing is not None:
                writing.result()
            writing = writer.submit(store.upsert, *zip(*rows, strict=True))
            done += len(rows)
            rows = []
            if done % 50_000 < BATCH:
                rate = done / (time.perf_counter() - started)
                print(f"[write] {done:,} papers, {rate:,.0f}/s", file=sys.stderr, flush=True)
    if writing is not None:
        writing.result()
    writer.shutdown()
    if rows:
        store.upsert(*zip(*rows, strict=True))
    insert_s = time.perf_counter() - started
    store.set_search_breadth(store.count())
    version = uuid.uuid4().hex
    started = time.perf_counter()
    folder = snapshot_dir(snapshot_root(settings), store, version)
    write_snapshot(store, version, folder, settings.candidates, embedder=sentences)
    build_s = time.perf_counter() - started  # written too: the writer streams it
    store.set_info(version=version, sources="[]")
    return {
        "papers": n,
        "chunks": store.count(),
        "insert_s": insert_s,
        "insert_per_s": n / insert_s,
        "snapshot_build_s": build_s,
        "snapshot_total_s": time.perf_counter() - started,
        "snapshot_mb": _size_mb(snapshot_dir(snapshot_root(settings), store, version)),
        "evidence_sentences_not_found": sentences.misses,
        "evidence_words_not_found": sentences.word_misses,
        "synthetic_noise": sentences.field.noise,
        "writer_process": proc_memory_mb(os.getpid()),
    }


def _size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


# -- replicas ----------------------------------------------------------------------------


class Replica:
    """A `paperchat serve` process, timed from its start to its first answered search."""

    def __init__(self, env: dict[str, str], log: Path, probe: str):
        self.port = _free_port()
        self.log = log
        self.out = log.open("w")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(BIN / "paperchat"), "serve", "--port", str(self.port)],
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=120)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"paperchat serve exited; see {log}")
            try:
                if self.http.post("/api/search", json={"query": probe}).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.ready_s = time.perf_counter() - started

    def search(self, query: str, since: int | None = None, k: int = 5) -> dict:
        body = {"query": query, "k": k} | ({"since": since} if since else {})
        return self.http.post("/api/search", json=body).raise_for_status().json()

    def ask(self, question: str) -> dict:
        body = {"question": question, "mode": "extractive"}
        return self.http.post("/api/ask", json=body).raise_for_status().json()

    def loaded_shared_snapshot(self) -> bool:
        text = self.log.read_text()
        return "snapshot loaded from" in text and "building its snapshot" not in text

    def snapshot_load_s(self) -> float | None:
        """Seconds the snapshot took to load, from the replica's own log line."""
        found = re.search(r"snapshot loaded from \S+ in ([0-9.]+) s", self.log.read_text())
        return float(found.group(1)) if found else None

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(30)
        self.out.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hit_at_5(replica: Replica) -> dict:
    """hit@5 of the eval questions' gold papers; and, to tell the crowd from the system,
    the share found anywhere in the top 50."""
    questions = [q for q in eval_questions() if q.gold]
    hits = in_50 = 0
    by_type: dict[str, list[int]] = {}
    for q in questions:
        ids = [r["id"] for r in replica.search(q.search_query, k=50)["results"]]
        hit = bool(set(q.gold).intersection(ids[:5]))
        hits += hit
        in_50 += bool(set(q.gold).intersection(ids))
        by_type.setdefault(q.type, [0, 0])[0] += hit
        by_type[q.type][1] += 1
    n = len(questions)
    return {
        "questions": n,
        "hits": hits,
        "hit_at_5": hits / n,
        "hit_at_50": in_50 / n,
        "hit_at_5_by_type": {
            t: {"hit_at_5": h / k, "questions": k} for t, (h, k) in by_type.items()
        },
    }


def measure(replica: Replica, queries: int) -> dict:
    qs = query_set(queries)
    return {
        "search": latency_ms(replica.search, qs),
        "search_since": latency_ms(lambda q: replica.search(q, SINCE), qs),
        "answer": latency_ms(replica.ask, qs),
        "quality": hit_at_5(replica),
        "server_process": proc_memory_mb(replica.proc.pid),
    }


def _same_answers(a: Replica, b: Replica) -> dict:
    qs = query_set(COMPARED)
    same = sum(
        a.search(q) == b.search(q) and a.ask(q) | {"id": None} == b.ask(q) | {"id": None}
        for q in qs
    )
    return {"compared": len(qs), "identical": same}


# -- the run -----------------------------------------------------------------------------


def run(n: int, queries: int, work: Path) -> dict:
    env = os.environ | {"HF_HUB_OFFLINE": "1", "PAPERCHAT_CONFIG": "/nonexistent.toml"}
    source = work / "bundled"
    run_checked([str(BIN / "paperchat"), "ingest"], env | {"PAPERCHAT_DATA_DIR": str(source)}, 1800)
    probe = query_set(1)[0]
    results: dict = {"papers": n, "queries": queries, "since": SINCE}
    small = Replica(env | {"PAPERCHAT_DATA_DIR": str(source)}, work / "small.log", probe)
    try:
        results["bundled"] = measure(small, queries) | {"ready_s": small.ready_s}
    finally:
        small.stop()

    chroma = subprocess.Popen(
        [
            str(BIN / "chroma"),
            "run",
            "--path",
            str(work / "chroma"),
            "--port",
            str(port := _free_port()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url, snapshots = f"http://127.0.0.1:{port}", work / "snapshots"
    replicas: list[Replica] = []
    try:
        _wait_for_port(port)
        out = run_checked(
            [
                sys.executable,
                "-m",
                "bench.scale_million",
                "write",
                str(source),
                url,
                str(snapshots),
                str(work),
                "--papers",
                str(n),
            ],
            env,
            timeout=6 * 3600,
            cwd=REPO,
        )
        results["write"] = json.loads(out.stdout.strip().splitlines()[-1])
        results["chroma_after_write"] = proc_memory_mb(chroma.pid)

        def replica_env(name: str) -> dict[str, str]:
            return env | {
                "PAPERCHAT_DATA_DIR": str(work / name),
                "PAPERCHAT_CHROMA_URL": url,
                "PAPERCHAT_SNAPSHOT_DIR": str(snapshots),
            }

        for name in ("replica1", "replica2"):
            replicas.append(Replica(replica_env(name), work / f"{name}.log", probe))
        results["replicas"] = [
            {
                "ready_s": r.ready_s,
                "loaded_shared_snapshot": r.loaded_shared_snapshot(),
                "snapshot_load_s": r.snapshot_load_s(),
            }
            for r in replicas
        ]
        results["scaled"] = measure(replicas[1], queries)
        results["agreement"] = _same_answers(*replicas)
        results["chroma_server"] = proc_memory_mb(chroma.pid)
    finally:
        for r in replicas:
            r.stop()
        chroma.terminate()
        chroma.wait(60)
    return results


def _wait_for_port(port: int, timeout: float = 120) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"chroma run did not listen on {port}")


def _streamed(measure, papers: int) -> dict:
    """bench/stream.py's figures, with when and how busy the machine was."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    figures = measure(papers)
    return figures | {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": time.perf_counter() - started,
        "loadavg": {"start": load, "end": os.getloadavg()[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="phase")
    w = sub.add_parser("write")
    for name in ("source", "url", "snapshots", "work"):
        w.add_argument(name)
    w.add_argument("--papers", type=int, required=True)
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp work dir")
    parser.add_argument(
        "--stream-papers",
        type=int,
        default=100_000,
        help="arXiv records for the streaming-ingest figures (bench/stream.py; 0: none)",
    )
    parser.add_argument(
        "--stream-only",
        action="store_true",
        help="measure streaming ingest only, into the section's last results",
    )
    args = parser.parse_args()
    if args.phase == "write":
        paths = (Path(args.source), args.url, Path(args.snapshots), Path(args.work))
        print(json.dumps(write_index(*paths, args.papers)))
        return
    from bench import stream
    from bench.machine import machine_facts
    from bench.scale_report import write

    if args.stream_only:
        results = json.loads(args.out.with_name("benchmarks-scale.json").read_text())
        results["stream"] = _streamed(stream.measure, args.stream_papers)
        write(results, args.out)
        print(json.dumps(results["stream"], indent=2, default=str))
        return
    work = Path(tempfile.mkdtemp(prefix="paperchat-scale-"))
    started, load = time.perf_counter(), {"start": os.getloadavg()[0]}
    try:
        results = run(args.papers, args.queries, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    load["end"] = os.getloadavg()[0]
    if args.stream_papers:
        results["stream"] = _streamed(stream.measure, args.stream_papers)
    results |= {
        "total_s": time.perf_counter() - started,
        "machine": machine_facts(),
        "loadavg": load,
    }
    write(results, args.out)
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
