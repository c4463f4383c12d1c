"""Offline cell extraction: what each column reads, what stays empty and why, and that
every span is a verbatim slice of its abstract — over the whole bundled corpus."""

from __future__ import annotations

import pytest

from paperchat.corpus import load_corpus
from paperchat.research.datasets import KnownDatasets, is_data_name
from paperchat.research.extract import (
    NO_DATA,
    NO_METHOD,
    NO_RESULT,
    NO_TASK,
    QUALITATIVE_RESULT,
    UNNAMED_DATA,
    extract_row,
)
from paperchat.research.models import COLUMNS
from paperchat.research.spans import sentences_of
from paperchat.settings import bundled_corpus_dir
from paperchat.text.sentences import split_sentences

NONE_KNOWN = KnownDatasets([])


def row_of(abstract: str, known: KnownDatasets = NONE_KNOWN):
    return extract_row(sentences_of(abstract, split_sentences(abstract)), known)


SWIFT = (
    "Image classification on mobile devices remains a challenging problem. "
    "We propose SwiftNet, a lightweight convolutional network that runs on a phone CPU. "
    "SwiftNet reaches 81.2% top-1 accuracy on ImageNet with ResNet-50 as a teacher, "
    "which is 3.5 times faster than previous work."
)


def test_method_is_the_object_of_we_propose_up_to_its_relative_clause():
    row = row_of(SWIFT)
    assert row.method.text == "SwiftNet, a lightweight convolutional network"
    assert row.method.filled_by == "pattern"
    assert row.method.spans[0].sentence == 1


def test_task_from_the_problem_stated_and_from_a_framework_for_x():
    stated = row_of(
        "We consider the learning from noisy labels (NL) problem which emerges in practice. "
        "We propose RDCR, a consistency framework."
    )
    assert stated.task.text == "the learning from noisy labels (NL)"
    proposal = row_of(
        "Labels are costly. We introduce a multi-task framework for large-scale item "
        "recommendations. It works."
    )
    assert proposal.task.text == "large-scale item recommendations"


def test_result_is_the_clause_with_a_number_and_its_metric():
    row = row_of(SWIFT)
    assert row.result.text.startswith("SwiftNet reaches 81.2% top-1 accuracy on ImageNet")
    assert "which" not in row.result.text


def test_a_setting_is_not_a_result():
    row = row_of(
        "We study few-shot learning. We propose FewNet, a simple method. "
        "We evaluate it with 5 to 50 labeled samples per class over 300 epochs, "
        "and it outperforms the baselines."
    )
    assert not row.result.filled
    assert row.result.empty_reason == QUALITATIVE_RESULT


def test_data_names_by_pattern_not_models_metrics_or_own_method():
    row = row_of(
        "We propose SegNet-X, a segmentation model. Experiments on five challenging datasets "
        "including Cityscapes, ADE20K, PASCAL-VOC and COCO-Stuff 164K, five popular models: "
        "FCN, PSPNet and DeepLabV3, show gains in mIoU with SegNet-X."
    )
    assert [s.text for s in row.data.spans] == [
        "Cityscapes",
        "ADE20K",
        "PASCAL-VOC",
        "COCO-Stuff 164K",
    ]
    assert row.data.text == "Cityscapes; ADE20K; PASCAL-VOC; COCO-Stuff 164K"


def test_names_the_corpus_knows_count_anywhere():
    abstract = (
        "We propose MatchV2, a semi-supervised method. "
        "MatchV2 reaches 73.9% ImageNet top-1 accuracy."
    )
    assert not row_of(abstract).data.filled
    known = KnownDatasets(["ImageNet"])
    assert row_of(abstract, known).data.text == "ImageNet"


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("CIFAR-10", True),
        ("MVTec AD", True),
        ("ResNet-50", False),
        ("FID", False),
        ("CPUs", False),
        ("A/B", False),
        ("2-step", False),
        ("The", False),
    ],
)
def test_what_can_be_a_dataset_name(name, ok):
    assert is_data_name(name) is ok


def test_every_empty_cell_says_why():
    row = row_of("Deep networks are widely used. Many questions remain open about them.")
    assert row.task.empty_reason == NO_TASK
    assert row.method.empty_reason == NO_METHOD
    assert row.data.empty_reason == NO_DATA
    assert row.result.empty_reason == NO_RESULT
    for column in COLUMNS:
        cell = row.cell(column)
        assert cell.text is None and cell.spans == [] and cell.filled_by is None


def test_datasets_mentioned_but_not_named_say_so():
    row = row_of("We propose FooNet, a model. It improves accuracy on four benchmark datasets.")
    assert row.data.empty_reason == UNNAMED_DATA


@pytest.fixture(scope="module")
def corpus():
    papers = load_corpus([bundled_corpus_dir()]).papers
    known = KnownDatasets.from_abstracts((p.abstract, split_sentences(p.abstract)) for p in papers)
    return papers, known


def test_every_span_over_the_corpus_is_a_verbatim_slice_of_its_sentence(corpus):
    papers, known = corpus
    filled = dict.fromkeys(COLUMNS, 0)
    for paper in papers:
        sentences = sentences_of(paper.abstract, split_sentences(paper.abstract))
        row = extract_row(sentences, known)
        for column in COLUMNS:
            cell = row.cell(column)
            assert cell.filled == (cell.empty_reason is None), (paper.id, column)
            filled[column] += cell.filled
            for span in cell.spans:
                assert paper.abstract[span.start : span.end] == span.text, (paper.id, column)
                sentence = sentences[span.sentence]
                assert sentence.offset <= span.start and span.end <= sentence.offset + len(
                    sentence.text
                ), (paper.id, column)
                assert span.text == span.text.strip(" ,;:") and span.text, (paper.id, column)
                assert span.text.count("(") <= span.text.count(")"), (paper.id, column, span.text)
    # the patterns read something from a good share of the corpus
    assert filled["method"] > len(papers) / 2 and filled["data"] > 50 and filled["result"] > 50


def test_known_datasets_read_as_a_stream_are_the_union_of_each_abstracts(corpus):
    papers, known = corpus
    pairs = ((p.abstract, split_sentences(p.abstract)) for p in papers)  # read once
    alone = set().union(
        *(
            KnownDatasets.from_abstracts([(p.abstract, split_sentences(p.abstract))]).names
            for p in papers
        )
    )
    assert KnownDatasets.from_abstracts(pairs).names == known.names == alone
    assert {"ImageNet", "CIFAR-10"} <= known.names
