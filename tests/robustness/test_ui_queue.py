"""Gradio's queue is bounded on purpose: answers run CONCURRENCY at a time, at most
QUEUE_SIZE wait, and a request past that gets a clear "queue is full" refusal at once
rather than hanging."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import pytest
from fastapi import FastAPI
from gradio_client import Client
from helpers import ServerThread

import paperchat.ui.app as ui_app
from paperchat.answer.models import Answer
from paperchat.api.services import Services
from paperchat.corpus.paper import Paper
from paperchat.settings import Settings

pytestmark = pytest.mark.slow

PAPER = Paper(id="p1", title="A paper", abstract="It says one thing.", published="2024-01-01")


class Corpus:
    papers: ClassVar[dict[str, Paper]] = {PAPER.id: PAPER}


class BlockingAssistant:
    """Answers only when released, so the test decides how long the queue stays busy."""

    chat_model = None

    def __init__(self):
        self.release = threading.Event()
        self.started = threading.Semaphore(0)

    def ask_stream(
        self, question, history=None, mode="auto", k=None, since=None, trace=None
    ) -> Iterator:
        self.started.release()
        self.release.wait(60)
        yield Answer(
            question=question,
            answer="ok",
            abstained=True,
            mode="extractive",
            citations=[],
            sources=[],
        )


def test_queue_and_concurrency_limits_are_set(tmp_path):
    services = Services(searcher=Corpus(), assistant=BlockingAssistant())
    blocks = ui_app.build_ui(services, Settings(data_dir=tmp_path))
    assert blocks._queue.max_size == ui_app.QUEUE_SIZE == 64
    assert blocks._queue.default_concurrency_limit == ui_app.CONCURRENCY == 4
    answering = [fn for fn in blocks.fns.values() if fn.concurrency_id == "answers"]
    # they share one limit: the queue's default, CONCURRENCY
    assert answering and all(fn.concurrency_limit == "default" for fn in answering)


def test_full_queue_refuses_with_a_message_instead_of_hanging(tmp_path, monkeypatch):
    monkeypatch.setattr(ui_app, "CONCURRENCY", 1)
    monkeypatch.setattr(ui_app, "QUEUE_SIZE", 1)
    assistant = BlockingAssistant()
    services = Services(searcher=Corpus(), assistant=assistant)
    app = ui_app.mount_ui(FastAPI(), services, Settings(data_dir=tmp_path))
    with ServerThread(app) as server:
        clients = [Client(server.url, verbose=False) for _ in range(3)]
        try:
            running = clients[0].submit("first", 5, "any", "extractive", api_name="/chat")
            assert assistant.started.acquire(timeout=30), "the first answer never started"
            waiting = clients[1].submit("second", 5, "any", "extractive", api_name="/chat")
            deadline = time.monotonic() + 30
            while waiting.status().code.name not in ("IN_QUEUE", "QUEUE_FULL"):
                assert time.monotonic() < deadline, waiting.status()
                time.sleep(0.05)
            t0 = time.monotonic()
            refused = clients[2].submit("third", 5, "any", "extractive", api_name="/chat")
            with pytest.raises(Exception, match=r"(?i)queue is full"):
                refused.result(timeout=30)
            assert time.monotonic() - t0 < 10, "the refusal should come at once"
            assistant.release.set()
            assert running.result(timeout=30)[0][-1]["role"] == "assistant"
            assert waiting.result(timeout=30)[0][-1]["role"] == "assistant"
        finally:
            assistant.release.set()
            for client in clients:
                client.close()
