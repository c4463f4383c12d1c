"""Numbers, names and citation markers: the lexical checks behind answers."""

from __future__ import annotations

from paperchat.text.lexical import (
    TermWeights,
    citation_numbers,
    content_stems,
    content_words,
    named_terms,
    numbers,
    strip_citations,
)


def test_numbers_are_normalised_and_names_are_not_numbers():
    found = numbers("ResNet-50 reaches 73.9% top-1 accuracy with 10% of labels on CIFAR-10 [3].")
    assert found == {"73.9%", "10%"}
    assert numbers("100k pairs, 1,000 steps, 2.50 FID") == {"100000", "1000", "2.5"}
    assert numbers("on ImageNet 64x64 and 256 × 256") == set()
    assert "10" not in numbers("10% of labels")  # a percentage is not a plain 10
    # a list's markers are not figures; a number in brackets still is
    assert numbers("it helps (1) stability, (2) efficiency; we use: 1) a, 2) b") == set()
    assert numbers("a gain (3.5%) on scores (e.g. 45)") == {"3.5%", "45"}


def test_citation_markers():
    text = "A claim [1]. Another [2, 3]; and [4;5]."
    assert citation_numbers(text) == [1, 2, 3, 4, 5]
    assert "[" not in strip_citations(text)


def test_named_terms():
    assert named_terms("How big is NPNet's training set on CIFAR-10 with GPT-4?") == [
        "NPNet",
        "CIFAR-10",
        "GPT-4",
    ]
    assert named_terms("What is the best way to train?") == []
    # a name may begin with digits; a size or a dimension may not
    assert named_terms("Does 4DGen beat 3DGS-based methods in 3D, at 100k steps, 16bit?") == [
        "4DGen",
        "3DGS-based",
    ]


def test_content_stems_drop_question_scaffolding():
    assert content_stems("Which papers prune large language models?", drop_question_words=True) == {
        "prune",
        "languag",
        "model",
    }


def test_rare_terms_weigh_more():
    weights = TermWeights([{"model", "prune"}, {"model"}, {"model", "graph"}])
    assert weights.weight("prune") > weights.weight("model")
    assert weights.weight("sourdough") > weights.weight("prune")
    assert weights.coverage({"model", "prune"}, {"model"}) < 0.5


def test_how_people_frame_a_half_remembered_question_carries_no_topic():
    # "none" and "someone" are in no abstract: counted as content, they read as words
    # the corpus lacks, and a paper asked about in chat words looked like a near miss
    question = "I'm trying to remember a paper: there's someone who adapts CLIP with none labels"
    assert content_words(question, drop_question_words=True) == ["adapts", "clip", "labels"]
