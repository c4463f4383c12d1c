"""The UI handlers over a scripted assistant: streaming, history, errors as messages."""

from __future__ import annotations

import logging

import pytest
from ui_fakes import Corpus, ScriptedAssistant

from paperchat.answer.models import Turn
from paperchat.api.services import Services
from paperchat.errors import ConfigError, PaperchatError
from paperchat.ui.handlers import UNEXPECTED, Handlers
from paperchat.ui.session import ChatSession


def handlers(error: Exception | None = None) -> tuple[Handlers, ScriptedAssistant]:
    assistant = ScriptedAssistant(error)
    return Handlers(Services(searcher=Corpus(), assistant=assistant)), assistant


def run_chat(h: Handlers, question: str, session: ChatSession | None = None) -> list[tuple]:
    return list(h.chat(question, session, 5, "any", "extractive"))


def test_chat_streams_then_renders_the_answer_and_the_panel():
    h, assistant = handlers()
    steps = run_chat(h, "what is NPNet?")
    chat_first, *_rest, box_first = steps[0]
    assert box_first == "" and "pc-streaming" in chat_first[-1]["content"]
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert partial and all("pc-streaming" in p for p in partial)
    chat, _session, panel, bibtex, status, _box = steps[-1]
    assert 'href="#src-1"' in chat[-1]["content"] and "pc-streaming" not in chat[-1]["content"]
    assert 'id="src-1"' in panel and "<mark>We propose NPNet.</mark>" in panel
    assert "Extractive" in status
    assert bibtex.lstrip().startswith("@")
    assert assistant.calls[0]["k"] == 5 and assistant.calls[0]["since"] is None


def test_follow_up_sends_history_with_citations():
    h, assistant = handlers()
    session = run_chat(h, "what is NPNet?")[-1][1]
    steps = list(h.chat("how big is its dataset?", session, 3, "2024", "extractive"))
    history = assistant.calls[1]["history"]
    assert [t.role for t in history] == ["user", "assistant"]
    assert isinstance(history[1], Turn) and history[1].citations[0].n == 1
    assert "[1]" in history[1].content
    assert assistant.calls[1]["since"] == 2024
    assert len(steps[-1][0]) == 4


def test_paperchat_error_is_an_inline_message():
    h, _ = handlers(ConfigError("LLM mode needs OPENAI_API_KEY; set it or use extractive"))
    with pytest.warns(UserWarning, match="OPENAI_API_KEY"):
        chat, session, *_rest, box = run_chat(h, "what is NPNet?")[-1]
    assert "pc-error" in chat[-1]["content"] and "OPENAI&#95;API&#95;KEY" in chat[-1]["content"]
    assert box == "what is NPNet?"  # the question is given back to retry
    assert session.turns == []


def test_unexpected_error_is_logged_not_shown(caplog):
    h, _ = handlers(RuntimeError("secret internals at 0xdeadbeef"))
    with caplog.at_level(logging.ERROR), pytest.warns(UserWarning):
        chat = run_chat(h, "what is NPNet?")[-1][0]
    assert "0xdeadbeef" not in chat[-1]["content"]
    assert UNEXPECTED.split(" (")[0] in chat[-1]["content"]
    assert "0xdeadbeef" in caplog.text


def test_empty_question_does_not_reach_the_assistant():
    h, assistant = handlers()
    with pytest.warns(UserWarning, match="Type a question"):
        run_chat(h, "   ")
    assert assistant.calls == []


def test_summarize_renders_summary_panel_and_bibtex():
    h, _ = handlers()
    summary, panel, bibtex = h.summarize("golden noise", 6)
    assert 'href="#sum-1"' in summary and 'id="sum-1"' in panel
    assert "<mark>It uses 100k pairs.</mark>" in panel and bibtex.lstrip().startswith("@")


def test_summarize_error_is_a_message():
    h, _ = handlers(PaperchatError("the index is missing: run `paperchat ingest` first"))
    with pytest.warns(UserWarning):
        summary, *_ = h.summarize("golden noise", 6)
    assert "pc-error" in summary and "paperchat ingest" in summary


def test_open_paper_and_unknown_id():
    h, _ = handlers()
    html, bibtex = h.open_paper("p1")
    assert "NPNet: golden noise" in html and bibtex.lstrip().startswith("@")
    html, bibtex = h.open_paper("nope")
    assert "pc-error" in html and bibtex == ""
