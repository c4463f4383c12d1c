"""Coverage: the papers an answer rests on, in numbers — tied to the one judgement."""

from __future__ import annotations

import pytest
from answer.conftest import cite_by_id
from fakes.openai_server import Reply

from paperchat.answer.coverage import NONE, coverage_of
from paperchat.answer.llm import NO_ANSWER
from paperchat.corpus.paper import Paper


def paper(pid: str, published: str | None) -> Paper:
    return Paper(id=pid, abstract=f"Abstract of {pid}.", published=published)


def test_years_span_undated_and_cited_counts():
    papers = [
        paper("a", "2019-05-01"),
        paper("b", "2021-03"),
        paper("c", "2021"),
        paper("d", "2024-12-31"),
        paper("e", None),
        paper("f", "2023"),
    ]
    coverage = coverage_of(papers, [papers[1], papers[4]])
    assert (coverage.papers, coverage.cited, coverage.undated) == (6, 2, 1)
    assert (coverage.first_year, coverage.last_year) == (2019, 2024)
    assert [(c.year, c.relevant, c.cited) for c in coverage.years] == [
        (2019, 1, 0),
        (2021, 2, 1),
        (2023, 1, 0),
        (2024, 1, 0),
    ]
    assert coverage.note == "6 papers bear on this, 2019–2024; 1 undated; 2 cited"


def test_a_cited_paper_counts_as_bearing_on_it_once():
    a, b = paper("a", "2020"), paper("b", "2022")
    coverage = coverage_of([a], [a, b, a])
    assert (coverage.papers, coverage.cited) == (2, 2)
    assert coverage.note == "2 papers bear on this, 2020–2022; 2 cited"


def test_notes_for_one_year_all_undated_and_nothing():
    assert coverage_of([paper("a", "2021")], [paper("a", "2021")]).note == (
        "1 paper bears on this, 2021; 1 cited"
    )
    undated = coverage_of([paper("a", None), paper("b", None)])
    assert undated.note == "2 papers bear on this; all undated; 0 cited"
    assert undated.years == [] and undated.first_year is None
    empty = coverage_of([])
    assert (empty.papers, empty.cited, empty.note) == (0, 0, NONE)


def test_answer_coverage_counts_the_judgements_papers(make_assistant):
    assistant = make_assistant()
    question = "Which method removes redundant edges from graphs?"
    answer = assistant.ask(question, mode="extractive")
    judgement = assistant._judge(question, None)
    assert not answer.abstained and answer.coverage is not None
    assert answer.coverage.papers == len(judgement.relevant)
    assert answer.coverage.cited == len({c.id for c in answer.citations}) >= 1
    dated = [p for p in judgement.relevant if p.paper.year is not None]
    assert sum(c.relevant for c in answer.coverage.years) == len(dated)
    assert answer.coverage.note in answer.model_dump_json()


def test_an_abstention_rests_on_no_paper(make_assistant):
    answer = make_assistant().ask("What is the boiling point of tungsten?", mode="extractive")
    assert answer.abstained and answer.sources  # it names the nearest papers ...
    assert answer.coverage is not None and answer.coverage.papers == 0  # ... none bear on it
    assert answer.coverage.note == NONE


def test_summary_coverage_counts_the_topic_papers(make_assistant):
    assistant = make_assistant()
    summary = assistant.summarize("graph neural networks", k=4, mode="extractive")
    _, papers = assistant.topic_papers("graph neural networks", 4)
    assert summary.coverage is not None and papers
    assert summary.coverage.papers == len(papers)
    assert summary.coverage.cited == len({c.id for c in summary.citations})


@pytest.fixture
def llm_assistant(tiny_minilm_settings, make_chat_model):
    from paperchat.build import build_assistant

    return build_assistant(tiny_minilm_settings, chat_model=make_chat_model())


def test_llm_answer_coverage_counts_what_it_checked(openai_server, llm_assistant):
    swift = "arxiv:2401.00001"
    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": swift})
    )
    question = "What accuracy does SwiftNet reach on ImageNet?"
    answer = llm_assistant.ask(question, mode="llm")
    judgement = llm_assistant._judge(question, None)
    assert answer.mode == "llm" and [c.id for c in answer.citations] == [swift]
    assert answer.coverage.cited == 1
    assert answer.coverage.papers == len(judgement.relevant[: llm_assistant.k])


def test_llm_declining_rests_on_no_paper(openai_server, llm_assistant):
    openai_server.push(Reply.text(NO_ANSWER))
    answer = llm_assistant.ask("What accuracy does SwiftNet reach on ImageNet?", mode="llm")
    assert answer.abstained and answer.coverage.papers == 0
