"""The runner's scoring of retrieval and answers, with scripted parts: a searcher that
returns fixed rankings and an assistant that returns hand-made Answer objects."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from paperchat.answer.models import Answer, Citation
from paperchat.errors import InputError, ProviderError
from paperchat.evals.answers import evaluate_answers, score_answer
from paperchat.evals.dataset import Question
from paperchat.evals.judge import SupportJudge, Thresholds
from paperchat.evals.report import weakest
from paperchat.evals.retrieval import evaluate_retrieval
from paperchat.evals.runner import check_gold
from paperchat.index.embedders.hashing import HashEmbedder

ABSTRACTS = {
    "npnet": "We collect a dataset of 100k pairs of random noises and golden noises.",
    "soups": "Averaging the weights of fine-tuned models improves accuracy.",
}


def judge() -> SupportJudge:
    return SupportJudge(HashEmbedder(256), ABSTRACTS, Thresholds(0.9, 0.3, 0.5))


def q(id: str, type: str = "lookup", **fields) -> Question:
    fields.setdefault("question", f"question {id}?")
    if fields.get("answerable", True):
        fields.setdefault("gold", ["npnet"])
    return Question(id=id, type=type, **fields)


def answer(text: str, cited: dict[int, str], *, abstained: bool = False) -> Answer:
    return Answer(
        question="q",
        answer=text,
        abstained=abstained,
        mode="extractive",
        citations=[Citation(n=n, id=pid, title=None, quote="") for n, pid in cited.items()],
        sources=[],
    )


# ---------------------------------------------------------------- answers


def test_a_grounded_fact_answer_scores_full_marks():
    question = q("f", "fact", expected=["100k"])
    row = score_answer(
        question,
        answer(
            "One paper addresses this:\n\n- **Golden Noise**: We collect a dataset of 100k "
            "pairs of random noises and golden noises [1].",
            {1: "npnet"},
        ),
        judge(),
    )
    assert row.gold_cited and row.statements == 1
    assert row.fact_recall == 1.0
    assert row.citation_recall == 1.0 and row.citation_precision == 1.0
    assert row.success


def test_a_wrong_citation_costs_fact_recall_and_citation_scores():
    question = q("f", "fact", expected=["100k"])
    text = "We collect a dataset of 100k pairs of random noises and golden noises [1]."
    row = score_answer(question, answer(text, {1: "soups"}), judge())
    assert not row.gold_cited
    assert row.fact_recall == 0.0
    assert row.citation_recall == 0.0 and row.citation_precision == 0.0
    assert not row.success


def test_an_abstention_is_right_only_for_unanswerable_questions():
    declined = answer("The corpus has nothing on this.", {}, abstained=True)
    unanswerable = score_answer(q("u", "unanswerable", answerable=False), declined, judge())
    assert unanswerable.success and unanswerable.statements == 0
    assert not score_answer(q("l"), declined, judge()).success


@dataclass
class ScriptedAssistant:
    """Answers by question text; records the history each call received."""

    answers: dict[str, Answer]

    def __post_init__(self):
        self.calls: list[tuple[str, list | None]] = []

    def ask(self, question, history=None, mode="auto", k=None):
        self.calls.append((question, history))
        if question not in self.answers:
            raise ProviderError("the scripted model has no answer", retryable=False)
        return self.answers[question]


def test_dialogs_are_asked_turn_by_turn_with_history():
    first = answer(
        "Averaging the weights of fine-tuned models improves accuracy [1].", {1: "soups"}
    )
    second = answer("We collect a dataset of 100k pairs [2].", {2: "npnet"})
    assistant = ScriptedAssistant({"first?": first, "and that?": second})
    dialog = q("d", "dialog", question="and that?", turns=["first?", "and that?"])
    result = evaluate_answers(assistant, [dialog], judge())
    assert [c[0] for c in assistant.calls] == ["first?", "and that?"]
    assert assistant.calls[0][1] is None
    history = assistant.calls[1][1]
    assert [t.role for t in history] == ["user", "assistant"]
    assert history[1].citations[0].id == "soups"
    assert result["latency_seconds"]["asks"] == 2
    assert result["by_type"]["dialog"]["gold_cited"] == 1.0


def test_summary_counts_abstention_and_errors():
    declined = answer("Nothing here.", {}, abstained=True)
    good = answer("We collect a dataset of 100k pairs [1].", {1: "npnet"})
    assistant = ScriptedAssistant({"cooking?": declined, "npnet?": good, "soups?": declined})
    questions = [
        q("u", "unanswerable", question="cooking?", answerable=False),
        q("a", question="npnet?"),
        q("b", question="soups?", gold=["soups"]),  # answerable but declined
        q("e", question="boom?"),  # the assistant fails
    ]
    result = evaluate_answers(assistant, questions, judge())
    # declined 2 (u, b), of which unanswerable 1 → precision 0.5; recall 1/1
    assert result["abstention_precision"] == 0.5
    assert result["abstention_recall"] == 1.0
    assert result["false_abstention_rate"] == 0.5  # b of the answerable a, b
    assert result["overall"]["errors"] == 1
    by_id = {row["id"]: row for row in result["questions"]}
    assert by_id["e"]["error"].startswith("ProviderError")
    assert [by_id[i]["success"] for i in "uabe"] == [True, True, False, False]


# ---------------------------------------------------------------- retrieval


@dataclass
class Hit:
    paper: object


@dataclass
class Paper:
    id: str


class FixedSearcher:
    """Returns a fixed ranking per method; the same for every query."""

    def __init__(self, rankings: dict[str, list[str]]):
        self.rankings = rankings
        self.embedder = HashEmbedder(16)

    def search(self, query, k, *, method="hybrid"):
        return [Hit(Paper(pid)) for pid in self.rankings[method][:k]]


def test_retrieval_is_scored_per_method_and_type():
    searcher = FixedSearcher(
        {"dense": ["x", "g1", "y"], "keyword": ["g1", "g2"], "hybrid": ["y", "x"]}
    )
    questions = [
        q("l", gold=["g1"]),
        q("t", "topic", gold=["g1", "g2", "g3"]),
        q("u", "unanswerable", answerable=False),  # no gold: not a retrieval question
    ]
    result = evaluate_retrieval(searcher, questions)
    assert result["methods"] == ["dense", "keyword", "hybrid"]
    assert result["overall"]["dense"]["count"] == 2
    lookup = result["by_type"]["dense"]["lookup"]
    assert lookup["hit@1"] == 0.0 and lookup["hit@5"] == 1.0 and lookup["mrr@10"] == 0.5
    topic = result["by_type"]["keyword"]["topic"]
    assert topic["recall@10"] == pytest.approx(2 / 3)
    assert result["overall"]["hybrid"]["hit@5"] == 0.0
    row = result["questions"][0]["methods"]["dense"]
    assert row["first_gold_rank"] == 2 and row["ranked"] == ["x", "g1", "y"]

    report = {"retrieval": result, "answers": {"available": False}, "titles": {"g1": "G One"}}
    worst = weakest(report)["retrieval"]
    assert worst["type"] == "lookup"  # hybrid hit@5 is 0 for both; lookup comes first
    assert worst["examples"][0]["gold"] == ["G One"]


def test_gold_ids_missing_from_the_index_stop_the_run():
    check_gold([q("a", gold=["npnet"])], ABSTRACTS)
    with pytest.raises(InputError, match="1 gold paper ids are not in the index"):
        check_gold([q("a", gold=["elsewhere"])], ABSTRACTS)
