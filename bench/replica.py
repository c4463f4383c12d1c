"""A replica's footprint in process: how long its snapshot takes to load, its RSS after
loading and after N searches and N extractive answers, and their latencies.

`python -m bench.replica DATA_DIR [--n 50]` (JSON on stdout), one fresh interpreter per
run so the memory is the replica's own. `python -m bench.replica DATA_DIR --dump FILE`
writes every eval question's search hits and extractive answer instead, to compare two
versions of the code on one index byte for byte.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from pathlib import Path

from bench.common import latency_ms, proc_memory_mb, query_set, settings_for

VOLATILE = {"id", "created", "timings", "elapsed_ms"}  # differ run to run, not by code


def measure(data_dir: Path, n: int) -> dict:
    from paperchat.build import build_assistant, build_embedder, build_searcher

    settings = settings_for(data_dir)
    embedder = build_embedder(settings)
    embedder.embed_query("warm up the encoder")
    loads = _LoadTimes()
    logging.getLogger("paperchat.index.snapshot").addHandler(loads)
    logging.getLogger("paperchat.index.snapshot").setLevel(logging.INFO)
    before = proc_memory_mb(os.getpid())
    start = time.perf_counter()
    searcher = build_searcher(settings, embedder)
    open_s = time.perf_counter() - start
    opened = proc_memory_mb(os.getpid())
    assistant = build_assistant(settings, searcher=searcher)
    queries = query_set(n)
    search = latency_ms(lambda q: searcher.search(q, 5), queries)
    since = latency_ms(lambda q: searcher.search(q, 5, since=2023), queries)
    answer = latency_ms(lambda q: assistant.ask(q, mode="extractive"), queries)
    return {
        "papers": len(searcher.papers),
        "before_open": before,
        "snapshot_load_s": loads.seconds,
        "searcher_open_s": open_s,
        "after_open": opened,
        "search": search,
        "search_since_2023": since,
        "answer_extractive": answer,
        "after_requests": proc_memory_mb(os.getpid()),
    }


class _LoadTimes(logging.Handler):
    """The snapshot load time load_snapshot logs."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.seconds: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = re.search(r"snapshot loaded from .* in ([0-9.]+) s", record.getMessage())
        if found:
            self.seconds.append(float(found.group(1)))


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def dump(data_dir: Path, out: Path) -> None:
    from paperchat.build import build_assistant

    assistant = build_assistant(settings_for(data_dir))
    searcher = assistant.searcher
    with out.open("w", encoding="utf-8") as lines:
        for q in _questions():
            hits = [(h.paper.id, h.score, h.chunk_text) for h in searcher.search(q, 5)]
            since = [h.paper.id for h in searcher.search(q, 5, since=2024)]
            answer = assistant.ask(q, mode="extractive").model_dump(mode="json")
            row = {"q": q, "hits": hits, "since": since, "answer": _stable(answer)}
            lines.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def _questions() -> list[str]:
    from bench.common import eval_questions

    return list(dict.fromkeys(q.question for q in eval_questions()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    if args.dump:
        dump(args.data_dir, args.dump)
    else:
        print(json.dumps(measure(args.data_dir, args.n)))


if __name__ == "__main__":
    main()
