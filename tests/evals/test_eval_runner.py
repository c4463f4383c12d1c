"""The runner's scoring of retrieval and answers, with scripted parts: a searcher that
returns fixed rankings and an assistant that returns hand-made Answer objects."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from paperchat.answer.models import Answer, Citation
from paperchat.corpus.paper import Paper as CorpusPaper
from paperchat.errors import InputError, ProviderError
from paperchat.evals.answers import evaluate_answers, score_answer
from paperchat.evals.baselines import build_baselines
from paperchat.evals.dataset import Question
from paperchat.evals.judge import SupportJudge, Thresholds
from paperchat.evals.report import weakest
from paperchat.evals.retrieval import evaluate_retrieval
from paperchat.evals.runner import check_gold
from paperchat.evals.summaries import evaluate_summaries
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.retrieve.results import SearchResult

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


def source(pid: str) -> SearchResult:
    return SearchResult.from_paper(CorpusPaper(id=pid, abstract=ABSTRACTS.get(pid, "x")), 1.0)


def answer(
    text: str,
    cited: dict[int, str],
    *,
    abstained: bool = False,
    verdict: str | None = None,
    confidence: float | None = None,
    sources: tuple[str, ...] = (),
) -> Answer:
    return Answer(
        question="q",
        answer=text,
        abstained=abstained,
        verdict=verdict,
        mode="extractive",
        citations=[Citation(n=n, id=pid, title=None, quote="") for n, pid in cited.items()],
        sources=[source(pid) for pid in sources],
        confidence=confidence,
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


DECLINED = dict(abstained=True)
DETAIL = q("d", "detail_missing")
NAMED = q("n", "unanswerable", subtype="named", answerable=False)
FAR = q("u", "unanswerable", subtype="far", answerable=False)


def says(verdict: str | None, *cited: str, **fields) -> Answer:
    text = " ".join(f"Claim [{n}]." for n in range(1, len(cited) + 1)) or "Nothing."
    return answer(text, dict(enumerate(cited, 1)), verdict=verdict, **fields)


@pytest.mark.parametrize(
    ("question", "reply", "success"),
    [
        # detail_missing: that verdict and a gold paper cited
        (DETAIL, says("detail_missing", "npnet"), True),
        (DETAIL, says("detail_missing", "soups"), False),
        (DETAIL, says("answered", "npnet"), False),
        # a named thing the corpus lacks: declined, and nothing attributed to any paper
        (NAMED, says("not_in_corpus", **DECLINED), True),
        (NAMED, says("not_in_corpus", "soups", **DECLINED), False),
        (NAMED, says("answered", "soups"), False),
        # an answerable question given detail_missing is not answered
        (q("l"), says("detail_missing", "npnet"), False),
        # no relevant paper expected: any abstaining verdict will do
        (FAR, says("not_in_corpus", **DECLINED), True),
    ],
)
def test_success_follows_the_expected_verdict(question, reply, success):
    assert score_answer(question, reply, judge()).success is success


def test_verdicts_abstention_and_declined_answerables_are_scored_per_split():
    questions = [
        q("l1", split="test", question="l1?"),
        q("d1", "detail_missing", split="test", question="d1?"),
        q("n1", "unanswerable", subtype="named", answerable=False, split="test", question="n1?"),
        q("u1", "unanswerable", subtype="far", answerable=False, split="tune", question="u1?"),
    ]
    replies = {
        "l1?": answer("100k pairs [1].", {1: "npnet"}),
        # a detail_missing question declined: an answerable question declined
        "d1?": answer("Nothing.", {}, abstained=True, verdict="no_relevant_paper"),
        "n1?": answer("Nothing.", {}, abstained=True, verdict="not_in_corpus"),
        "u1?": answer("Nothing.", {}, abstained=True, verdict="no_relevant_paper"),
    }
    result = evaluate_answers(ScriptedAssistant(replies), questions, judge())
    assert result["splits"] == ["test", "tune"]
    test = result["by_split"]["test"]
    assert test["count"] == 3
    assert test["verdict_accuracy"] == pytest.approx(2 / 3)  # l1 and n1
    # declined d1 and n1, only n1 expected to be: precision 1/2, recall 1/1
    assert test["abstention_precision"] == 0.5 and test["abstention_recall"] == 1.0
    assert test["false_abstention_rate"] == 0.5  # d1 of l1, d1
    assert test["confusion"]["detail_missing"]["no_relevant_paper"] == 1
    assert test["verdict_rate"]["detail_missing"] == 0.0
    assert test["verdict_rate"]["not_in_corpus"] == 1.0
    assert test["verdict_rate"]["no_relevant_paper"] is None  # none expected in test
    assert test["named_absent"] == {"count": 1, "success": 1.0, "attributed": 0}
    assert result["by_split"]["tune"]["verdict_accuracy"] == 1.0
    assert result["verdict_accuracy"] == 0.75  # all four
    assert result["calibration"]["available"] is False
    assert result["calibration"]["missing"] == 4


def test_calibration_scores_the_top_source_else_the_first_citation():
    questions = [
        q("a", question="a?"),
        q("b", question="b?", gold=["soups"]),
        q("c", question="c?"),
    ]
    replies = {
        # top source npnet is gold for a
        "a?": answer("x [1].", {1: "soups"}, confidence=0.9, sources=("npnet", "soups")),
        # no sources: the first citation, npnet, is not b's gold
        "b?": answer("x [1].", {1: "npnet"}, confidence=0.7),
        "c?": answer("Nothing.", {}, abstained=True, confidence=0.1, sources=("soups",)),
    }
    result = evaluate_answers(ScriptedAssistant(replies), questions, judge())
    rows = {r["id"]: r for r in result["questions"]}
    assert [rows[i]["top_is_gold"] for i in "abc"] == [True, False, False]
    cal = result["calibration"]
    assert cal["available"] and cal["overall"]["count"] == 3
    # (0.9 - 1)² + (0.7 - 0)² + (0.1 - 0)² = 0.01 + 0.49 + 0.01 = 0.51 → / 3
    assert cal["overall"]["brier"] == pytest.approx(0.17)
    assert set(cal["by_verdict"]) == {"answered", "no_relevant_paper"}
    assert cal["by_verdict"]["answered"]["count"] == 2


# ---------------------------------------------------------------- summaries


@dataclass
class ScriptedSummaries:
    cited: dict[str, list[str]]

    def summarize(self, topic, k=None, mode="auto"):
        if topic not in self.cited:
            raise ProviderError("no scripted summary", retryable=False)
        citations = [
            Citation(n=i, id=p, title=None, quote="") for i, p in enumerate(self.cited[topic], 1)
        ]
        return answer("summary", {}).model_copy(update={"citations": citations})


def test_summaries_score_paper_precision_and_recall_per_split():
    topics = [
        q("t1", "topic", question="t1", gold=["a", "b", "c", "d"], split="test"),
        q("t2", "topic", question="t2", gold=["a"], split="tune"),
        q("t3", "topic", question="t3", gold=["a"], split="test"),  # the summarizer fails
        q("l", question="not a topic"),
    ]
    assistant = ScriptedSummaries({"t1": ["a", "b", "x"], "t2": ["a", "a"]})
    result = evaluate_summaries(assistant, topics)
    assert result["count"] == 3
    test = result["by_split"]["test"]
    # t1: precision 2/3, recall 2/4; t3: an error scores 0 on both
    assert test["precision"] == pytest.approx((2 / 3 + 0) / 2)
    assert test["recall"] == pytest.approx(0.25)
    assert test["errors"] == 1
    assert result["by_split"]["tune"]["precision"] == 1.0


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


def test_baselines_rank_whole_papers_with_the_same_embedder():
    papers = {
        pid: CorpusPaper(id=pid, title=title, abstract=text)
        for pid, title, text in [
            ("npnet", "Golden noise", ABSTRACTS["npnet"]),
            ("soups", "Model soups", ABSTRACTS["soups"]),
            ("graphs", "Molecule graphs", "Graph networks predict molecular properties."),
        ]
    }
    embedder = CountingEmbedder(HashEmbedder(256))
    rankers, info = build_baselines(embedder, papers)
    assert list(rankers) == ["abstract-dense", "llama-index"]
    for rank in rankers.values():
        assert rank("averaging the weights of fine-tuned models", 2)[0] == "soups"
        assert len(rank("noise", 3)) == 3
    # both baselines embed the same three texts: the shared cache embeds them once
    assert embedder.documents == 3
    assert info["llama-index"]["nodes"] == 3
    assert info["abstract-dense"]["truncated"] == 0  # the hash embedder has no limit

    questions = [q("l", gold=["soups"], question="averaging the weights of fine-tuned models")]
    result = evaluate_retrieval(
        FixedSearcher({"hybrid": ["npnet"]}), questions, methods=("hybrid",), rankers=rankers
    )
    assert result["methods"] == ["hybrid", "abstract-dense", "llama-index"]
    assert result["overall"]["abstract-dense"]["hit@1"] == 1.0
    assert result["overall"]["hybrid"]["hit@1"] == 0.0


class CountingEmbedder:
    def __init__(self, inner):
        self.inner, self.documents = inner, 0
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens

    def embed_documents(self, texts):
        self.documents += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def count_tokens(self, text):
        return len(text.split())


def test_gold_ids_missing_from_the_index_stop_the_run():
    check_gold([q("a", gold=["npnet"])], ABSTRACTS)
    with pytest.raises(InputError, match="1 gold paper ids are not in the index"):
        check_gold([q("a", gold=["elsewhere"])], ABSTRACTS)
