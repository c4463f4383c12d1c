"""`paperchat ask` and `paperchat summarize` as a user runs them (real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
ANSWER_KEYS = {"question", "answer", "abstained", "mode", "citations", "sources"}


def run(args, settings, check=True):
    env = os.environ | {
        "PAPERCHAT_DATA_DIR": str(settings.data_dir),
        "PAPERCHAT_EMBED_MODEL": settings.embed_model,
    }
    proc = subprocess.run([PAPERCHAT, *args], capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_ask_json_is_the_answer_object(minilm_settings):
    out = json.loads(run(["ask", "what is NPNet?", "--json"], minilm_settings).stdout)
    assert set(out) >= ANSWER_KEYS and out["mode"] == "extractive" and not out["abstained"]
    citation = out["citations"][0]
    assert set(citation) >= {"n", "id", "title", "quote"} and citation["n"] == 1
    assert "[1]" in out["answer"]
    assert {"id", "title", "abstract", "score", "published", "authors", "url", "code_url"} <= set(
        out["sources"][0]
    )


def test_ask_prints_the_answer_and_numbered_sources(minilm_settings):
    proc = run(["ask", "which papers prune large language models?", "-k", "3"], minilm_settings)
    assert "[1]" in proc.stdout and "Sources" in proc.stdout
    assert "PAT: Pruning-Aware Tuning" in proc.stdout
    assert "mode: extractive" in proc.stdout


def test_ask_llm_without_key_is_a_clear_error(minilm_settings):
    proc = run(["ask", "what is NPNet?", "--mode", "llm"], minilm_settings, check=False)
    assert proc.returncode == 1 and "OPENAI_API_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_summarize_json_and_bibtex(minilm_settings, tmp_path):
    bib = tmp_path / "cited.bib"
    out = json.loads(
        run(
            ["summarize", "graph neural networks", "-k", "5", "--json", "--bibtex", str(bib)],
            minilm_settings,
        ).stdout
    )
    assert out["topic"] == "graph neural networks" and out["citations"]
    assert set(out) >= {"topic", "summary", "abstained", "mode", "citations", "sources"}
    text = bib.read_text()
    assert text.count("@misc{") == len({c["id"] for c in out["citations"]})
    assert "Towards Deeper Graph Neural Networks" in text


def test_ask_json_and_text_carry_the_coverage(minilm_settings):
    question = "Which methods learn with noisy labels?"
    out = json.loads(run(["ask", question, "--json"], minilm_settings).stdout)
    coverage = out["coverage"]
    assert coverage["cited"] == len({c["id"] for c in out["citations"]}) >= 1
    assert coverage["papers"] == sum(y["relevant"] for y in coverage["years"]) + coverage["undated"]
    text = run(["ask", question], minilm_settings).stdout
    assert f"Coverage: {coverage['note']}" in " ".join(text.split())


def test_summarize_json_carries_the_coverage(minilm_settings):
    out = json.loads(run(["summarize", "graph neural networks", "--json"], minilm_settings).stdout)
    assert out["coverage"]["papers"] >= out["coverage"]["cited"] >= 2
    assert out["coverage"]["note"].endswith(f"{out['coverage']['cited']} cited")
