"""The regression gate: the eval's fast subset (questions marked "gate": true) on the real
MiniLM index, held to floors set just under the numbers measured when they were set.

A change that makes retrieval, the judge or the answers worse fails `make test`; a change
that makes them better should raise the floors (measured with `paperchat eval --subset
fast`, whose report lists every question's outcome). Today's figures are in the comments; run
`paperchat eval --subset fast` for the full picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperchat.evals.answers import evaluate_answers, load_assistant
from paperchat.evals.dataset import load_labels, load_questions
from paperchat.evals.judge import SupportJudge, evaluate_judge
from paperchat.evals.retrieval import evaluate_retrieval
from paperchat.evals.runner import select

pytestmark = pytest.mark.slow

EVALS = Path(__file__).resolve().parents[2] / "evals"

# hybrid retrieval on the 53 gate questions with gold papers
RETRIEVAL_FLOORS = {
    "hit@5": 0.94,  # measured 0.962 (51 of 53)
    "mrr@10": 0.88,  # measured 0.901
}
TOPIC_RECALL_FLOOR = 0.83  # recall@10 on the 8 gate topic questions, measured 0.860
JUDGE_FLOORS = {"accuracy": 0.85, "kappa": 0.70}  # test half: measured 0.891 and 0.780

# Answers (extractive) on 24 gate questions: the 18 unanswerable and adversarial ones
# (abstention, injections) and the first 6 facts (fact recall, citations). Each asks the
# Assistant cold, which embeds its candidates' abstracts (about a second on an idle
# machine), so lookups, topics and dialogs are left to the full run. Floors leave at most
# one question of slack.
ANSWER_GATE_TYPES = ("unanswerable", "adversarial")
ANSWER_GATE_FACTS = 6
ANSWER_FLOORS = {
    "abstention_precision": 0.86,  # measured 0.933 (14 of 15 declined were unanswerable)
    "abstention_recall": 0.86,  # measured 0.933 (14 of 15 unanswerable declined)
    "success": 0.87,  # measured 0.917 (22 of 24)
    "fact_recall": 0.83,  # measured 1.000 (6 facts)
    "citation_precision": 0.95,  # measured 1.000 (9 answers, judged as above)
    "citation_recall": 0.95,  # measured 1.000
}


@pytest.fixture(scope="module")
def gate_questions():
    return select(load_questions(EVALS / "questions.jsonl"), "fast")


@pytest.fixture(scope="module")
def retrieval(minilm_searcher, gate_questions):
    return evaluate_retrieval(minilm_searcher, gate_questions, methods=("hybrid",))


@pytest.mark.parametrize("metric", sorted(RETRIEVAL_FLOORS))
def test_hybrid_retrieval_stays_above_its_floor(retrieval, metric):
    overall = retrieval["overall"]["hybrid"]
    misses = [q["id"] for q in retrieval["questions"] if not q["methods"]["hybrid"]["hit@5"]]
    assert overall[metric] >= RETRIEVAL_FLOORS[metric], f"misses at 5: {misses}"


def test_topic_recall_stays_above_its_floor(retrieval):
    assert retrieval["by_type"]["hybrid"]["topic"]["recall@10"] >= TOPIC_RECALL_FLOOR


@pytest.fixture(scope="module")
def judge(minilm_searcher):
    abstracts = {pid: paper.abstract for pid, paper in minilm_searcher.papers.items()}
    return SupportJudge(minilm_searcher.embedder, abstracts)


def test_support_judge_still_agrees_with_the_hand_labels(judge):
    labels = [x for x in load_labels(EVALS / "support_labels.jsonl") if x.split == "test"]
    result = evaluate_judge(judge, labels)
    for name, floor in JUDGE_FLOORS.items():
        assert result["test"][name] >= floor, result["disagreements"]


def test_answers_stay_above_their_floors(minilm_settings, minilm_searcher, gate_questions, judge):
    assistant, note = load_assistant(minilm_settings, minilm_searcher)
    if assistant is None:
        pytest.skip(note)
    facts = [q for q in gate_questions if q.type == "fact"][:ANSWER_GATE_FACTS]
    questions = [q for q in gate_questions if q.type in ANSWER_GATE_TYPES] + facts
    result = evaluate_answers(assistant, questions, judge, mode="extractive")
    failures = [q["id"] for q in result["questions"] if not q["success"]]
    assert result["overall"]["errors"] == 0
    measured = {
        "abstention_precision": result["abstention_precision"],
        "abstention_recall": result["abstention_recall"],
        "success": result["overall"]["success"],
        "fact_recall": result["overall"]["fact_recall"],
        "citation_precision": result["overall"]["citation_precision"],
        "citation_recall": result["overall"]["citation_recall"],
    }
    for name, floor in ANSWER_FLOORS.items():
        assert measured[name] >= floor, f"{name} {measured[name]:.3f}; failures: {failures}"
