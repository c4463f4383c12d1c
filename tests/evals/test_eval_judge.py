"""The support judge's rules, with the deterministic hash embedder (a real embedder, not
a mock): similarity comes from shared words, so the expected outcomes can be reasoned."""

from __future__ import annotations

from paperchat.evals.judge import (
    Features,
    SupportJudge,
    Thresholds,
    agreement,
    decide,
    fit_thresholds,
)
from paperchat.index.embedders.hashing import HashEmbedder

ABSTRACTS = {
    "npnet": (
        "We collect a noise prompt dataset that contains 100k pairs of random noises and "
        "golden noises. A small network learns to turn random noise into golden noise."
    ),
    "dropout": (
        "Dropout was introduced by Hinton et al. in 2012. Dropout does not help underfitting "
        "models late in training."
    ),
}
LOOSE = Thresholds(close=0.9, related=0.3, coverage=0.5)


def judge(thresholds: Thresholds = LOOSE) -> SupportJudge:
    return SupportJudge(HashEmbedder(256), ABSTRACTS, thresholds)


def test_verbatim_sentence_is_supported():
    j = judge()
    sentence = "A small network learns to turn random noise into golden noise."
    features = j.features(sentence, ["npnet"])
    assert features.similarity > 0.99 and features.coverage == 1.0
    assert j.supports(sentence, ["npnet"])


def test_a_wrong_number_vetoes_support():
    j = judge()
    right = "The noise prompt dataset contains 100k pairs of random noises and golden noises."
    wrong = right.replace("100k", "10k")
    assert j.supports(right, ["npnet"])
    assert not j.features(wrong, ["npnet"]).numbers_ok
    assert not j.supports(wrong, ["npnet"])


def test_negation_must_match_the_closest_sentence():
    j = judge()
    assert j.supports("Dropout does not help underfitting models late in training.", ["dropout"])
    flipped = "Dropout does help underfitting models late in training."
    assert not j.features(flipped, ["dropout"]).polarity_ok
    assert not j.supports(flipped, ["dropout"])


def test_unrelated_or_unknown_papers_support_nothing():
    j = judge()
    assert not j.supports(
        "A small network learns to turn random noise into golden noise.", ["dropout"]
    )
    assert not j.supports("anything", ["not-a-paper", "[3]"])
    assert j.features("anything", []) == Features(0.0, 0.0, False)


def test_joint_support_uses_every_cited_abstract():
    j = judge()
    claim = "Dropout was introduced in 2012 and golden noise pairs number 100k."
    # each number lives in a different abstract: only both together have them all
    assert not j.features(claim, ["npnet"]).numbers_ok
    assert not j.features(claim, ["dropout"]).numbers_ok
    assert j.features(claim, ["npnet", "dropout"]).numbers_ok


def test_decide_rules():
    t = Thresholds(close=0.8, related=0.5, coverage=0.6)
    assert decide(Features(0.85, 0.0, True), t)  # very close: coverage not needed
    assert decide(Features(0.6, 0.7, True), t)  # close enough and the words agree
    assert not decide(Features(0.6, 0.5, True), t)  # close enough, words do not agree
    assert not decide(Features(0.45, 1.0, True), t)  # not close enough
    assert not decide(Features(0.99, 1.0, False), t)  # wrong number
    assert not decide(Features(0.99, 1.0, True, polarity_ok=False), t)  # flipped negation


def test_fit_thresholds_separates_a_separable_set():
    features = [
        Features(0.95, 0.9, True),
        Features(0.75, 0.9, True),
        Features(0.75, 0.2, True),
        Features(0.30, 0.9, True),
        Features(0.99, 1.0, False),
    ]
    truth = [True, True, False, False, False]
    chosen = fit_thresholds(features, truth)
    assert [decide(f, chosen) for f in features] == truth


def test_agreement_counts():
    result = agreement([True, True, False, False], [True, False, True, False])
    assert (result.true_positive, result.false_positive) == (1, 1)
    assert (result.false_negative, result.true_negative) == (1, 1)
    assert result.accuracy == 0.5 and result.kappa == 0.0  # p_o 0.5 = p_e 0.5
