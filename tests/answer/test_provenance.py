"""Provenance bundles: what they record, replaying them, the per-process store, and the
Markdown export of a conversation."""

from __future__ import annotations

import json
import subprocess
import sys

from paperchat.answer.models import Answer, Citation
from paperchat.answer.provenance import (
    Bundle,
    BundleStore,
    Request,
    recorded_ask,
    replay,
)
from paperchat.answer.transcript import conversation_markdown
from paperchat.index.snapshot import corpus_hash
from paperchat.retrieve.results import SearchResult
from paperchat.settings import Settings

QUESTION = "Which method removes redundant edges before training graph neural networks?"


def test_bundle_records_the_index_the_retrieval_and_the_answer(make_assistant, tiny_searcher):
    answer, bundle = recorded_ask(make_assistant(), Request(question=QUESTION))
    assert answer.id and bundle.id == answer.id == bundle.answer.id
    assert bundle.index.version == tiny_searcher.snapshot.version
    assert bundle.index.corpus_hash == corpus_hash(tiny_searcher.papers)
    assert bundle.index.papers == 6 and bundle.index.embedder.startswith("hash")
    assert bundle.mode == "extractive" and bundle.llm is None
    assert bundle.verdict == answer.verdict == "answered"
    retrieved = {r.id: r for r in bundle.retrieved}
    assert "arxiv:2401.00002" in bundle.cited and set(bundle.cited) <= set(retrieved)
    assert retrieved["arxiv:2401.00002"].chunk_id.startswith("arxiv:2401.00002")
    graph = retrieved["arxiv:2401.00002"]
    assert graph.relevant and 0 < graph.probability <= 1
    assert {"k", "candidates", "relevance", "thresholds", "prompts"} <= set(bundle.settings)
    again = Bundle.model_validate_json(bundle.model_dump_json())
    assert again == bundle


def test_replay_on_an_unchanged_index_is_identical(make_assistant):
    assistant = make_assistant()
    _, bundle = recorded_ask(assistant, Request(question=QUESTION, k=3))
    report = replay(bundle, assistant)
    assert report.identical, report.summary()
    assert report.changes == [] and report.replayed.answer.answer == bundle.answer.answer


def test_replay_after_one_more_paper_says_how_it_differs(tmp_path, corpus_writer):
    from paperchat.build import build_assistant, run_ingest

    corpus = corpus_writer(tmp_path / "corpus", poisoned=False)
    settings = Settings(data_dir=tmp_path / "data", embed_model="hash")
    run_ingest(settings, [corpus])
    question = "What does dataset distillation with trajectory matching achieve?"
    _, bundle = recorded_ask(build_assistant(settings), Request(question=question))
    assert bundle.answer.abstained

    extra = tmp_path / "more" / "extra.jsonl"
    extra.parent.mkdir()
    record = {
        "id": "2401.00099",
        "title": "Dataset Distillation by Trajectory Matching",
        "abstract": "We study dataset distillation with trajectory matching. Dataset "
        "distillation with trajectory matching achieves 71% accuracy on CIFAR-10 from "
        "ten synthetic images per class.",
        "update_date": "2024-02-01",
    }
    extra.write_text(json.dumps(record) + "\n", encoding="utf-8")
    run_ingest(settings, [corpus, extra])
    report = replay(bundle, build_assistant(settings))
    kinds = {c.kind for c in report.changes}
    assert not report.identical
    assert {"index_version", "corpus", "retrieved", "verdict", "text"} <= kinds
    assert "arxiv:2401.00099" in report.replayed.cited
    assert "6 → 7 papers" in report.summary()


def test_the_store_keeps_the_most_recent_bundles(make_assistant):
    assistant = make_assistant()
    store = BundleStore(capacity=2)
    ids = [recorded_ask(assistant, Request(question=q), store.put)[0].id for q in ("a b", "c d")]
    assert store.get(ids[0]) is not None  # used: now the most recent
    third, _ = recorded_ask(assistant, Request(question="speech separation"), store.put)
    assert len(store) == 2 and store.get(ids[1]) is None
    assert store.get(ids[0]) and store.get(third.id)


def test_cli_ask_bundle_then_replay(tiny_settings, tmp_path):
    env = {"PAPERCHAT_DATA_DIR": str(tiny_settings.data_dir), "PAPERCHAT_EMBED_MODEL": "hash"}
    run = _cli(env)
    target = tmp_path / "answer.json"
    asked = run("ask", QUESTION, "--bundle", str(target), "--json")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["id"] == Bundle.model_validate_json(target.read_text()).id
    replayed = run("replay", str(target), "--json")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert json.loads(replayed.stdout)["identical"] is True

    changed = Bundle.model_validate_json(target.read_text())
    changed.answer.answer += " (edited)"
    target.write_text(changed.model_dump_json())
    differs = run("replay", str(target))
    assert differs.returncode == 1 and differs.stdout.startswith("differs")
    assert "- text:" in differs.stdout and "(edited)" in differs.stdout

    target.write_text("{}")
    broken = run("replay", str(target))
    assert broken.returncode == 1 and "is not a paperchat bundle" in broken.stderr


def _cli(env: dict[str, str]):
    import os

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "from paperchat.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=os.environ | env,
            timeout=300,
        )

    return run


def test_markdown_export_numbers_references_and_keeps_corpus_text_inert():
    source = SearchResult(
        id="p1",
        title="![x](http://evil.example/x.png) <b>NPNet</b>",
        abstract="...",
        score=0.9,
        published="2024-05-01",
        authors=["Ada Lovelace"],
        author_count=1,
        url="https://arxiv.org/abs/2401.00001",
        code_url=None,
    )
    answer = Answer(
        question="What is NPNet?",
        answer="NPNet learns golden noise [1].",
        abstained=False,
        mode="extractive",
        citations=[Citation(n=1, id="p1", title=source.title, quote="q")],
        sources=[source],
        id="abc123",
    )
    text = conversation_markdown([("What is <i>NPNet</i>?", answer)], {1: source})
    assert "## Question 1" in text and "NPNet learns golden noise [1]." in text
    assert "## References" in text and "[1] [" in text and "Ada Lovelace. 2024." in text
    assert "/api/answers/abc123/bundle" in text
    assert "![x]" not in text and "<b>" not in text and "<i>" not in text


def test_the_corpus_hash_is_worked_out_once_per_index_version(make_assistant, monkeypatch):
    import paperchat.index.snapshot as snapshot_module

    assistant = make_assistant()
    calls = []
    hash_of = snapshot_module.corpus_hash

    def counting(papers):
        calls.append(len(papers))
        return hash_of(papers)

    monkeypatch.setattr(snapshot_module, "corpus_hash", counting)
    first = [recorded_ask(assistant, Request(question=QUESTION))[1] for _ in range(3)]
    assert len({b.index.corpus_hash for b in first}) == 1
    assert len(calls) <= 1  # not once per answer (0.4 s each at 100,000 papers)
