"""LLM answers end to end: Assistant → real `openai` SDK → scripted server → checked Answer."""

from __future__ import annotations

import pytest
from answer.conftest import cite_by_id, source_numbers
from fakes.openai_server import Reply

from paperchat.answer.models import Answer, Turn
from paperchat.errors import ConfigError, InputError, ProviderError

SWIFT = "arxiv:2401.00001"
ECHO = "arxiv:2401.00003"
LORA = "arxiv:2401.00004"
QUESTION = "What accuracy does SwiftNet reach on ImageNet?"


@pytest.fixture
def llm_assistant(tiny_minilm_settings, make_chat_model):
    from paperchat.build import build_assistant

    def make(**options):
        return build_assistant(tiny_minilm_settings, chat_model=make_chat_model(**options))

    return make


def test_auto_mode_uses_the_llm_and_checks_it(openai_server, llm_assistant):
    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": SWIFT})
    )
    answer = llm_assistant().ask(QUESTION)
    assert answer.mode == "llm" and not answer.abstained
    assert (answer.supported_sentences, answer.total_sentences) == (1, 1)
    [citation] = answer.citations
    assert citation.id == SWIFT
    assert citation.quote == "SwiftNet reaches 81.2% top-1 accuracy on ImageNet."
    assert f"[{citation.n}]" in answer.answer
    assert SWIFT in [s.id for s in answer.sources]


def test_streamed_answer_ends_with_the_checked_answer(openai_server, llm_assistant):
    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": SWIFT})
    )
    events = list(llm_assistant().ask_stream(QUESTION, mode="llm"))
    *deltas, final = events
    assert isinstance(final, Answer) and final.mode == "llm"
    assert all(isinstance(d, str) for d in deltas) and len(deltas) > 1
    assert "".join(deltas).startswith("SwiftNet reaches 81.2%")
    assert openai_server.completion_requests()[0].stream


def test_citation_to_a_number_not_in_the_context_is_dropped(openai_server, llm_assistant):
    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}][42].", {"s": SWIFT})
    )
    answer = llm_assistant().ask(QUESTION, mode="llm")
    assert answer.dropped_citations == [42]
    assert "[42]" not in answer.answer and [c.id for c in answer.citations] == [SWIFT]


def test_unsupported_claim_is_removed_and_counted(openai_server, llm_assistant):
    openai_server.push(
        cite_by_id(
            "SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}]. "
            "SwiftNet also won the 2019 Tour de France cycling race [{s}].",
            {"s": SWIFT},
        )
    )
    answer = llm_assistant().ask(QUESTION, mode="llm")
    assert (answer.supported_sentences, answer.total_sentences) == (1, 2)
    assert answer.removed_claims == ["SwiftNet also won the 2019 Tour de France cycling race."]
    assert "Tour de France" not in answer.answer


def test_a_reply_with_nothing_verifiable_is_not_shown(openai_server, llm_assistant):
    openai_server.push(Reply.text("SwiftNet was invented by ancient Romans in 300 BC [1]."))
    answer = llm_assistant().ask(QUESTION, mode="llm")
    assert answer.supported_sentences == 0 and not answer.citations
    assert "could not be verified" in answer.answer and "Romans" not in answer.answer


def test_no_answer_from_the_model_is_an_abstention(openai_server, llm_assistant):
    openai_server.push(Reply.text("NO_ANSWER"))
    answer = llm_assistant().ask(QUESTION, mode="llm")
    assert answer.abstained and answer.mode == "llm" and not answer.citations
    streamed = llm_assistant()
    openai_server.push(Reply.text("NO_ANSWER"))
    events = list(streamed.ask_stream(QUESTION, mode="llm"))
    assert not any("NO_ANSWER" in e for e in events if isinstance(e, str))


def test_off_corpus_question_abstains_without_calling_the_model(openai_server, llm_assistant):
    answer = llm_assistant().ask("How do I bake sourdough bread at home?")
    assert answer.abstained and answer.mode == "llm"
    assert answer.verdict == "no_relevant_paper"
    assert "no paper" in answer.answer and answer.sources
    assert not openai_server.completion_requests()


def test_429_then_success(openai_server, llm_assistant):
    openai_server.push(
        Reply.error(429, retry_after=0.1),
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": SWIFT}),
    )
    answer = llm_assistant().ask(QUESTION)
    assert answer.mode == "llm" and answer.supported_sentences == 1
    assert len(openai_server.completion_requests()) == 2


def test_a_failing_llm_is_an_error_never_a_silent_switch(openai_server, llm_assistant):
    openai_server.default = Reply.error(500)
    with pytest.raises(ProviderError, match="after 3 attempts"):
        llm_assistant().ask(QUESTION)  # auto mode, LLM configured
    assert len(openai_server.completion_requests()) == 3


