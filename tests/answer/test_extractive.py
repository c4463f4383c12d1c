"""Which sentences an extractive answer prefers: the thing a question asks for, stated as
what the paper does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import paperchat.answer.extractive as extractive
from paperchat.answer.extractive import asked_thing, score_sentences
from paperchat.answer.judgement import Judgement
from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence
from paperchat.retrieve.query import analyse
from paperchat.retrieve.relevance import Candidate, ScoredPaper


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("What loss did they introduce to cope with missing ground truth?", {"loss"}),
        ("Which dataset is NPNet trained on?", {"dataset"}),
        ("How does it work, and what architecture does it use?", {"architectur"}),
        ("What does NPNet do?", set()),  # no thing between the question word and its verb
        ("Which papers are about pruning?", set()),  # papers are what every answer gives
        ("Which of them generates extra views?", set()),
        ("What is NPNet?", set()),
        ("What is the name of the loss it introduces?", {"loss"}),
        ("what kind of noise does it start from?", {"nois"}),
    ],
)
def test_the_thing_a_what_or_which_question_asks_for(question, thing):
    assert asked_thing(question) == thing


def _answering_alone(paper: Paper):
    """The hashing embedder, a one-paper evidence, the paper's evidence and the paper
    scored as the one answering paper (its sentences' cosines all zero)."""
    embedder = HashEmbedder(64)
    evidence = Evidence.build({paper.id: paper}, embedder.embed_documents, embedder_name="h")
    found = evidence.get(paper)
    scored = ScoredPaper(
        candidate=Candidate(paper=paper, chunk_id=f"{paper.id}#0", chunk_text=paper.abstract),
        evidence=found,
        sentence_scores=np.zeros(len(found.sentences)),
        coverage=0.0,
        named=False,
        probability=0.9,
    )
    return embedder, evidence, found, scored


def test_the_thing_asked_lifts_a_sentence_stating_what_the_paper_does(monkeypatch):
    paper = Paper(
        id="magi",
        title="Portrait Customization",
        abstract="Personalized portraits often shift the subject's identity. "
        "The loss of detail is worst for faces. "
        "To address this, we present a novel refocusing loss with auxiliary priors. "
        "Our method outperforms baselines on portrait benchmarks.",
    )
    embedder, evidence, found, scored = _answering_alone(paper)
    query = analyse("What loss did they introduce?", evidence, embedder.embed_documents)
    judgement = Judgement(query, [scored], [scored], "answered")

    def scores() -> dict[int, float]:
        return {p.index: p.score for p in score_sentences(judgement)}

    with_bonus, bonus = scores(), extractive.ASKED_BONUS
    monkeypatch.setattr(extractive, "ASKED_BONUS", 0.0)
    without = scores()
    lifted = {i for i in with_bonus if with_bonus[i] - without[i] > 1e-9}
    proposing = found.sentences.index(
        "To address this, we present a novel refocusing loss with auxiliary priors."
    )
    assert found.roles[proposing] == "contribution"
    # "The loss of detail ..." says "loss" too, but not as what the paper does
    assert lifted == {proposing}
    assert with_bonus[proposing] - without[proposing] == pytest.approx(bonus)


def test_a_question_asking_for_names_lifts_the_sentences_that_name_other_things(monkeypatch):
    paper = Paper(
        id="search",
        title="SSL-Search: Scale-Invariant Person Search",
        abstract="Existing approaches focus on relations of persons. "
        "SSL-Search learns features that hold across scales. "
        "Experiments on the PRW and CUHK-SYSU datasets show the effectiveness of SSL-Search.",
    )
    embedder, evidence, found, scored = _answering_alone(paper)

    def scores(question: str) -> dict[int, float]:
        query = analyse(question, evidence, embedder.embed_documents)
        judgement = Judgement(query, [scored], [scored], "answered")
        return {p.index: p.score for p in score_sentences(judgement)}

    asked = "On which datasets did they test it?"
    with_bonus = scores(asked)
    monkeypatch.setattr(extractive, "NAMES_BONUS", 0.0)
    without = scores(asked)
    lifted = {i for i in with_bonus if with_bonus[i] - without[i] > 1e-9}
    # the sentence naming datasets, not the one naming only the paper itself
    assert [found.sentences[i][:11] for i in lifted] == ["Experiments"]
    assert max(with_bonus, key=with_bonus.get) in lifted


def test_a_sentence_without_a_number_may_answer_the_other_part_of_a_question(monkeypatch):
    paper = Paper(
        id="km",
        title="A Private Kaplan-Meier Estimator",
        abstract="We estimate survival curves privately. We evaluate on the NCCTG lung cancer "
        "dataset. At epsilon = 10, the algorithm achieves an RMSE as low as 0.04.",
    )
    embedder, evidence, found, scored = _answering_alone(paper)

    def score_of(question: str) -> float:
        query = analyse(question, evidence, embedder.embed_documents)
        picks = score_sentences(Judgement(query, [scored], [scored], "answered"))
        return next(p.score for p in picks if found.sentences[p.index].startswith("We evaluate"))

    both = "What RMSE does it reach, and on which dataset was it evaluated?"
    only = "What RMSE does it reach on the dataset it was evaluated on?"
    with_bonus = {q: score_of(q) for q in (both, only)}
    monkeypatch.setattr(extractive, "NUMBER_BONUS", 0.0)
    without = {q: score_of(q) for q in (both, only)}
    # a number asked for alone: a sentence without one is pushed down; asked with more, not
    assert with_bonus[only] - without[only] == pytest.approx(-0.2)
    assert with_bonus[both] == pytest.approx(without[both])


def test_a_follow_up_quotes_what_it_asks_not_what_its_context_found():
    paper = Paper(
        id="rg",
        title="Reward Guided Latent Consistency Distillation",
        abstract="We distill a latent consistency model from a latent diffusion teacher. "
        "We add reward model feedback to latent consistency distillation. "
        "To avoid over-optimization, we propose a proxy that smooths the reward signal.",
    )
    embedder, evidence, found, scored = _answering_alone(paper)
    question = "What do they propose to avoid over-optimization?"
    context = f"(latent consistency distillation with reward model feedback) {question}"
    query = analyse(question, evidence, embedder.embed_documents, text=context)
    in_context = replace(scored, sentence_scores=found.similarities(query.vector))
    judgement = Judgement(query, [in_context], [in_context], "answered")
    answering = found.sentences.index(
        "To avoid over-optimization, we propose a proxy that smooths the reward signal."
    )
    found_by_context = found.sentences.index(
        "We add reward model feedback to latent consistency distillation."
    )

    def lead(scores: dict[int, float]) -> float:
        return scores[answering] - scores[found_by_context]

    searched = {p.index: p.score for p in score_sentences(judgement)}
    asked = {p.index: p.score for p in score_sentences(judgement, embedder.embed_documents)}
    # most of the meaning is measured against the question as asked, not its context
    assert lead(asked) > lead(searched) + 0.05
    assert max(asked, key=asked.get) == answering
