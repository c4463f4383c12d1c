"""The decision to answer: read off the whole ranking, not the best paper alone."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from paperchat.corpus.paper import Paper
from paperchat.retrieve.answerability import INPUTS, LEAD_OF, Answerability, question_row
from paperchat.retrieve.calibrate import Labelled, fit_answerability
from paperchat.retrieve.relevance import (
    FEATURES,
    Candidate,
    RelevanceModel,
    ScoredPaper,
    load_model,
)

# one row per candidate, one column per LEAD_OF signal (dense, keyword, best sentence)
A_LEADER = np.array([[0.6, 1.0, 0.7], [0.4, 0.2, 0.45], [0.4, 0.1, 0.4]])
EQUALS = np.array([[0.6, 1.0, 0.7], [0.6, 0.95, 0.69], [0.59, 0.9, 0.68]])


def test_question_row_is_the_best_papers_log_odds_and_its_lead_on_each_signal():
    row = question_row(np.array([0.2, 0.8, 0.1]), A_LEADER[[1, 0, 2]])
    assert row[0] == pytest.approx(math.log(0.8 / 0.2))
    np.testing.assert_allclose(row[1:], [0.2, 0.8, 0.25])
    alone = question_row(np.array([0.5]), A_LEADER[:1])
    np.testing.assert_allclose(alone, [0.0, 0.0, 0.0, 0.0])  # nobody to lead


def test_the_shipped_model_answers_a_paper_that_stands_out_not_a_field_of_equals():
    """At the same modest probability, a paper described in other words that stands out
    is answered from; a question that only comes near several papers alike is not."""
    model = load_model("minilm-onnx:int8").answerability
    assert model is not None
    probabilities = np.array([0.1, 0.05, 0.05])
    assert model.answers(question_row(probabilities, A_LEADER))
    assert not model.answers(question_row(probabilities, EQUALS))
    sure = np.array([0.95, 0.05, 0.05])
    assert model.answers(question_row(sure, EQUALS))  # a paper that surely bears on it


def _labelled(qid: str, answerable: bool, leads: np.ndarray, rng) -> Labelled:
    rows = rng.uniform(0.0, 0.1, size=(len(leads), len(FEATURES)))
    for name, column in zip(LEAD_OF, leads.T, strict=True):
        rows[:, FEATURES.index(name)] = column
    ids = [f"{qid}-{i}" for i in range(len(leads))]
    gold = frozenset(ids[:1] if answerable else [])
    return Labelled(qid, "lookup", answerable, gold, False, rows, ids)


def test_fitting_learns_that_a_clear_lead_means_an_answer():
    rng = np.random.default_rng(0)
    items = [
        _labelled(f"q{i}", i % 2 == 0, A_LEADER if i % 2 == 0 else EQUALS, rng) for i in range(40)
    ]
    flat = RelevanceModel.untrained("hash")  # every paper 0.5: only the leads tell them apart
    fitted = fit_answerability(flat, items)
    leads = [FEATURES.index(n) for n in LEAD_OF]
    for item in items:
        row = question_row(flat.probability(item.rows), item.rows[:, leads])
        assert fitted.answers(row) == item.answerable


def _ranked(probabilities, leads) -> list[ScoredPaper]:
    return [
        ScoredPaper(
            candidate=Candidate(Paper(id=f"p{i}", abstract="."), f"p{i}:0", "."),
            evidence=None,  # type: ignore[arg-type]  # not read by the decision
            sentence_scores=np.zeros(1),
            coverage=0.0,
            named=False,
            probability=p,
            features=dict.fromkeys(FEATURES, 0.0) | dict(zip(LEAD_OF, row, strict=True)),
        )
        for i, (p, row) in enumerate(zip(probabilities, leads, strict=True))
    ]


def test_the_relevance_model_decides_from_the_ranking_or_without_one_from_the_best_paper():
    model = load_model("minilm-onnx:int8")
    plain = replace(model, answerability=None)
    low = [0.1, 0.05, 0.05]
    assert model.answers(_ranked(low, A_LEADER)) and not model.answers(_ranked(low, EQUALS))
    assert not plain.answers(_ranked(low, A_LEADER))  # below `answer`, however it leads
    high = [model.answer + 0.01, 0.05, 0.05]
    assert plain.answers(_ranked(high, EQUALS))
    assert not model.answers([]) and not plain.answers([])


def test_answerability_round_trips_and_refuses_other_inputs():
    model = load_model("minilm-onnx:int8")
    again = RelevanceModel.from_json(json.loads(json.dumps(model.to_json())))
    assert again.answerability is not None and model.answerability is not None
    np.testing.assert_allclose(again.answerability.coefficients, model.answerability.coefficients)
    assert again.answerability.cut == model.answerability.cut
    stale = model.answerability.to_json() | {"inputs": list(INPUTS[:-1])}
    with pytest.raises(ValueError, match="calibrate"):
        Answerability.from_json(stale)
    # `calibrate --answerability-only` reads the rest of a file whose decision is stale
    saved = model.to_json() | {"answerability": stale}
    with pytest.raises(ValueError, match="calibrate"):
        RelevanceModel.from_json(saved)
    kept = RelevanceModel.from_json(saved, answerability=False)
    assert kept.answerability is None
    np.testing.assert_allclose(kept.coefficients, model.coefficients)
