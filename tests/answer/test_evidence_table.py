"""The evidence table over the tiny corpus: the summary's papers, offline cells, an
abstention, and LLM mode (real `openai` SDK → scripted server) with its verbatim check."""

from __future__ import annotations

import json

import pytest
from answer.conftest import source_numbers
from fakes.openai_server import Reply

from paperchat.errors import ConfigError
from paperchat.research.table import evidence_table

SWIFT = "arxiv:2401.00001"
TOPIC = "lightweight convolutional networks for image classification"


@pytest.fixture(scope="module")
def assistant(tiny_minilm_settings):
    from paperchat.build import build_assistant

    return build_assistant(tiny_minilm_settings)


def test_rows_are_the_summarys_papers_with_offline_cells(assistant):
    table = evidence_table(assistant, TOPIC, mode="extractive")
    _, papers = assistant.topic_papers(TOPIC, 8)
    assert [r.id for r in table.rows] == [p.paper.id for p in papers]
    assert table.mode == "extractive" and not table.abstained and table.verdict == "answered"
    swift = next(r for r in table.rows if r.id == SWIFT)
    method = "SwiftNet, a lightweight convolutional network for image classification on mobile"
    assert swift.method.text == method + " devices"
    assert swift.data.text == "ImageNet"
    assert swift.result.text.startswith("SwiftNet reaches 81.2% top-1 accuracy on ImageNet")
    assert swift.year == 2024 and swift.method.filled_by == "pattern"
    paper = assistant.searcher.papers[SWIFT]
    for column in table.columns:
        for span in swift.cell(column).spans:
            assert paper.abstract[span.start : span.end] == span.text
    assert [s.id for s in table.sources] == [r.id for r in table.rows]


def test_nothing_on_the_topic_abstains_with_the_nearest_papers(assistant):
    table = evidence_table(assistant, "keeping a sourdough starter alive", mode="extractive")
    assert table.abstained and table.rows == []
    assert table.verdict in ("no_relevant_paper", "not_in_corpus") and table.sources


def test_llm_mode_needs_a_model(assistant):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        evidence_table(assistant, TOPIC, mode="llm")


def test_llm_cells_are_kept_only_when_verbatim(
    tiny_minilm_settings, make_chat_model, openai_server
):
    from paperchat.build import build_assistant

    def reply(body: dict) -> Reply:
        n = source_numbers(body)[SWIFT]
        row = {
            "n": n,
            "task": "image classification on mobile devices",
            "method": "SwiftNet",
            "data": ["ImageNet", "CIFAR-100"],
            "result": "runs 3.5 times faster than ResNet-50",
        }
        bogus = {"n": n, "result": "99.9% accuracy"}  # a second row for the same source
        return Reply.text(json.dumps(row) + "\n" + json.dumps(bogus))

    openai_server.push(Reply.compute(reply))
    llm = build_assistant(tiny_minilm_settings, chat_model=make_chat_model())
    table = evidence_table(llm, TOPIC)
    assert table.mode == "llm"
    swift = next(r for r in table.rows if r.id == SWIFT)
    assert swift.task.text == "image classification on mobile devices"
    assert (swift.method.text, swift.method.filled_by) == ("SwiftNet", "llm")
    assert swift.data.text == "ImageNet" and swift.data.filled_by == "llm"
    assert swift.result.text == "runs 3.5 times faster than ResNet-50"
    rejected = {(r.column, r.value) for r in table.rejected_cells}
    assert rejected == {("data", "CIFAR-100"), ("result", "99.9% accuracy")}
    others = [r for r in table.rows if r.id != SWIFT]
    assert all(r.cell(c).filled_by in (None, "pattern") for r in others for c in table.columns)
    user = openai_server.completion_requests()[0].messages[-1]["content"]
    assert "Copy every value exactly" in user and user.count("<source ") == len(table.rows)


def test_an_unreadable_llm_reply_is_said_so(tiny_minilm_settings, make_chat_model, openai_server):
    from paperchat.build import build_assistant

    openai_server.push(Reply.text("Sorry, I cannot make tables."))
    llm = build_assistant(tiny_minilm_settings, chat_model=make_chat_model())
    table = evidence_table(llm, TOPIC)
    assert table.mode == "llm" and table.note and "offline" in table.note
    assert all(r.cell(c).filled_by != "llm" for r in table.rows for c in table.columns)
