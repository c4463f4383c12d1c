"""`paperchat eval` as a user runs it from a fresh data dir: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
REPO = Path(__file__).resolve().parents[2]


def run(args, data_dir, cwd=REPO):
    env = os.environ | {"PAPERCHAT_DATA_DIR": str(data_dir), "PAPERCHAT_EMBED_MODEL": "hash"}
    return subprocess.run(
        [PAPERCHAT, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )


@pytest.mark.slow
def test_eval_ingests_when_needed_and_writes_the_report(tmp_path):
    out = tmp_path / "out"
    args = ["eval", "--subset", "fast", "--split", "test", "--no-answers", "--out", str(out)]
    proc = run(args, tmp_path / "data")
    assert proc.returncode == 0, proc.stderr
    assert "No index yet: ingesting the bundled corpus first." in proc.stderr
    assert "retrieval, test split:" in proc.stdout and "tune split" not in proc.stdout
    assert "| metric | dense | keyword | hybrid | abstract-dense | llama-index |" in proc.stdout
    assert "judge agreement (test half)" in proc.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["subset"] == "fast" and report["split"] == "test"
    assert report["splits"] == ["test"]
    assert report["papers_indexed"] == 466
    assert report["answers"] == {
        "available": False,
        "note": "answers were not evaluated (--no-answers)",
    }
    assert set(report["retrieval"]["overall"]) == {
        "dense", "keyword", "hybrid", "abstract-dense", "llama-index"
    }  # fmt: skip
    assert report["baselines"]["llama-index"]["papers"] == 466
    assert "## Retrieval: configurations side by side" in (out / "report.md").read_text()
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")


def test_eval_with_a_bad_questions_file_says_which_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "type": "lookup", "question": "x?"}\n')
    proc = run(["eval", "--questions", str(questions)], tmp_path / "data", cwd=tmp_path)
    assert proc.returncode == 1
    assert "q.jsonl:1:" in proc.stderr and "gold" in proc.stderr
