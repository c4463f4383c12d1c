"""Ingest in bounded batches: a progress bar in papers, and a SIGKILLed ingest resumed
without embedding again what it had written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from paperchat.build import build_searcher, build_store, index_stats, run_ingest
from paperchat.index import ingest as ingest_module
from paperchat.index.writes import WRITE_ROWS

PAPERS = 900


def _records(path, n: int = PAPERS):
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            abstract = " ".join(f"Sentence {j} of study {i} on routing experts." for j in range(9))
            out.write(
                json.dumps({"id": f"2403.{i:05d}", "title": f"Paper {i}", "abstract": abstract})
            )
            out.write("\n")
    return path


# Embeds KILL_AFTER batches, gives the writer thread a moment to land what it has, then
# SIGKILLs its own process: a kill half-way through, at a known point.
_DRIVER = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from paperchat.build import run_ingest
    from paperchat.index import ingest
    from paperchat.index.embedders.hashing import HashEmbedder
    from paperchat.settings import Settings

    ingest.READER_PROCESS_FROM = int(sys.argv[4])

    class Dying(HashEmbedder):
        calls = 0
        def embed_documents(self, texts):
            Dying.calls += 1
            if Dying.calls > int(sys.argv[3]):
                time.sleep(1.5)
                os.kill(os.getpid(), signal.SIGKILL)
            return super().embed_documents(texts)

    settings = Settings(data_dir=Path(sys.argv[1]), embed_model="hash")
    run_ingest(settings, [Path(sys.argv[2])], embedder=Dying(256))
    """
)


@pytest.mark.parametrize("reader", ["thread", "process"])
def test_killed_ingest_resumes_without_re_embedding(tmp_path, make_settings, reader):
    """Also with the reader in a child process: it dies with the ingest, so the lock it
    inherited is free at once."""
    settings = make_settings()
    source = _records(tmp_path / "papers.jsonl")
    driver = tmp_path / "driver.py"
    driver.write_text(_DRIVER)
    killed = subprocess.run(
        [
            sys.executable,
            str(driver),
            str(settings.data_dir),
            str(source),
            "12",
            str(1 if reader == "process" else PAPERS + 1),
        ],
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr
    store = build_store(settings)
    landed = store.count()
    assert store.info()["version"] == "dirty"
    assert WRITE_ROWS <= landed < 12 * ingest_module.BATCH

    report = run_ingest(settings, [source])
    assert report.papers == PAPERS
    assert 0 < report.embedded == report.chunks - landed
    stats = index_stats(settings)
    assert stats["version"] != "dirty" and stats["papers"] == PAPERS
    assert stats["chunks"] == report.chunks
    searcher = build_searcher(settings)
    assert searcher.snapshot.keyword.chunk_ids() == set(build_store(settings).manifest())
    assert len(searcher.papers) == PAPERS
    assert run_ingest(settings, [source]).embedded == 0


def test_progress_bar_counts_papers_with_rate(tmp_path, make_settings, capsys):
    source = _records(tmp_path / "papers.jsonl", 150)
    run_ingest(make_settings(), [source], show_progress=True)
    err = capsys.readouterr().err.replace("\r", "\n").strip()
    assert "reading: 150record" in err, err  # the first pass: records read, no total
    bar = err.splitlines()[-1]
    assert "150/150" in bar and "paper/s" in bar, bar


def test_plan_holds_one_batch_of_papers_at_a_time(tmp_path, make_settings, monkeypatch):
    """The reader chunks PAPER_BATCH papers per step, so what waits for the encoder is
    bounded by the prefetch depth, not by the corpus."""
    seen: list[int] = []
    chunked = ingest_module._chunked

    def recording(papers, chunker):
        for papers_in_batch, chunks in chunked(papers, chunker):
            seen.append(papers_in_batch)
            yield papers_in_batch, chunks

    monkeypatch.setattr(ingest_module, "_chunked", recording)
    run_ingest(make_settings(), [_records(tmp_path / "papers.jsonl", 150)])
    assert seen == [ingest_module.PAPER_BATCH, ingest_module.PAPER_BATCH, 150 - 128]


def test_a_reader_process_stores_what_a_reader_thread_does(tmp_path, make_settings, monkeypatch):
    source = _records(tmp_path / "papers.jsonl", 150)
    threaded = make_settings(data_dir=tmp_path / "thread")
    by_thread = run_ingest(threaded, [source])
    monkeypatch.setattr(ingest_module, "READER_PROCESS_FROM", 1)
    forked = make_settings(data_dir=tmp_path / "process")
    by_process = run_ingest(forked, [source])
    assert (by_process.papers, by_process.chunks, by_process.embedded) == (
        by_thread.papers,
        by_thread.chunks,
        by_thread.embedded,
    )
    assert build_store(forked).manifest() == build_store(threaded).manifest()
    again = run_ingest(forked, [source])
    assert again.embedded == 0 and again.chunks == by_thread.chunks
