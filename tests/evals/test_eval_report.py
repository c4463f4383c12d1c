"""The report files, rendered from a run of the real scorers over scripted parts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from paperchat.answer.models import Answer, Citation
from paperchat.evals.answers import evaluate_answers
from paperchat.evals.dataset import Question, SupportLabel
from paperchat.evals.judge import SupportJudge, Thresholds, evaluate_judge
from paperchat.evals.report import write_report
from paperchat.evals.retrieval import evaluate_retrieval
from paperchat.index.embedders.hashing import HashEmbedder

ABSTRACTS = {"p1": "Golden noise pairs number 100k.", "p2": "Weight averaging helps accuracy."}


@dataclass
class Hit:
    paper: object


@dataclass
class Paper:
    id: str


class Searcher:
    embedder = HashEmbedder(16)

    def search(self, query, k, *, method="hybrid"):
        ranking = {"dense": ["p2", "p1"], "keyword": ["p1"], "hybrid": ["p1", "p2"]}[method]
        return [Hit(Paper(pid)) for pid in ranking[:k]]


class Assistant:
    def ask(self, question, history=None, mode="auto", k=None):
        if "cook" in question:
            return Answer(
                question=question, answer="Nothing.", abstained=True, mode="extractive",
                citations=[], sources=[],
            )  # fmt: skip
        return Answer(
            question=question,
            answer="Golden noise pairs number 100k [1].",
            abstained=False,
            mode="extractive",
            citations=[Citation(n=1, id="p1", title="Golden", quote="")],
            sources=[],
        )


def make_report(with_answers: bool) -> dict:
    questions = [
        Question(id="f1", type="fact", question="How many?", gold=["p1"], expected=["100k"]),
        Question(id="l1", type="lookup", question="Averaging?", gold=["p2"]),
        Question(id="u1", type="unanswerable", question="How to cook?", answerable=False),
    ]
    judge = SupportJudge(HashEmbedder(256), ABSTRACTS, Thresholds(0.9, 0.3, 0.5))
    labels = [
        SupportLabel(
            id="s1", sentence="Golden noise pairs number 100k.", paper="p1", supported=True
        ),
        SupportLabel(
            id="s2", sentence="Golden noise pairs number 7k.", paper="p1", supported=False
        ),
    ]
    report = {
        "created": "2025-01-01T00:00:00+00:00",
        "seconds": 1.0,
        "machine": "test",
        "questions_file": "q.jsonl",
        "subset": "all",
        "counts": {"fact": 1, "lookup": 1, "unanswerable": 1},
        "papers_indexed": 2,
        "embedder": "hash-16",
        "retrieval": evaluate_retrieval(Searcher(), questions),
        "judge": evaluate_judge(judge, labels),
        "titles": {"p1": "Golden Noise", "p2": "Model Soups"},
    }
    if with_answers:
        report["answers"] = evaluate_answers(Assistant(), questions, judge)
    else:
        report["answers"] = {"available": False, "note": "answering layer not available: test"}
    return report


def test_report_files_without_answers(tmp_path):
    paths = write_report(make_report(with_answers=False), tmp_path / "out")
    markdown = paths["markdown"].read_text()
    assert "| metric | dense | keyword | hybrid |" in markdown
    # dense and hybrid rank both gold papers in their top 5, keyword only p1
    assert "| hit@5 | **1.000** | 0.500 | **1.000** |" in markdown
    assert "held-out test half: accuracy 1.000" in markdown
    assert "_answering layer not available: test_" in markdown
    assert "By hybrid retrieval hit@5" in markdown
    saved = json.loads(paths["json"].read_text())
    assert saved["weakest"]["answers"] is None
    assert paths["png"].read_bytes().startswith(b"\x89PNG")


def test_report_files_with_answers(tmp_path):
    paths = write_report(make_report(with_answers=True), tmp_path)
    markdown = paths["markdown"].read_text()
    assert "| abstention recall | 1.000 |" in markdown
    assert "| fact recall (expected strings, cited to gold) | 1.000 |" in markdown
    # the lookup about averaging was answered citing p1, not its gold p2
    assert "By answer success: **lookup** (0.000)" in markdown
    assert "`l1` Averaging? — cited Golden Noise; gold: Model Soups" in markdown
    saved = json.loads(paths["json"].read_text())
    assert saved["answers"]["by_type"]["fact"]["success"] == 1.0
    assert paths["png"].stat().st_size > 1000
