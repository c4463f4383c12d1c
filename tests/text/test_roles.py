"""Sentence roles: what an abstract sentence does, so answers quote contributions and
results before background."""

from __future__ import annotations

import pytest

from paperchat.text.roles import sentence_role


@pytest.mark.parametrize(
    ("sentence", "index", "role"),
    [
        ("We propose SwiftNet, a lightweight convolutional network.", 1, "contribution"),
        ("In this paper we introduce GraphPrune.", 0, "contribution"),  # first, yet a claim
        ("This paper presents a time-domain separation network.", 2, "contribution"),
        ("Code and pretrained weights are released publicly.", 3, "other"),
        ("SwiftNet reaches 81.2% top-1 accuracy on ImageNet.", 2, "result"),
        ("It outperforms ResNet-50 on a phone CPU.", 3, "result"),
        ("Experiments show consistent gains on four benchmarks.", 4, "result"),
        ("Diffusion models generate images of high quality.", 0, "background"),
        ("Sampling from them remains a challenge for real-time use.", 1, "background"),
        ("Recently, large language models have attracted attention.", 1, "background"),
        ("Existing pruning methods need costly retraining.", 2, "background"),
        ("The student keeps a single network evaluation.", 2, "other"),
        ("Most significantly, ablation studies reveal that five views suffice.", 7, "result"),
        ("Most methods need many views.", 2, "background"),
        # the problem it answers first, then what the paper does about it
        (
            "As it can suffer from over-optimization, we overcome this by a proxy.",
            3,
            "contribution",
        ),
    ],
)
def test_sentence_roles(sentence, index, role):
    assert sentence_role(sentence, index) == role


def test_a_number_in_the_opening_sentence_is_background_not_a_result():
    opening = "Over 90% of mobile photos are taken in low light."
    assert sentence_role(opening, 0) == "background"
    assert sentence_role(opening, 2) == "result"
