"""LLM mode's checks: a proposed cell is kept only as a verbatim span of its abstract."""

from __future__ import annotations

from paperchat.corpus.paper import Paper
from paperchat.research.llm_cells import check_cells, locate, parse_reply
from paperchat.research.spans import sentences_of
from paperchat.text.sentences import split_sentences

PAPER = Paper(
    id="p1",
    title="SwiftNet",
    abstract="We propose SwiftNet, a lightweight network. SwiftNet reaches 81.2% top-1 "
    "accuracy on ImageNet. It runs on a phone.",
)
SENTENCES = {"p1": sentences_of(PAPER.abstract, split_sentences(PAPER.abstract))}


def test_reply_lines_are_read_and_chatter_skipped():
    reply = (
        "Here is the table:\n```json\n"
        '{"n": 1, "task": "", "method": "SwiftNet", "data": ["ImageNet"], "result": "81.2%"}\n'
        '{"n": "2", "method": "x"}\nnot json {\n```'
    )
    proposed = parse_reply(reply)
    assert list(proposed) == [1]
    assert proposed[1] == {
        "task": [],
        "method": ["SwiftNet"],
        "data": ["ImageNet"],
        "result": ["81.2%"],
    }


def test_locate_folds_spacing_and_case_but_returns_the_abstracts_characters():
    span = locate("swiftnet reaches  81.2% TOP-1 accuracy", SENTENCES["p1"])
    assert span is not None
    assert span.text == "SwiftNet reaches 81.2% top-1 accuracy"
    assert PAPER.abstract[span.start : span.end] == span.text and span.sentence == 1
    assert locate("SwiftNet reaches 82% accuracy", SENTENCES["p1"]) is None


def test_only_verbatim_values_that_fit_their_column_are_kept():
    proposed = {
        1: {
            "task": ["mobile image classification"],  # a paraphrase: not in the abstract
            "method": ["SwiftNet, a lightweight network"],
            "data": ["ImageNet", "CIFAR-10", "SwiftNet reaches"],
            "result": ["81.2% top-1 accuracy on ImageNet"],
        },
        7: {"method": ["from a source never given"]},
    }
    checked = check_cells(proposed, {1: PAPER}, SENTENCES)
    accepted = checked.accepted["p1"]
    assert [s.text for s in accepted["method"]] == ["SwiftNet, a lightweight network"]
    assert [s.text for s in accepted["data"]] == ["ImageNet"]
    assert [s.text for s in accepted["result"]] == ["81.2% top-1 accuracy on ImageNet"]
    assert "task" not in accepted
    rejected = {(r.column, r.value) for r in checked.rejected}
    assert rejected == {
        ("task", "mobile image classification"),
        ("data", "CIFAR-10"),
        ("data", "SwiftNet reaches"),  # verbatim, but not a name
    }


def test_a_result_without_a_number_is_rejected():
    checked = check_cells({1: {"result": ["a lightweight network"]}}, {1: PAPER}, SENTENCES)
    assert checked.accepted["p1"] == {} and checked.rejected[0].column == "result"
