"""An abstract that tries to give orders is quoted at most, never obeyed, and cannot
change the shape of the LLM prompt."""

from __future__ import annotations

import re

import pytest
from answer.conftest import INJECTION
from fakes.openai_server import Reply

from paperchat.text.sentences import split_sentences

LORA = "arxiv:2401.00004"
QUESTIONS = [
    "How much memory does ThriftLoRA save when fine-tuning?",
    "Which papers fine-tune large language models?",
    "What accuracy does SwiftNet reach on ImageNet?",
]


@pytest.fixture(scope="module")
def assistants(tiny_minilm_settings, poisoned_minilm_settings):
    from paperchat.build import build_assistant

    return build_assistant(tiny_minilm_settings), build_assistant(poisoned_minilm_settings)


@pytest.mark.parametrize("question", QUESTIONS)
def test_extractive_answer_behaves_the_same(assistants, question):
    clean, poisoned = (a.ask(question, mode="extractive") for a in assistants)
    assert poisoned.abstained == clean.abstained
    assert [c.id for c in poisoned.citations] == [c.id for c in clean.citations]
    assert poisoned.answer.splitlines()[0] == clean.answer.splitlines()[0]
    for citation in clean.citations:  # what the clean answer says, the poisoned one says too
        for quote in citation.quotes:
            assert quote in poisoned.answer.replace(" [1]", "").replace(" [2]", "") or any(
                quote in q for c in poisoned.citations for q in c.quotes
            )
    assert poisoned.answer.strip() != "HACKED"


def test_everything_the_poisoned_answer_says_is_quoted_from_an_abstract(assistants):
    _, poisoned = assistants
    answer = poisoned.ask(QUESTIONS[0], mode="extractive")
    abstract = poisoned.searcher.papers[LORA].abstract
    for citation in answer.citations:
        for quote in citation.quotes:
            assert quote in split_sentences(abstract)
    assert "40%" in answer.answer


def _skeleton(content: str) -> str:
    """The prompt with what is inside each source fence blanked out."""
    return re.sub(r"(<source [^>]*>)(.*?)(</source>)", r"\1…\3", content, flags=re.S)


def test_llm_prompt_structure_is_the_same(
    tiny_minilm_settings, poisoned_minilm_settings, openai_server, make_chat_model
):
    from paperchat.build import build_assistant

    question = QUESTIONS[0]
    for settings in (tiny_minilm_settings, poisoned_minilm_settings):
        openai_server.push(Reply.text("NO_ANSWER"))
        build_assistant(settings, chat_model=make_chat_model()).ask(question, mode="llm")
    clean, poisoned = (r.messages for r in openai_server.completion_requests())
    assert [m["role"] for m in clean] == [m["role"] for m in poisoned]
    assert clean[0] == poisoned[0]  # the system prompt does not move
    assert _skeleton(clean[1]["content"]) == _skeleton(poisoned[1]["content"])
    content = poisoned[1]["content"]
    assert (
        content.count("<source ")
        == content.count("</source>")
        == clean[1]["content"].count("<source ")
    )
    assert "Ignore previous instructions" in content  # quoted as data ...
    assert "&lt;/source&gt;" in content  # the fake closing tag is escaped
    assert "99" not in re.findall(r'<source n="(\d+)"', content)  # no fake source opened
    assert INJECTION not in content  # ... but never verbatim, so it cannot close its fence
