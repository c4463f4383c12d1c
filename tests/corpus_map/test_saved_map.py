"""The map is written with its index version: ingest saves it beside the snapshot, and
the next process loads it instead of building it. Over the poisoned probe corpus
(tests/hostile/poisoned.jsonl), with the hash embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperchat.corpus_map import build as map_build

PROBES = Path(__file__).parents[1] / "hostile" / "poisoned.jsonl"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    from paperchat.build import run_ingest
    from paperchat.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("map-probes"), embed_model="hash")
    run_ingest(settings, [PROBES])
    return settings


def test_ingest_saves_the_map_and_a_new_process_loads_it(settings, monkeypatch):
    from paperchat.build import build_corpus_maps, build_searcher

    searcher = build_searcher(settings)
    saved = list(settings.data_dir.rglob(map_build.MAP_FILE))
    assert len(saved) == 1 and saved[0].parent.name == searcher.snapshot.version
    expected = map_build.build_corpus_map(searcher.snapshot)

    def no_build(snapshot):
        raise AssertionError("the saved map should have been loaded")

    monkeypatch.setattr(map_build, "build_corpus_map", no_build)
    assert build_corpus_maps(settings, searcher).get(searcher.snapshot) == expected


def test_a_missing_map_is_built_and_saved(settings):
    from paperchat.build import build_corpus_maps, build_searcher

    searcher = build_searcher(settings)
    (saved,) = settings.data_dir.rglob(map_build.MAP_FILE)
    saved.unlink()
    corpus = build_corpus_maps(settings, searcher).get(searcher.snapshot)
    assert saved.exists() and corpus.papers == sum(1 for _ in PROBES.open())
