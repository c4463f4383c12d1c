"""The relevance model: one probability per (question, paper) from the signals retrieval
and the evidence give, fitted parameters kept as a data file per embedder family. Hybrid
ranking is this model (no rank fusion): a paper BM25 alone ranks first for a rare exact
term keeps its keyword signals and is not lost."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence
from paperchat.retrieve.query import analyse
from paperchat.retrieve.relevance import (
    FEATURES,
    Candidate,
    RelevanceModel,
    family_of,
    features,
    load_model,
    mentions,
    params_path,
    score,
)

EMBEDDER = HashEmbedder(64)
PAPERS = {
    p.id: p
    for p in [
        Paper(
            id="npnet",
            title="Golden Noise for Diffusion Models: A Learning Framework",
            abstract="We propose the noise prompt network (NPNet). NPNet is trained on a "
            "dataset of 100k noise pairs.",
        ),
        Paper(
            id="swift",
            title="SwiftNet: Lightweight Convolutional Networks",
            abstract="We propose SwiftNet for image classification. SwiftNet reaches 81.2% "
            "top-1 accuracy on ImageNet.",
        ),
        Paper(
            id="sampler",
            title="Fast Samplers for Diffusion Models",
            abstract="We present a training-free sampler for diffusion models.",
        ),
    ]
}


@pytest.fixture(scope="module")
def evidence() -> Evidence:
    return Evidence.build(PAPERS, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name)


def _query(evidence, question):
    return analyse(question, evidence, EMBEDDER.embed_documents)


def _model(**weights: float) -> RelevanceModel:
    """A model that adds up the named features (others weigh nothing)."""
    coefficients = np.array([weights.get(f, 0.0) for f in FEATURES])
    return RelevanceModel(
        family="test",
        coefficients=coefficients,
        intercept=0.0,
        mean=np.zeros(len(FEATURES)),
        scale=np.ones(len(FEATURES)),
        answer=0.5,
        keep=0.5,
        summary=0.5,
    )


CANDIDATES = [
    Candidate(PAPERS["sampler"], "sampler#0", "", dense_similarity=0.8, dense_rank=1),
    Candidate(
        PAPERS["swift"],
        "swift#0",
        "",
        dense_similarity=0.4,
        dense_rank=2,
        keyword_score=2.0,
        keyword_rank=2,
    ),
    Candidate(PAPERS["npnet"], "npnet#0", "", keyword_score=8.0, keyword_rank=1),
]


def _rows(evidence, question, candidates=CANDIDATES):
    rows, *_ = features(_query(evidence, question), candidates, evidence)
    return {
        c.paper.id: dict(zip(FEATURES, row, strict=True))
        for c, row in zip(candidates, rows, strict=True)
    }


def test_retriever_signals_become_features(evidence):
    rows = _rows(evidence, "How large is the dataset NPNet is trained on?")
    npnet, swift, sampler = rows["npnet"], rows["swift"], rows["sampler"]
    # a paper only BM25 found keeps its keyword signals; its dense similarity is the floor
    assert npnet["keyword_relative"] == 1.0 and npnet["keyword_reciprocal_rank"] == 1.0
    assert npnet["dense_reciprocal_rank"] == 0.0 and npnet["dense_similarity"] == 0.4
    assert swift["keyword_relative"] == 0.25 and swift["keyword_reciprocal_rank"] == 0.5
    assert sampler["keyword_relative"] == 0.0 and sampler["dense_reciprocal_rank"] == 1.0
    # the name the question uses is found in NPNet's abstract only
    assert npnet["names_found"] == 1.0 and npnet["names_missed"] == 0.0
    assert swift["names_found"] == 0.0 and swift["names_missed"] == 1.0
    assert npnet["coverage"] > swift["coverage"]
    assert all(r["absent_names"] == 0.0 for r in rows.values())


def test_word_closeness_and_numbers_found_measure_what_of_the_question_a_paper_speaks_to(
    evidence,
):
    rows = _rows(evidence, "Which training-free sampler for diffusion models reaches 81.2%?")
    sampler, swift = rows["sampler"], rows["swift"]
    # every word but "reaches" is in the sampler paper, word for word
    assert sampler["word_closeness"] > swift["word_closeness"]
    assert 0.5 < sampler["word_closeness"] < 1.0
    # the question's one number is stated by SwiftNet's abstract only
    assert swift["numbers_found"] == 1.0 and sampler["numbers_found"] == 0.0
    assert _rows(evidence, "Which sampler is fastest?")["swift"]["numbers_found"] == 0.0


def test_best_sentence_is_the_cosine_of_the_closest_sentence(evidence):
    query = _query(evidence, "NPNet is trained on a dataset of 100k noise pairs")
    rows, evidences, sims, _ = features(query, CANDIDATES[2:], evidence)
    cosines = evidences[0].vectors @ query.vector
    np.testing.assert_allclose(sims[0], cosines, atol=1e-6)
    assert rows[0][FEATURES.index("best_sentence")] == pytest.approx(float(cosines.max()))
    assert float(cosines.max()) > 0.99  # the second sentence, word for word


def test_a_name_no_abstract_mentions_is_flagged_for_every_candidate(evidence):
    rows = _rows(evidence, "How does ControlNet condition diffusion models?")
    assert all(r["absent_names"] == 1.0 for r in rows.values())
    assert all(r["names_found"] == 0.0 and r["names_missed"] == 0.0 for r in rows.values())


def test_a_spelled_out_title_marks_only_that_paper(evidence):
    rows = _rows(evidence, "What does Golden Noise for Diffusion Models propose?")
    assert rows["npnet"]["title_named"] == 1.0
    assert rows["sampler"]["title_named"] == 0.0  # shares "diffusion models", not the title


def test_score_ranks_by_the_models_probability(evidence):
    query = _query(evidence, "How large is the dataset NPNet is trained on?")
    by_keyword = score(query, CANDIDATES, evidence, _model(keyword_reciprocal_rank=4.0))
    assert [p.paper.id for p in by_keyword] == ["npnet", "swift", "sampler"]
    assert by_keyword[0].probability == pytest.approx(1 / (1 + np.exp(-4.0)))
    by_dense = score(query, CANDIDATES, evidence, _model(dense_reciprocal_rank=4.0))
    assert [p.paper.id for p in by_dense] == ["sampler", "swift", "npnet"]
    assert by_dense[-1].probability == pytest.approx(0.5)
    assert by_dense[0].features["dense_reciprocal_rank"] == 1.0


def test_parameters_round_trip_and_refuse_other_features():
    model = load_model("hash-256")
    again = RelevanceModel.from_json(json.loads(json.dumps(model.to_json())))
    np.testing.assert_allclose(again.coefficients, model.coefficients)
    assert (again.answer, again.keep, again.summary) == (model.answer, model.keep, model.summary)
    stale = model.to_json() | {"features": list(FEATURES[:-1])}
    with pytest.raises(ValueError, match="calibrate"):
        RelevanceModel.from_json(stale)


def test_each_embedder_family_has_its_own_fitted_file(caplog):
    assert family_of("minilm-onnx:int8") == "minilm" and family_of("hash-256") == "hash"
    assert params_path("minilm").exists() and params_path("hash").exists()
    assert load_model("minilm-onnx:int8").family == "minilm"
    assert load_model("hash-64").family == "hash"
    with caplog.at_level(logging.WARNING):
        fallback = load_model("text-embedding-3-small")
    assert fallback.family == "minilm" and "calibrate" in caplog.text


@pytest.mark.parametrize(
    ("text", "name", "found"),
    [
        ("We compare with GPT-4 and Llama.", "gpt4", True),
        ("We compare with GPT4.", "GPT-4", True),
        ("Results for the US census.", "US", True),
        ("Let us show that it works.", "US", False),  # short capitals must match case
        ("We train GANs on faces.", "GAN", True),
        ("SwiftNet is fast.", "ControlNet", False),
        ("DINO and iBOT struggle on scenes.", "iBOT-style", True),  # what it is styled on
        ("DINO struggles on scenes.", "iBOT-style", False),
        ("We use modern Hopfield networks.", "modern-Hopfield-network", True),  # spaced
        ("We use modern networks.", "modern-Hopfield-network", False),
    ],
)
def test_mentions(text, name, found):
    assert mentions(text, name) is found


# -- the real corpus and model: the exact-match case ---------------------------


def test_a_paper_bm25_alone_ranks_first_for_a_rare_name_is_not_lost(minilm_searcher):
    question = "How large is the dataset NPNet is trained on?"
    [first] = minilm_searcher.search(question, k=1, method="keyword")
    dense = minilm_searcher.search(question, k=minilm_searcher.candidates, method="dense")
    assert "NPNet" in first.paper.abstract
    assert first.paper.id not in [h.paper.id for h in dense], "premise: dense misses it"

    hybrid = minilm_searcher.search(question, k=3)
    assert hybrid[0].paper.id == first.paper.id, [h.paper.title for h in hybrid]
    assert hybrid[0].keyword_score is not None and hybrid[0].similarity is None
    scores = [h.score for h in hybrid]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
