"""`paperchat table` as a user runs it (real subprocess over the MiniLM index)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperchat.research.export import HEADER

pytestmark = pytest.mark.slow

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
TOPIC = "learning with noisy labels"


def run(args, settings, check=True):
    env = os.environ | {
        "PAPERCHAT_DATA_DIR": str(settings.data_dir),
        "PAPERCHAT_EMBED_MODEL": settings.embed_model,
    }
    proc = subprocess.run([PAPERCHAT, *args], capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def as_json(minilm_settings):
    return json.loads(run(["table", TOPIC, "-k", "5", "--json"], minilm_settings).stdout)


def test_json_is_the_table_object(as_json):
    assert as_json["topic"] == TOPIC and as_json["mode"] == "extractive"
    assert not as_json["abstained"] and 1 <= len(as_json["rows"]) <= 5
    compress = next(r for r in as_json["rows"] if r["title"].startswith("Compressing Features"))
    assert compress["data"]["text"] == "Clothing1M; ANIMAL-10N"
    assert compress["result"]["text"] is None and compress["result"]["empty_reason"]
    assert compress["year"] == 2022


def test_csv_has_one_row_per_paper_and_says_why_cells_are_empty(minilm_settings, as_json):
    out = run(["table", TOPIC, "-k", "5", "--csv"], minilm_settings).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == HEADER
    assert [r["id"] for r in rows] == [r["id"] for r in as_json["rows"]]
    for row, expected in zip(rows, as_json["rows"], strict=True):
        for column in ("task", "method", "data", "result"):
            cell = expected[column]
            assert row[column] == (cell["text"] or "")
            assert row[f"{column}_empty_reason"] == (cell["empty_reason"] or "")
            assert row[f"{column}_sentences"] == ";".join(str(s["sentence"]) for s in cell["spans"])


def test_text_view_and_bad_flags(minilm_settings):
    text = run(["table", TOPIC, "-k", "3"], minilm_settings).stdout
    assert "Evidence table" in text and "mode: extractive" in text
    both = run(["table", TOPIC, "--json", "--csv"], minilm_settings, check=False)
    assert both.returncode == 1 and "--json" in both.stderr and "Traceback" not in both.stderr
