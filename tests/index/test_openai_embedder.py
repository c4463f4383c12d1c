"""`PAPERCHAT_EMBED_MODEL=openai:<model>`: the index built with embeddings from an
OpenAI-compatible server (the scripted one, through the real `openai` client)."""

from __future__ import annotations

import json

import pytest
from fakes.openai_server import ScriptedOpenAIServer

from paperchat.build import build_searcher, index_stats, run_ingest
from paperchat.errors import IndexMissingError

TITLES = [
    "Routing Tokens in Sparse Mixture of Experts",
    "Pruning Attention Heads After Pretraining",
    "Speech Separation from Raw Waveforms",
]


def _corpus(path):
    records = [
        {
            "id": f"2402.{n:05d}",
            "title": title,
            "abstract": f"We study {title.lower()}. Our method improves accuracy by {n + 2}%.",
            "authors": "Ada Lovelace",
            "categories": "cs.LG",
            "update_date": "2024-02-01",
            "doi": None,
        }
        for n, title in enumerate(TITLES)
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_openai_compatible_embeddings_build_and_search_the_index(make_settings, tmp_path):
    source = _corpus(tmp_path / "papers.jsonl")
    with ScriptedOpenAIServer(embedding_dim=48) as server:
        settings = make_settings(
            embed_model="openai:local-embed",
            openai_base_url=server.base_url,
            openai_api_key="sk-test",
        )
        first = run_ingest(settings, [source])
        assert first.papers == 3 and first.embedded == first.chunks >= 3
        calls = [r for r in server.requests if r.path.rstrip("/").endswith("/embeddings")]
        assert calls and all(r.headers.get("authorization") == "Bearer sk-test" for r in calls)
        assert all(r.body["model"] == "local-embed" for r in calls)

        stats = index_stats(settings)
        assert stats["embedder"] == "openai:local-embed" and stats["dim"] == 48

        searcher = build_searcher(settings)
        dense = searcher.search("speech separation waveforms", 3, method="dense")
        assert len(dense) == 3 and all(hit.similarity is not None for hit in dense)
        hybrid = searcher.search("speech separation from raw waveforms", 3)
        assert hybrid[0].paper.title == TITLES[2]

        assert run_ingest(settings).embedded == 0

    with pytest.raises(IndexMissingError, match="ingest --rebuild"):
        build_searcher(make_settings(embed_model="hash"))
