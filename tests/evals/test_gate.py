"""The regression gate: the eval's *test* split on the real MiniLM index, extractive mode,
held to floors measured when the relevance model landed (`FLOORS`), beside the figures
issue 15 sets as "done" (`TARGETS`), so the gap is in one place.

A failure says which figure and how far off, not which test questions failed: those are
read on the tune split (`paperchat eval --split tune`, whose report lists failures), so
the test split stays a measurement rather than a target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paperchat.evals.answers import evaluate_answers, load_assistant
from paperchat.evals.dataset import load_labels, load_questions
from paperchat.evals.judge import SupportJudge, evaluate_judge
from paperchat.evals.retrieval import evaluate_retrieval
from paperchat.evals.runner import select
from paperchat.evals.summaries import evaluate_summaries

pytestmark = pytest.mark.slow

EVALS = Path(__file__).resolve().parents[2] / "evals"
SPLIT = "test"
MODE = "extractive"

# Issue 15, "Done when" (test split, extractive mode, default embedder).
TARGETS = {
    "lookup_gold_cited": 0.93,  # lookups: a gold paper cited, at least
    "answerable_declined": 0.03,  # answered + detail_missing questions declined, at most
    "abstention_recall": 0.95,  # unanswerable and named-but-absent declined, at least...
    "abstention_precision": 0.95,  # ... at this precision, at least
    "named_absent_attributed": 0,  # named-but-absent answers citing any paper, at most
    "detail_missing_verdict": 0.90,  # detail_missing questions given that verdict, at least
    "dialog_success": 0.93,  # follow-ups: fact surfaced and gold cited, at least
    "summary_precision": 0.85,  # topic summaries: cited ∩ gold / cited, at least
    "summary_recall": 0.85,  # topic summaries: cited ∩ gold / gold, at least
    "hybrid_hit@1": 0.92,  # retrieval, at least
    "hybrid_mrr@10": 0.95,  # retrieval, at least
}
# What the gate holds: the figures measured on the test split when the relevance model
# landed (paperchat eval --split test, 2026-12-02), less a margin for the fp32 embedder
# the test session uses. The comments give the figures on the 227-question test split of
# 2026-12-07 (int8 embedder), after 31 unseen questions (s6-) joined it; the code before
# that session's changes measures the same on it. Where a floor is below its TARGET, the
# target is not met yet; raise a floor when a change lifts the figure, never lower it to
# let a change pass. abstention_recall's floor went from 0.80 to 0.75 when the s6-
# near misses joined the split (the figure fell from 0.857 to 0.787 with the code
# unchanged), then to 0.77 when chat words stopped counting as topic (measured 0.820).
FLOORS = {
    "lookup_gold_cited": 0.90,  # measured 0.963 (299 test questions since s9- and s10-)
    "answerable_declined": 0.03,  # measured 0.018 (at most)
    "abstention_recall": 0.77,  # measured 0.808 — below the 0.95 target
    "abstention_precision": 0.90,  # measured 0.940
    "named_absent_attributed": 2,  # measured 0 of 31 (at most), the target
    "detail_missing_verdict": 0.85,  # measured 0.919
    "dialog_success": 0.75,  # measured 0.885 — below the 0.93 target
    "summary_precision": 0.80,  # measured 0.815 — below the 0.85 target
    "summary_recall": 0.75,  # measured 0.793 — below the 0.85 target
    "hybrid_hit@1": 0.90,  # measured 0.919
    "hybrid_mrr@10": 0.93,  # measured 0.953
}
assert FLOORS.keys() == TARGETS.keys()
JUDGE_FLOORS = {"accuracy": 0.85, "kappa": 0.70}  # the judge on its test half of the labels


@pytest.fixture(scope="module")
def test_questions():
    return select(load_questions(EVALS / "questions.jsonl"), None, SPLIT)


@pytest.fixture(scope="module")
def retrieval(minilm_searcher, test_questions):
    return evaluate_retrieval(minilm_searcher, test_questions, methods=("hybrid",))


@pytest.mark.parametrize("metric", ["hit@1", "mrr@10"])
def test_hybrid_retrieval_meets_its_target(retrieval, metric):
    value = retrieval["overall"]["hybrid"][metric]
    assert value >= FLOORS[f"hybrid_{metric}"], f"{metric} {value:.3f}; {HINT}"


@pytest.fixture(scope="module")
def judge(minilm_searcher):
    abstracts = {pid: paper.abstract for pid, paper in minilm_searcher.papers.items()}
    return SupportJudge(minilm_searcher.embedder, abstracts)


def test_support_judge_still_agrees_with_the_hand_labels(judge):
    labels = [x for x in load_labels(EVALS / "support_labels.jsonl") if x.split == "test"]
    result = evaluate_judge(judge, labels)
    for name, floor in JUDGE_FLOORS.items():
        assert result["test"][name] >= floor, result["disagreements"]


@pytest.fixture(scope="module")
def assistant(minilm_settings, minilm_searcher):
    assistant, note = load_assistant(minilm_settings, minilm_searcher)
    if assistant is None:
        pytest.skip(note)
    return assistant


@pytest.fixture(scope="module")
def answers(assistant, test_questions, judge):
    result = evaluate_answers(assistant, test_questions, judge, mode=MODE)
    errors = [q["error"] for q in result["questions"] if q["error"]]
    assert not errors, errors[:3]
    return result


HINT = "read the failures on the tune split: `paperchat eval --split tune --mode extractive`"


def _measured(name: str, value: float | None) -> float:
    assert value is not None, f"the {SPLIT} split has no questions for {name}"
    return value


def _count(answers: dict, keep) -> str:
    chosen = [q for q in answers["questions"] if keep(q)]
    return f"{sum(1 for q in chosen if not q['success'])} of {len(chosen)} fail; {HINT}"


def test_lookups_cite_a_gold_paper(answers):
    block = answers["by_type"].get("lookup")
    value = _measured("lookup_gold_cited", block and block["gold_cited"])
    assert value >= FLOORS["lookup_gold_cited"], f"{value:.3f}; {HINT}"


def test_answerable_questions_are_rarely_declined(answers):
    value = _measured("answerable_declined", answers["false_abstention_rate"])
    assert value <= FLOORS["answerable_declined"], f"{value:.3f}; {HINT}"


@pytest.mark.parametrize("name", ["abstention_recall", "abstention_precision"])
def test_abstention_meets_its_target(answers, name):
    value, confusion = answers[name], answers["confusion"]
    assert value >= FLOORS[name], f"{value:.3f}; expected → got: {confusion}; {HINT}"


def test_nothing_is_attributed_for_a_named_thing_the_corpus_lacks(answers):
    named = answers["named_absent"]
    assert named["count"], f"the {SPLIT} split has no named-but-absent questions"
    attributed = named["attributed"]
    assert attributed <= FLOORS["named_absent_attributed"], (
        f"{attributed} of {named['count']} cite a paper; {HINT}"
    )


def test_detail_missing_questions_get_that_verdict(answers):
    value = _measured("detail_missing_verdict", answers["verdict_rate"]["detail_missing"])
    counts = _count(answers, lambda q: q["expected_verdict"] == "detail_missing")
    assert value >= FLOORS["detail_missing_verdict"], f"{value:.3f}; {counts}"


def test_dialogs_surface_the_fact_and_cite_gold(answers):
    block = answers["by_type"].get("dialog")
    value = _measured("dialog_success", block and block["success"])
    counts = _count(answers, lambda q: q["type"] == "dialog")
    assert value >= FLOORS["dialog_success"], f"{value:.3f}; {counts}"


@pytest.fixture(scope="module")
def summaries(assistant, test_questions):
    result = evaluate_summaries(assistant, test_questions, mode=MODE)
    errors = [q["error"] for q in result["questions"] if q["error"]]
    assert not errors, errors[:3]
    return result


@pytest.mark.parametrize("name", ["precision", "recall"])
def test_topic_summaries_cite_the_topic_papers(summaries, name):
    value = _measured(f"summary_{name}", summaries[name])
    assert value >= FLOORS[f"summary_{name}"], f"{value:.3f}; {HINT}"
