"""Load: 20 API clients and 5 UI sessions at once against one real server, for
PAPERCHAT_LOAD_SECONDS (20 s in `make test`, 120 s in `make soak`).

Every session asks its own question — the title of a different paper — so an answer
delivered to the wrong session shows: each API answer must be exactly the answer the
same question got alone, before the load, and each UI session's chat must hold only its
own questions, with its own paper among its sources. Zero errors are allowed; p50/p95
latencies are printed and written to test-artifacts/load.json.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from gradio_client import Client
from helpers import write_artifact

from paperchat.answer.followup import stands_alone
from paperchat.corpus.loader import load_corpus
from paperchat.settings import bundled_corpus_dir

pytestmark = pytest.mark.slow

API_CLIENTS = 20
UI_SESSIONS = 5
SECONDS = float(os.environ.get("PAPERCHAT_LOAD_SECONDS") or 20)
MAX_REQUESTS = 10_000  # per session: the loops are bounded by count as well as by time
UI_TURNS_PER_SESSION = 6  # then a new session (a fresh gradio_client, a new session hash)
PLAIN_TITLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 :,\-]+$")


def _candidates() -> list[tuple[str, str]]:
    """(paper id, title) of papers whose title makes a standalone, HTML-safe question."""
    papers = load_corpus([bundled_corpus_dir()]).papers
    plain = [
        (p.id, p.title)
        for p in papers
        if p.title
        and PLAIN_TITLE.match(p.title)
        and len(p.title.split()) >= 4
        and stands_alone(p.title)
    ]
    random.Random(8).shuffle(plain)
    return plain


def _solo(client: httpx.Client, question: str) -> dict:
    resp = client.post("/api/ask", json={"question": question, "mode": "extractive"})
    resp.raise_for_status()
    return resp.json()


def _fingerprint(answer: dict) -> tuple:
    return (
        answer["question"],
        answer["answer"],
        answer["abstained"],
        tuple((c["n"], c["id"]) for c in answer["citations"]),
        tuple(s["id"] for s in answer["sources"]),
    )


def _sse_answer(text: str) -> dict:
    blocks = [b for b in text.split("\n\n") if b.strip()]
    last = blocks[-1]
    assert last.startswith("event: answer"), last[:300]
    return json.loads(last.split("data: ", 1)[1])


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.done: Counter[str] = Counter()

    def ok(self, session: str, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.done[session] += 1

    def fail(self, session: str, what: str) -> None:
        with self.lock:
            self.errors.append(f"{session}: {what}")


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_twenty_api_clients_and_five_ui_sessions(app_server):
    url = app_server.url
    # Baselines, one question at a time: the answer and top hit each question gets alone.
    baseline: dict[str, tuple[str, tuple]] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for paper_id, title in _candidates():
            if len(baseline) == API_CLIENTS + UI_SESSIONS:
                break
            answer = _solo(client, title)
            if not answer["abstained"] and paper_id in [s["id"] for s in answer["sources"]]:
                baseline[title] = (paper_id, _fingerprint(answer))
    assert len(baseline) == API_CLIENTS + UI_SESSIONS, "not enough distinct questions"
    questions = list(baseline)
    api_questions, ui_questions = questions[:API_CLIENTS], questions[API_CLIENTS:]

    rec = Recorder()
    stop_at = time.monotonic() + SECONDS
    start_line = threading.Barrier(API_CLIENTS + UI_SESSIONS)

    def api_session(n: int) -> None:
        name, question = f"api-{n}", api_questions[n]
        paper_id, expected = baseline[question]
        body = {"question": question, "mode": "extractive"}
        with httpx.Client(base_url=url, timeout=120) as client:
            start_line.wait()
            for i in range(MAX_REQUESTS):
                if time.monotonic() >= stop_at:
                    return
                kind = ("ask", "ask_stream", "search")[i % 3]
                t0 = time.monotonic()
                try:
                    if kind == "search":
                        resp = client.post("/api/search", json={"query": question, "k": 5})
                    else:
                        resp = client.post(f"/api/{kind.replace('_', '/')}", json=body)
                    took = time.monotonic() - t0
                    if resp.status_code != 200:
                        rec.fail(name, f"{kind} → {resp.status_code} {resp.text[:200]}")
                        continue
                    if kind == "search":
                        got = resp.json()
                        if got["query"] != question or paper_id not in [
                            r["id"] for r in got["results"]
                        ]:
                            rec.fail(name, f"search for {question!r} came back as {got['query']!r}")
                            continue
                    else:
                        answer = resp.json() if kind == "ask" else _sse_answer(resp.text)
                        if _fingerprint(answer) != expected:
                            rec.fail(
                                name,
                                f"{kind}: answer differs from the solo answer to "
                                f"{question!r}: got one to {answer['question']!r}",
                            )
                            continue
                    rec.ok(name, kind, took)
                except Exception as exc:  # every failure counts, whatever it is
                    rec.fail(name, f"{kind} raised {type(exc).__name__}: {exc}")

    def ui_session(n: int) -> None:
        name, question = f"ui-{n}", ui_questions[n]
        paper_id, _ = baseline[question]
        client = None
        turns = 0
        start_line.wait()
        for _ in range(MAX_REQUESTS):
            if time.monotonic() >= stop_at:
                break
            t0 = time.monotonic()
            try:
                if client is None or turns == UI_TURNS_PER_SESSION:
                    if client is not None:
                        client.close()
                    client, turns = Client(url, verbose=False), 0
                chat, panel, _bib, _status, _box = client.predict(
                    question, 5, "any", "extractive", api_name="/chat"
                )
                took = time.monotonic() - t0
                turns += 1
                asked = [
                    html.unescape(m["content"][0]["text"]) for m in chat if m["role"] == "user"
                ]
                reply = "".join(p.get("text", "") for p in chat[-1]["content"])
                if asked != [f'<div class="pc-question">{question}</div>'] * turns:
                    rec.fail(name, f"chat holds other questions than {question!r}: {asked}")
                elif chat[-1]["role"] != "assistant" or "pc-error" in reply:
                    rec.fail(name, f"no answer in the chat: {reply[:300]}")
                elif f'data-paper-id="{paper_id}"' not in panel:
                    rec.fail(name, f"sources panel lacks {paper_id} for {question!r}")
                else:
                    rec.ok(name, "ui_chat", took)
            except Exception as exc:
                rec.fail(name, f"chat raised {type(exc).__name__}: {exc}")
                client = None
        if client is not None:
            client.close()

    began = time.monotonic()
    with ThreadPoolExecutor(API_CLIENTS + UI_SESSIONS) as pool:
        jobs = [pool.submit(api_session, n) for n in range(API_CLIENTS)]
        jobs += [pool.submit(ui_session, n) for n in range(UI_SESSIONS)]
        for job in jobs:
            job.result()
    wall = time.monotonic() - began

    every = [s for values in rec.latencies.values() for s in values]
    report = {
        "seconds": SECONDS,
        "wall_seconds": round(wall, 1),
        "api_clients": API_CLIENTS,
        "ui_sessions": UI_SESSIONS,
        "requests": len(every),
        "errors": len(rec.errors),
        "per_kind": {
            kind: {
                "requests": len(values),
                "p50_s": round(statistics.median(values), 3),
                "p95_s": round(_p(values, 0.95), 3),
                "max_s": round(max(values), 3),
            }
            for kind, values in sorted(rec.latencies.items())
        },
        "p50_s": round(statistics.median(every), 3) if every else None,
        "p95_s": round(_p(every, 0.95), 3) if every else None,
        "first_errors": rec.errors[:10],
    }
    path = write_artifact("load.json", report)
    print(f"\nload: {json.dumps(report, indent=2)}\n(written to {path})")

    assert not rec.errors, f"{len(rec.errors)} errors under load, first: {rec.errors[:5]}"
    idle = [
        s
        for s in [f"api-{n}" for n in range(API_CLIENTS)] + [f"ui-{n}" for n in range(UI_SESSIONS)]
        if rec.done[s] == 0
    ]
    assert not idle, f"sessions that completed no request: {idle}"
