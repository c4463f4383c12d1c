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
from paperchat.evals.summaries import evaluate_summaries
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


@dataclass
class Summary:
    citations: list
    abstained: bool = False
    verdict: str = "answered"


class Assistant:
    def __init__(self, confidence: float | None = None):
        self.confidence = confidence

    def ask(self, question, history=None, mode="auto", k=None):
        if "cook" in question:
            answer = Answer(
                question=question, answer="Nothing.", abstained=True, mode="extractive",
                citations=[], sources=[],
            )  # fmt: skip
        else:
            answer = Answer(
                question=question,
                answer="Golden noise pairs number 100k [1].",
                abstained=False,
                mode="extractive",
                citations=[Citation(n=1, id="p1", title="Golden", quote="")],
                sources=[],
            )
        return answer.model_copy(update={"confidence": self.confidence})

    def summarize(self, topic, k=None, mode="auto"):
        return Summary([Citation(n=1, id="p1", title="Golden", quote="")])


def make_report(with_answers: bool, splits: bool = False, confidence: float | None = None) -> dict:
    split = {"f1": "test", "l1": "tune", "u1": "test", "t1": "test"} if splits else {}
    questions = [
        Question(id="f1", type="fact", question="How many?", gold=["p1"], expected=["100k"]),
        Question(id="l1", type="lookup", question="Averaging?", gold=["p2"]),
        Question(id="u1", type="unanswerable", question="How to cook?", answerable=False),
        Question(id="t1", type="topic", question="Noise and soups", gold=["p1", "p2"]),
    ]
    questions = [q.model_copy(update={"split": split.get(q.id)}) for q in questions]
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
        "counts": {"fact": 1, "lookup": 1, "topic": 1, "unanswerable": 1},
        "papers_indexed": 2,
        "embedder": "hash-16",
        "retrieval": evaluate_retrieval(Searcher(), questions),
        "judge": evaluate_judge(judge, labels),
        "titles": {"p1": "Golden Noise", "p2": "Model Soups"},
    }
    if with_answers:
        report["answers"] = evaluate_answers(Assistant(confidence), questions, judge)
        report["summaries"] = evaluate_summaries(Assistant(), questions)
    else:
        note = {"available": False, "note": "answering layer not available: test"}
        report["answers"] = report["summaries"] = note
    return report


def test_report_files_without_answers(tmp_path):
    paths = write_report(make_report(with_answers=False), tmp_path / "out")
    markdown = paths["markdown"].read_text()
    assert "| metric | dense | keyword | hybrid |" in markdown
    # dense and hybrid rank both gold papers in their top 5, keyword only p1 (l1 misses)
    assert "| hit@5 | **1.000** | 0.667 | **1.000** |" in markdown
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
    assert "By answer success, all questions: **lookup** (0.000)" in markdown
    assert "`l1` Averaging? — answered, cited Golden Noise; gold: Model Soups" in markdown
    saved = json.loads(paths["json"].read_text())
    assert saved["answers"]["by_type"]["fact"]["success"] == 1.0
    assert paths["png"].stat().st_size > 1000
    assert "No answer carried a `confidence`" in markdown
    # the topic summary cites p1 of its gold p1, p2
    assert "| all | 1 | 1.000 | 0.500 | 0 | 0 |" in markdown


def test_every_figure_is_given_per_split_test_first(tmp_path):
    paths = write_report(make_report(with_answers=True, splits=True), tmp_path)
    markdown = paths["markdown"].read_text()
    test, tune = markdown.index("### test split"), markdown.index("### tune split")
    assert test < tune
    assert "| metric | test (3) | tune (1) | all (4) |" in markdown
    assert "### Verdicts, expected × got, test split" in markdown
    assert "| no_relevant_paper | 0 | 0 | 0 | 1 | 0 |" in markdown  # the cooking question
    # failures to read come from the tune split, never the test split
    assert "By answer success, tune split: **lookup**" in markdown
    assert "| test | 1 | 1.000 | 0.500 | 0 | 0 |" in markdown
    assert "Per topic, tune split" in markdown and "`t1`" not in markdown  # t1 is test
    saved = json.loads(paths["json"].read_text())
    assert saved["retrieval"]["by_split"]["tune"]["overall"]["hybrid"]["count"] == 1


def test_calibration_is_reported_when_answers_carry_a_confidence(tmp_path):
    paths = write_report(make_report(with_answers=True, confidence=0.8), tmp_path)
    markdown = paths["markdown"].read_text()
    assert "## Calibration of the relevance model" in markdown
    # 4 answers at 0.8; no sources, so the top paper is the first citation (p1, or none)
    saved = json.loads(paths["json"].read_text())
    overall = saved["answers"]["calibration"]["overall"]
    assert overall["count"] == 4
    nonempty = [b for b in overall["table"] if b["count"]]
    assert [(b["low"], b["count"]) for b in nonempty] == [(0.8, 4)]
    # top paper p1 is gold for f1 and t1, not for l1 (gold p2) or u1 (no gold)
    assert nonempty[0]["observed"] == 0.5
    assert "| all | 0.8–0.9 | 4 | 0.800 | 0.500 |" in markdown
