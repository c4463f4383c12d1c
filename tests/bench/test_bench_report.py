"""The benchmark's pure pieces: the report writer and the quick runner's helpers, on tiny
inputs (no model, no measuring)."""

from __future__ import annotations

import json

from bench.common import latency_ms, percentile, proc_memory_mb
from bench.report import Row, render, rows, write

RESULTS = {
    "quick": True,
    "machine": {"cores": 2, "cpu": "Test CPU", "ram_gb": 4.0, "versions": {"torch": "2.13"}},
    "loadavg": {"start": 0.5, "end": 1.5},
    "ingest": {
        "embedder": "minilm-onnx-int8",
        "chunks": 846,
        "ingest_s": 12.5,
        "encode_s": 10.0,
        "overhead_ratio": 1.25,
        "reingest_cli_s": 1.5,
        "reingest_in_process_s": 0.4,
        "reingest_embedded": 0,
    },
    "latency": {
        "in_process": {
            "query_embedding": {"p50_ms": 5.0},
            "search": {"n": 200, "p50_ms": 8.0, "p95_ms": 40.0},
            "answer_extractive": {"n": 200, "p50_ms": 100.0, "p95_ms": 350.0},
        }
    },
    "baseline": {
        "ingest_s": 30.0,
        "search": {"p50_ms": 15.0, "p95_ms": 25.0},
        "quality": {"hit@1": 0.8, "hit@5": 0.9, "mrr@10": 0.85, "count": 104},
    },
}


def test_rows_judge_targets_and_say_by_how_much_a_miss_misses():
    by_name = {row.name: row for row in rows(RESULTS)}
    ingest = by_name[
        "ingest (bundled corpus) / raw encode of the same chunks, evidence sentences and words"
    ]
    assert ingest.met is False and "missed by 0.05" in ingest.miss and "(4%)" in ingest.miss
    assert by_name["search p50, in process"].met is True
    assert by_name["extractive answer p95, in process"].met is False
    assert Row("speed", 2.5, "×", 2.0, ">=").met is True
    assert Row("no target", 3.0, "s").met is None


def test_render_writes_a_table_and_the_machine(tmp_path):
    md, js = tmp_path / "b.md", tmp_path / "b.json"
    write(RESULTS, md, js)
    text = md.read_text()
    assert "| measure | target | reached | met | baseline | notes |" in text
    assert "| search p50, in process | ≤ 10.0 ms | 8.00 ms | met |" in text
    assert "**missed**" in text and "Test CPU" in text and "QUICK=1" in text
    assert "| llama-index VectorStoreIndex | 30.0 | 15.0 | 25.0 | 0.8 | 0.9 | 0.85 |" in text
    saved = json.loads(js.read_text())
    assert saved["ingest"]["overhead_ratio"] == 1.25 and saved["rows"][0]["met"] is False
    assert render({}).startswith("# paperchat benchmarks")


def test_latency_and_percentiles():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    calls = []
    result = latency_ms(calls.append, ["a", "b", "c"], warmup=None)
    assert result["n"] == 3 and result["first_pass"]["n"] == 3 and len(calls) == 6
    assert latency_ms(calls.append, ["a", "b"], warmup=1)["n"] == 2
    import os

    memory = proc_memory_mb(os.getpid())
    assert memory["rss_mb"] > 0 and memory["peak_rss_mb"] >= memory["rss_mb"]


def test_map_rows_give_the_first_and_the_saved_load_time():
    def load(papers, points, sampled, first, saved_first):
        common = {"papers": papers, "points": points, "sampled": sampled, "clusters": 20}
        return {
            "built": common | {"api_first_s": first, "ui_first_s": first + 1, "json_bytes": 2048},
            "saved": common | {"api_first_s": saved_first, "ui_first_s": 1.0, "api_warm_ms": 2.0},
        }

    results = {
        "map": load(466, 466, False, 0.2, 0.01),
        "scale": {"papers": 100_000, "map": load(100_000, 5000, True, 9.0, 0.05)},
    }
    by_name = {row.name: row for row in rows(results)}
    first = by_name["corpus map 100,000 papers: first `GET /api/map` of a version (builds it)"]
    assert first.reached == 9.0 and "5,000 points (a sample)" in first.note
    later = by_name["corpus map 466 papers: first `GET /api/map` of a later process (saved map)"]
    assert later.reached == 0.01 and "warm request 2.00 ms" in later.note