def test_hanging_llm_is_an_error_within_the_deadline(openai_server, llm_assistant):
    import time

    openai_server.default = Reply.hang(30)
    started = time.monotonic()
    with pytest.raises(ProviderError):
        llm_assistant(attempt_timeout=0.5, deadline=1.2).ask(QUESTION)
    assert time.monotonic() - started < 4


def test_extractive_mode_still_available_with_an_llm(openai_server, llm_assistant):
    answer = llm_assistant().ask(QUESTION, mode="extractive")
    assert answer.mode == "extractive" and not openai_server.completion_requests()


def test_llm_mode_without_an_llm_says_what_to_set(make_assistant):
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        make_assistant().ask(QUESTION, mode="llm")


@pytest.mark.parametrize("question", ["", "   \n", "x" * 2001])
def test_bad_questions_are_input_errors(make_assistant, question):
    with pytest.raises(InputError):
        make_assistant().ask(question)


def test_follow_up_uses_the_condense_prompt(openai_server, llm_assistant):
    openai_server.push(
        Reply.text("How much faster than ResNet-50 is SwiftNet on a phone?"),
        cite_by_id(
            "SwiftNet runs 3.5 times faster than ResNet-50 on a phone CPU [{s}].", {"s": SWIFT}
        ),
    )
    history = [
        Turn(role="user", content="What is SwiftNet?"),
        Turn(
            role="assistant",
            content="SwiftNet is a lightweight network [1].\n\nSources:\n"
            "[1] SwiftNet: Lightweight Convolutional Networks for Image Classification",
        ),
    ]
    answer = llm_assistant().ask("How much faster is it?", history=history)
    condense_request, answer_request = openai_server.completion_requests()
    assert "<conversation>" in condense_request.messages[0]["content"]
    assert "How much faster is it?" in condense_request.messages[0]["content"]
    assert answer.standalone_question == "How much faster than ResNet-50 is SwiftNet on a phone?"
    assert source_numbers(answer_request.body)[SWIFT] == 1  # [1] kept from the history
    assert answer.citations[0].n == 1


def test_llm_summary_is_checked_like_answers(openai_server, llm_assistant):
    openai_server.push(
        cite_by_id(
            "**Speech**\nEchoSep improves SI-SNR by 2.1 dB over Conv-TasNet [{e}]. "
            "EchoSep runs on quantum computers [{e}].",
            {"e": ECHO},
        )
    )
    summary = llm_assistant().summarize("time-domain speech separation")
    assert summary.mode == "llm" and not summary.abstained
    assert (summary.supported_sentences, summary.total_sentences) == (1, 2)
    assert summary.summary.startswith("**Speech**") and "quantum" not in summary.summary
    assert [c.id for c in summary.citations] == [ECHO]


def test_prompt_fences_sources_and_marks_them_as_data(openai_server, llm_assistant):
    openai_server.push(Reply.text("NO_ANSWER"))
    llm_assistant().ask("How much memory does ThriftLoRA save when fine-tuning?", mode="llm")
    system, user = openai_server.completion_requests()[0].messages
    assert system["role"] == "system" and "untrusted" in system["content"]
    assert user["role"] == "user"
    content = user["content"]
    assert content.count("<source ") == content.count("</source>") >= 1
    assert LORA in source_numbers(openai_server.completion_requests()[0].body)


def test_the_prompt_is_told_the_verdict_and_the_answer_carries_it(openai_server, llm_assistant):
    from paperchat.answer.llm import VERDICT_NOTES

    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": SWIFT})
    )
    answer = llm_assistant().ask(QUESTION, mode="llm")
    assert answer.verdict == "answered" and not answer.abstained
    assert answer.confidence is not None and 0 < answer.confidence <= 1
    _, user = openai_server.completion_requests()[0].messages
    assert VERDICT_NOTES["answered"] in user["content"]
    assert VERDICT_NOTES["detail_missing"] not in user["content"]


def test_a_detail_missing_prompt_names_what_the_abstract_lacks(openai_server, llm_assistant):
    from paperchat.answer.llm import VERDICT_NOTES

    openai_server.push(
        cite_by_id("SwiftNet reaches 81.2% top-1 accuracy on ImageNet [{s}].", {"s": SWIFT})
    )
    answer = llm_assistant().ask("How many GPUs was SwiftNet trained on?", mode="llm")
    assert answer.verdict == "detail_missing" and not answer.abstained
    _, user = openai_server.completion_requests()[0].messages
    # SwiftNet is plainly the paper meant ("GPUs", a word no abstract uses, is no name)
    note = VERDICT_NOTES["detail_missing"].format(lacking="how many GPUs")
    assert note in user["content"]
