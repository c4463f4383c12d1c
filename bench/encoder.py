"""Encoder benchmark: fp32 sentence-transformers MiniLM against its ONNX exports (fp32, int8).

Answers the perf issue's three questions on the bundled corpus's real chunks:
throughput (chunks/s, median of interleaved runs, so a busy machine slows both alike),
agreement (cosine between the two models' vectors, and dense recall@5 / MRR@10 on
evals/questions.jsonl), and a cold one-shot process's time to embed a query.

    .venv/bin/python bench/encoder.py [--out bench/results/encoder.json] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from paperchat.corpus.loader import load_corpus
from paperchat.index.chunking import Chunker
from paperchat.index.embedders.minilm import MiniLMEmbedder
from paperchat.index.embedders.onnx_minilm import QUANTS, OnnxMiniLMEmbedder, ensure_exported
from paperchat.settings import bundled_corpus_dir, load_settings

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "evals" / "questions.jsonl"
BASELINE = "st-fp32"

COLD = """
import sys, time
start = time.perf_counter()
from pathlib import Path
{setup}
vector = embedder.embed_query("how do diffusion models pick their noise?")
print(time.perf_counter() - start)
"""
COLD_SETUP = {
    "onnx-int8": "from paperchat.index.embedders.onnx_minilm import OnnxMiniLMEmbedder\n"
    "embedder = OnnxMiniLMEmbedder(Path(sys.argv[1]), 'int8')",
    "onnx-fp32": "from paperchat.index.embedders.onnx_minilm import OnnxMiniLMEmbedder\n"
    "embedder = OnnxMiniLMEmbedder(Path(sys.argv[1]), 'fp32')",
    BASELINE: "from paperchat.index.embedders.minilm import MiniLMEmbedder\n"
    "embedder = MiniLMEmbedder()",
}


def corpus_chunks(onnx: OnnxMiniLMEmbedder, settings) -> tuple[list[str], list[str]]:
    """The chunks ingest would make, with the paper id of each."""
    chunker = Chunker(
        settings.chunk_tokens,
        settings.chunk_overlap,
        window=onnx.max_tokens,
        count_window_tokens=onnx.count_tokens,
    )
    chunks = [c for p in load_corpus([bundled_corpus_dir()]).papers for c in chunker.split(p)]
    return [c.text for c in chunks], [c.paper_id for c in chunks]


def timed(encode, texts: list[str]) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    vectors = np.asarray(encode(texts))
    return vectors, time.perf_counter() - wall, time.process_time() - cpu


def throughput(encoders: dict, texts: list[str], runs: int) -> tuple[dict, dict]:
    """Median chunks/s (wall and CPU) per encoder, runs interleaved; and the vectors."""
    for encode in encoders.values():
        encode(texts[:64])  # load the model and warm up outside the timing
    walls = {name: [] for name in encoders}
    cpus = {name: [] for name in encoders}
    vectors = {}
    for _ in range(runs):
        for name, encode in encoders.items():
            vectors[name], wall, cpu = timed(encode, texts)
            walls[name].append(len(texts) / wall)
            cpus[name].append(len(texts) / cpu)
    stats = {
        name: {
            "chunks_per_s": statistics.median(walls[name]),
            "runs_chunks_per_s": walls[name],
            "chunks_per_cpu_s": statistics.median(cpus[name]),
        }
        for name in encoders
    }
    return stats, vectors


def retrieval(chunks: np.ndarray, queries: np.ndarray, paper_ids: list[str], gold: list[set]):
    """Dense-only, paper-level recall@5 and MRR@10 (a paper scores its best chunk)."""
    ids = np.asarray(paper_ids)
    recall, rr = [], []
    for scores, wanted in zip(queries @ chunks.T, gold, strict=True):
        ranked: list[str] = []
        for i in np.argsort(-scores):
            if ids[i] not in ranked:
                ranked.append(ids[i])
            if len(ranked) == 10:
                break
        recall.append(len(wanted & set(ranked[:5])) / len(wanted))
        rr.append(next((1 / (r + 1) for r, p in enumerate(ranked) if p in wanted), 0.0))
    return {"recall@5": float(np.mean(recall)), "mrr@10": float(np.mean(rr))}


def cold_start(models_dir: Path, runs: int) -> dict:
    """Wall time of a fresh interpreter that builds the embedder and embeds one query."""
    result = {}
    for name, setup in COLD_SETUP.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", COLD.format(setup=setup), str(models_dir)],
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - start)
        result[name] = {
            "process_s": statistics.median(times),
            "inside_s_last": float(done.stdout.strip().splitlines()[-1]),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "encoder.json")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models-dir", type=Path, help="default: <data dir>/models")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    settings = load_settings()
    models_dir = args.models_dir or settings.data_dir / "models"
    export_s = {}
    for quant in QUANTS:
        start = time.perf_counter()
        ensure_exported(models_dir, quant)
        export_s[quant] = time.perf_counter() - start

    fp32 = MiniLMEmbedder(batch_size=64)
    onnx = {f"onnx-{q}": OnnxMiniLMEmbedder(models_dir, q) for q in QUANTS}
    embedders = {BASELINE: fp32} | onnx
    texts, paper_ids = corpus_chunks(onnx["onnx-int8"], settings)
    load_before = os.getloadavg()
    speed, vectors = throughput(
        {name: e.embed_documents for name, e in embedders.items()}, texts, args.runs
    )
    base = speed[BASELINE]
    report = {
        "chunks": len(texts),
        "cores": os.cpu_count(),
        "loadavg_before_after": [load_before[0], os.getloadavg()[0]],
        "export_s": export_s,
        "throughput": speed,
        "speedup": {
            name: {
                "wall": speed[name]["chunks_per_s"] / base["chunks_per_s"],
                "cpu": speed[name]["chunks_per_cpu_s"] / base["chunks_per_cpu_s"],
            }
            for name in onnx
        },
        "cosine_to_fp32": {name: cosine_stats(vectors[BASELINE], vectors[name]) for name in onnx},
        "cold_start": cold_start(models_dir, args.runs),
    }
    if QUESTIONS.exists():
        rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
        rows = [r for r in rows if r.get("gold")]
        questions, gold = [r["question"] for r in rows], [set(r["gold"]) for r in rows]
        report["retrieval_dense"] = {"questions": len(rows)} | {
            name: retrieval(
                vectors[name], np.asarray(e.embed_documents(questions)), paper_ids, gold
            )
            for name, e in embedders.items()
        }

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"\nwritten to {args.out}")


def cosine_stats(a: np.ndarray, b: np.ndarray) -> dict:
    cosines = (a * b).sum(axis=1)  # unit vectors
    return {
        "mean": float(cosines.mean()),
        "p01": float(np.quantile(cosines, 0.01)),
        "min": float(cosines.min()),
    }


def print_table(report: dict) -> None:
    speed, cold = report["throughput"], report["cold_start"]
    dense = report.get("retrieval_dense", {})
    load = ", ".join(f"{x:.1f}" for x in report["loadavg_before_after"])
    print(f"{report['chunks']} chunks, {report['cores']} cores, load average {load}")
    head = ("encoder", "chunks/s", "x", "chunks/cpu-s", "x", "cos mean", "cos min", "cold s")
    print(f"{head[0]:<10}{head[1]:>9}{head[2]:>6}{head[3]:>13}{head[4]:>6}", end="")
    print(f"{head[5]:>9}{head[6]:>9}{head[7]:>8}  recall@5  mrr@10")
    for name, s in speed.items():
        x = report["speedup"].get(name, {"wall": 1.0, "cpu": 1.0})
        cos = report["cosine_to_fp32"].get(name, {"mean": 1.0, "min": 1.0})
        cold_s = cold.get(name, {}).get("process_s", float("nan"))
        print(
            f"{name:<10}{s['chunks_per_s']:>9.1f}{x['wall']:>6.2f}{s['chunks_per_cpu_s']:>13.1f}"
            f"{x['cpu']:>6.2f}{cos['mean']:>9.4f}{cos['min']:>9.4f}{cold_s:>8.2f}",
            end="",
        )
        if name in dense:
            print(f"  {dense[name]['recall@5']:>8.4f}  {dense[name]['mrr@10']:>6.4f}", end="")
        print()


if __name__ == "__main__":
    main()
