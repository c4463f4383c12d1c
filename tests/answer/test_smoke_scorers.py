"""The pure scoring functions of evals/answer_smoke.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "evals" / "answer_smoke.py"


@pytest.fixture(scope="module")
def smoke():
    spec = importlib.util.spec_from_file_location("answer_smoke", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cited_right_paper(smoke):
    assert smoke.cited_right_paper(["a", "b"], ["b", "c"])
    assert not smoke.cited_right_paper([], ["b"])


def test_surfaced(smoke):
    assert smoke.surfaced("reaches 100K pairs", ["100k"])
    assert not smoke.surfaced("reaches 10k pairs", ["100k", "6.72"])


def test_surfaced_all(smoke):
    assert smoke.surfaced_all("20x faster, 32 hours", [["20times", "20x"], ["32"]])
    assert not smoke.surfaced_all("20x faster", [["20x"], ["32"]])


def test_abstention_scores(smoke):
    outcomes = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    scores = smoke.abstention_scores(outcomes)
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["false_abstentions"] == 1
    assert smoke.abstention_scores([(False, False)]) == {
        "precision": 1.0,
        "recall": 1.0,
        "false_abstentions": 0.0,
    }
