"""The `paperchat` command as a user runs it: a real subprocess, JSON out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
RESULT_KEYS = {"id", "title", "abstract", "score", "published", "authors", "url", "code_url"}


def run(args, data_dir, *, embed="hash", check=True):
    env = os.environ | {"PAPERCHAT_DATA_DIR": str(data_dir), "PAPERCHAT_EMBED_MODEL": embed}
    proc = subprocess.run([PAPERCHAT, *args], capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cli")
    run(["ingest"], data_dir)
    return data_dir


def test_ingest_twice_reports_nothing_embedded(indexed):
    proc = run(["ingest"], indexed)
    assert "embedded 0 chunks" in proc.stdout
    report = json.loads(run(["ingest", "--json"], indexed).stdout)
    assert report["papers"] == 466 and report["embedded"] == 0


def test_stats_json(indexed):
    stats = json.loads(run(["stats", "--json"], indexed).stdout)
    assert stats["papers"] == 466
    assert stats["chunks"] >= 466
    assert stats["embedder"] == "hash-256"
    assert stats["store"].endswith("chroma")


def test_search_json_has_every_field(indexed):
    out = json.loads(run(["search", "speech separation", "-k", "3", "--json"], indexed).stdout)
    assert out["query"] == "speech separation"
    assert len(out["results"]) == 3
    for result in out["results"]:
        assert set(result) >= RESULT_KEYS


def test_search_since_json(indexed):
    out = json.loads(run(["search", "graph", "--since", "2024", "--json"], indexed).stdout)
    assert all(r["published"] >= "2024" for r in out["results"])


def test_search_table(indexed):
    proc = run(["search", "Conv-TasNet speech separation"], indexed)
    assert "Conv-TasNet" in proc.stdout


def test_search_without_index_says_ingest_first(tmp_path):
    proc = run(["search", "anything"], tmp_path / "empty", check=False)
    assert proc.returncode == 1
    assert "paperchat ingest" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_embedder_lists_valid_names(tmp_path):
    proc = run(["ingest"], tmp_path, embed="word2vec", check=False)
    assert proc.returncode == 1
    assert "minilm" in proc.stderr and "Traceback" not in proc.stderr


def test_ingest_bad_file_warns_with_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "title": "t"}\n', encoding="utf-8")
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"id": "2401.00001", "title": "T", "abstract": "An abstract."}) + "\n",
        encoding="utf-8",
    )
    proc = run(["ingest", str(bad), str(good)], tmp_path / "data")
    assert "bad.jsonl:1" in proc.stderr
    assert "Skipped 1" in proc.stdout


def test_help_lists_commands():
    proc = subprocess.run([PAPERCHAT, "--help"], capture_output=True, text=True, check=True)
    for command in ("ingest", "search", "stats", "serve", "table", "eval-table"):
        assert command in proc.stdout


def test_map_json_and_text(indexed):
    corpus = json.loads(run(["map", "--json"], indexed).stdout)
    assert corpus["papers"] == 466
    assert sum(c["count"] for c in corpus["clusters"]) == corpus["mapped"]
    assert {"id", "title", "year", "x", "y", "cluster"} == set(corpus["points"][0])
    text = run(["map"], indexed).stdout
    assert "Map of the corpus: 466 papers" in text
    assert corpus["clusters"][0]["label"] in text
