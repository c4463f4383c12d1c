"""The writer's snapshot build (write_snapshot) against an index already in a store, timed
by stage, with each stage's own peak RSS (the peak is reset between stages).

For an index that `python -m bench.scale_million write ...` left in a `chroma run` server
(or any store paperchat opens): the sentence vectors are looked up as there
(bench/scale.py's KnownSentences, from the ingested bundled index in SOURCE).

    python -m bench.writer_stages SOURCE CHROMA_URL WORK
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path

from bench.common import proc_memory_mb, settings_for

STAGES = {
    "write_catalog": "papers: catalog and evidence pages (store.iter_papers)",
    "close": "evidence close (word vectors)",
    "write_keyword_index": "keyword index (store.chunk_texts)",
    "_read_snapshot": "open the written snapshot",
}


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS


def run(source: Path, url: str, work: Path) -> dict:
    import paperchat.index.snapshot as snapshot
    from bench.scale import KnownSentences
    from paperchat.build import build_store

    settings = settings_for(work / "writer", chroma_url=url, snapshot_dir=work / "snapshots")
    store = build_store(settings)
    sentences = KnownSentences(source, store.info()["embedder"], 384)
    stages: dict[str, dict] = {}

    def staged(name: str, fn):
        def timed(*args, **kwargs):
            _reset_peak()
            started = time.perf_counter()
            out = fn(*args, **kwargs)
            memory = proc_memory_mb(os.getpid())
            stages[STAGES[name]] = {
                "s": round(time.perf_counter() - started, 1),
                "peak_rss_mb": round(memory["peak_rss_mb"]),
                "rss_anon_after_mb": round(memory["rss_anon_mb"]),
            }
            return out

        return timed

    for name in ("write_catalog", "write_keyword_index", "_read_snapshot"):
        setattr(snapshot, name, staged(name, getattr(snapshot, name)))
    snapshot.EvidenceWriter.close = staged("close", snapshot.EvidenceWriter.close)
    started = time.perf_counter()
    folder = work / "snapshots" / uuid.uuid4().hex
    snapshot.write_snapshot(store, "stages", folder, settings.candidates, embedder=sentences)
    return {"chunks": store.count(), "total_s": round(time.perf_counter() - started, 1)} | {
        "stages": stages
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("url")
    parser.add_argument("work", type=Path)
    args = parser.parse_args()
    print(json.dumps(run(args.source, args.url, args.work), indent=1))


if __name__ == "__main__":
    main()
