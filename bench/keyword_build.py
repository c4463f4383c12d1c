"""The writer's BM25 build alone, at N synthetic chunks: time and peak memory of building
it whole (BM25Retriever, as build_snapshot does) or a page at a time (keyword_writer, as
write_snapshot does), each in a fresh process.

The chunks are bench/field.py's synthetic papers (text only, so on random topics), one
chunk each, generated as they are consumed, so the peak is the build's.

    python -m bench.keyword_build --chunks 100000 --how paged
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path


def chunks(n: int):
    from bench.field import Field
    from paperchat.corpus.loader import load_corpus
    from paperchat.settings import bundled_corpus_dir

    papers = load_corpus([bundled_corpus_dir()]).papers
    for paper, text, _ in Field(papers, None).papers(n):
        yield f"{paper.id}#0", paper.id, text


def build(n: int, how: str, folder: Path) -> dict:
    from paperchat.index.keyword import KeywordIndex
    from paperchat.index.keyword_writer import write_keyword_index

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if how == "whole":
        KeywordIndex.build(chunks(n), 50).save(folder)
    else:
        write_keyword_index(chunks(n), folder, 50)
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
    return {
        "chunks": n,
        "how": how,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_before_mb": round(base),
        "index_mb": round(size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--how", choices=("whole", "paged"), default="paged")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paperchat-bm25-"))
    try:
        print(json.dumps(build(args.chunks, args.how, work / "bm25")))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
