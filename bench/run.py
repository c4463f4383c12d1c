"""`make bench`: every figure of issue 7, written to docs/benchmarks.md and .json.

    .venv/bin/python -m bench.run            # full: ~30 min budget, 100k synthetic papers
    .venv/bin/python -m bench.run --quick    # quick: under 5 min, fewer runs and papers

All indexes live in a temporary data dir (PAPERCHAT_DATA_DIR is pointed there for child
processes too); the user's index is never touched. A section that fails is recorded in
the report and the others still run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from bench.common import REPO, loadavg
from bench.machine import machine_facts
from bench.report import render, write


@dataclass(frozen=True)
class Plan:
    runs: int  # interleaved repetitions of ingest/encode, cold-start processes
    queries: int  # warm latency queries
    warmup: int  # server warm-up queries before reading its memory
    scale_papers: int
    scale_queries: int
    encoder_chunks: int | None = None  # None: every chunk of the bundled corpus
    ingest_runs: int = 3  # interleaved ingest/encode pairs: a median of one is noise


FULL = Plan(runs=3, queries=220, warmup=30, scale_papers=100_000, scale_queries=200, ingest_runs=5)
QUICK = Plan(
    runs=1, queries=60, warmup=10, scale_papers=5_000, scale_queries=40, encoder_chunks=256
)


def run(plan: Plan, work: Path, quick: bool, only: set[str] | None = None) -> dict:
    from bench import baseline, ingest, latency, map_load, process, scale

    os.environ["PAPERCHAT_DATA_DIR"] = str(work / "main")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main, fp32, base, big = (work / name for name in ("main", "fp32", "llama", "scale"))
    results: dict = {"quick": quick, "plan": plan.__dict__, "machine": machine_facts()}
    results["loadavg"] = {"start": loadavg()}
    errors: dict[str, str] = {}
    sections = {
        "ingest": lambda: ingest.ingest_vs_encoder(main, plan.ingest_runs),
        "encoder": lambda: ingest.encoder_speed(main, plan.runs, plan.encoder_chunks),
        "quality": lambda: ingest.quality_both_encoders(main, fp32),
        "latency": lambda: latency.warm_latency(main, plan.queries),
        "cold_start": lambda: process.cold_start(main, plan.runs),
        "memory": lambda: process.server_memory(main, plan.warmup),
        "map": lambda: map_load.run(main),
        "baseline": lambda: baseline.llama_index_baseline(base, plan.queries),
        "scale": lambda: scale.run(main, big, plan.scale_papers, plan.scale_queries),
    }
    started = time.perf_counter()
    for name, section in sections.items():
        if only and name not in only:
            continue
        t0 = time.perf_counter()
        print(f"[bench] {name} … (load {loadavg():.1f})", flush=True)
        try:
            results[name] = section()
        except Exception as exc:  # report it and go on: one broken section is one gap
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"[:500]
        print(f"[bench] {name} done in {time.perf_counter() - t0:.1f} s", flush=True)
    results["total_s"] = time.perf_counter() - started
    results["loadavg"]["end"] = loadavg()
    if errors:
        results["errors"] = errors
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the quick form (< 5 min)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--only", help="comma-separated sections (development)")
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="paperchat-bench-"))
    try:
        only = set(args.only.split(",")) if args.only else None
        results = run(QUICK if args.quick else FULL, work, args.quick, only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    write(results, args.out, args.out.with_suffix(".json"))
    print(render(results))
    print(f"written to {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
