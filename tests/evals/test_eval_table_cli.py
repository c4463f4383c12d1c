"""`paperchat eval-table` as a user runs it from a fresh data dir: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_eval_table_prints_precision_and_recall_per_column(tmp_path):
    env = os.environ | {
        "PAPERCHAT_DATA_DIR": str(tmp_path / "data"),
        "PAPERCHAT_EMBED_MODEL": "hash",
    }
    out = tmp_path / "out"
    proc = subprocess.run(
        [PAPERCHAT, "eval-table", "--split", "test", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    assert "No index yet: ingesting the bundled corpus first." in proc.stderr
    assert "test split: 24 papers, 5 topics" in proc.stdout and "tune split" not in proc.stdout
    assert "| column | precision | recall | empty agreement | filled | labelled |" in proc.stdout
    report = json.loads((out / "table_report.json").read_text())
    columns = report["by_split"]["test"]["columns"]
    assert set(columns) == {"task", "method", "data", "result"}
    assert all(0.0 <= c["precision"] <= 1.0 and 0.0 <= c["recall"] <= 1.0 for c in columns.values())
    assert {p["split"] for p in report["papers"]} == {"test"}
    assert (out / "table_report.md").read_text().startswith("# Evidence-table extraction")
