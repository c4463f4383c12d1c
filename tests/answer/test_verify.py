"""Checking LLM sentences against the abstracts they cite (hash embedder: no model)."""

from __future__ import annotations

import pytest

from paperchat.answer.verify import thresholds_for, verify
from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence

SOURCES = {
    1: Paper(
        id="swift",
        title="SwiftNet: Lightweight Convolutional Networks",
        abstract="We propose SwiftNet, a lightweight convolutional network for image "
        "classification. SwiftNet reaches 81.2% top-1 accuracy on ImageNet. It runs 3.5 "
        "times faster than ResNet-50 on a phone.",
    ),
    2: Paper(
        id="echo",
        title="EchoSep: Time-Domain Speech Separation",
        abstract="We present EchoSep, a time-domain speech separation network. EchoSep "
        "improves SI-SNR by 2.1 dB over Conv-TasNet on two-speaker mixtures.",
    ),
}


@pytest.fixture(scope="module")
def check():
    embedder = HashEmbedder(256)
    papers = {p.id: p for p in SOURCES.values()}
    evidence = Evidence.build(papers, embedder.embed_documents, embedder_name=embedder.name)
    thresholds = thresholds_for(embedder.name)

    def run(text: str):
        return verify(
            text, SOURCES, evidence, embedder.embed_documents, thresholds, evidence.weights
        )

    return run


def test_supported_sentences_keep_their_citations_and_quotes(check):
    checked = check(
        "SwiftNet reaches 81.2% top-1 accuracy on ImageNet [1]. "
        "EchoSep improves SI-SNR by 2.1 dB over Conv-TasNet [2]."
    )
    assert (checked.supported, checked.total) == (2, 2)
    assert [c.n for c in checked.citations] == [1, 2]
    assert checked.citations[0].quote == "SwiftNet reaches 81.2% top-1 accuracy on ImageNet."
    assert "[1]" in checked.text and "[2]" in checked.text and not checked.removed


def test_citation_to_a_source_that_does_not_exist_is_dropped(check):
    checked = check("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [1][7].")
    assert checked.dropped == [7]
    assert "[7]" not in checked.text and "[1]" in checked.text


def test_a_wrong_number_is_an_unsupported_claim(check):
    checked = check(
        "SwiftNet reaches 81.2% top-1 accuracy on ImageNet [1]. "
        "SwiftNet reaches 97.5% top-1 accuracy on ImageNet [1]."
    )
    assert (checked.supported, checked.total) == (1, 2)
    assert checked.removed == ["SwiftNet reaches 97.5% top-1 accuracy on ImageNet."]
    assert "97.5" not in checked.text


def test_an_invented_claim_is_removed(check):
    checked = check("EchoSep was trained by astronauts on the Moon during a lunar eclipse [2].")
    assert checked.supported == 0 and checked.removed and checked.text == ""


def test_a_miscited_claim_is_recited_to_the_paper_that_supports_it(check):
    checked = check("EchoSep improves SI-SNR by 2.1 dB over Conv-TasNet [1].")
    assert checked.supported == 1 and [c.n for c in checked.citations] == [2]
    assert checked.text.endswith("[2].")


def test_connectives_and_headings_are_kept_but_not_counted(check):
    text = (
        "**Image models**\nTwo papers fit:\n"
        "- SwiftNet reaches 81.2% top-1 accuracy on ImageNet [1]."
    )
    checked = check(text)
    assert checked.total == 1 and checked.supported == 1
    assert checked.text.startswith("**Image models**\n\nTwo papers fit:\n\n- SwiftNet")


def test_citation_after_the_period_belongs_to_that_sentence(check):
    checked = check(
        "SwiftNet reaches 81.2% top-1 accuracy on ImageNet. [1] "
        "EchoSep improves SI-SNR by 2.1 dB over Conv-TasNet. [2]"
    )
    assert (checked.supported, checked.total) == (2, 2)
