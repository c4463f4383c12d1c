"""The evidence-table scorer, on hand-computed cases; and the labels file itself."""

from __future__ import annotations

import pytest

from paperchat.corpus import load_corpus
from paperchat.evals.dataset import default_file
from paperchat.evals.table import (
    TableLabel,
    column_figures,
    evaluate_table,
    load_table_labels,
    score_cell,
    token_f1,
)
from paperchat.settings import bundled_corpus_dir

LABEL = TableLabel(
    id="p1",
    topic="t",
    split="test",
    task=["image classification on mobile devices"],
    method=["SwiftNet", "a lightweight convolutional network"],
    data=[["ImageNet", "ImageNet-1K"], ["CIFAR-10"]],
    result=[],
)


def test_token_f1_by_hand():
    assert token_f1(
        "image classification", "image classification on mobile devices"
    ) == pytest.approx(2 * 1.0 * 0.4 / 1.4)
    assert token_f1("ResNet-50", "resnet 50") == 1.0
    assert token_f1("", "x") == 0.0


def test_text_cells():
    right = score_cell("method", ["SwiftNet"], LABEL)
    assert right == {"filled": True, "expected": True, "correct": True}
    wrong = score_cell("task", ["phones"], LABEL)
    assert wrong == {"filled": True, "expected": True, "correct": False}
    guessed = score_cell("result", ["81.2%"], LABEL)  # the label says: no number stated
    assert guessed == {"filled": True, "expected": False, "correct": False}
    left_empty = score_cell("result", [], LABEL)
    assert left_empty == {"filled": False, "expected": False, "correct": False}


def test_data_cells_are_right_only_when_every_name_is():
    one = score_cell("data", ["ImageNet-1K"], LABEL)
    assert one["correct"] and one["names_right"] == 1 and one["gold_found"] == 1
    extra = score_cell("data", ["ImageNet", "ResNet-50"], LABEL)
    assert not extra["correct"] and extra["names_right"] == 1 and extra["names"] == 2


def test_column_figures_by_hand():
    outcomes = [
        {"filled": True, "expected": True, "correct": True},
        {"filled": True, "expected": True, "correct": False},
        {"filled": True, "expected": False, "correct": False},
        {"filled": False, "expected": True, "correct": False},
        {"filled": False, "expected": False, "correct": False},
    ]
    figures = column_figures(outcomes)
    assert figures["precision"] == pytest.approx(1 / 3)
    assert figures["recall"] == pytest.approx(1 / 3)
    assert figures["empty_agreement"] == pytest.approx(1 / 2)


def test_evaluate_table_per_split():
    other = LABEL.model_copy(update={"id": "p2", "split": "tune", "topic": "u"})
    report = evaluate_table(
        [LABEL, other],
        lambda label: {"method": ["SwiftNet"]} if label.id == "p1" else {},
    )
    assert report["by_split"]["test"]["columns"]["method"]["recall"] == 1.0
    assert report["by_split"]["tune"]["columns"]["method"]["recall"] == 0.0
    assert report["by_split"]["all"]["papers"] == 2


def test_the_labels_are_verbatim_spans_split_by_topic():
    labels = load_table_labels(default_file("table_labels.jsonl"))
    papers = {p.id: p for p in load_corpus([bundled_corpus_dir()]).papers}
    assert len(labels) >= 40 and len({label.topic for label in labels}) >= 6
    splits_of_topic: dict[str, set[str]] = {}
    for label in labels:
        abstract = papers[label.id].abstract
        spans = [*label.task, *label.method, *label.result, *(n for d in label.data for n in d)]
        assert all(span in abstract for span in spans), label.id
        splits_of_topic.setdefault(label.topic, set()).add(label.split)
    assert all(len(splits) == 1 for splits in splits_of_topic.values())
    assert {s for splits in splits_of_topic.values() for s in splits} == {"tune", "test"}
