"""Ingest against a real Chroma store, with the deterministic hash embedder.

The incremental behaviours run twice: against the embedded store and against a real
`chroma run` server (`store_settings`), each test in its own collection there.
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from paperchat.build import build_searcher, build_store, index_stats, run_ingest
from paperchat.errors import IndexMissingError, IngestLockedError
from paperchat.index.lock import writer_lock


def _jsonl(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _record(n: int, abstract: str | None = None) -> dict:
    return {
        "id": f"2401.{n:05d}",
        "title": f"Paper number {n} on sparse mixture of experts",
        "abstract": abstract or f"We study routing in sparse experts, variant {n}. " * 3,
        "authors": "Ada Lovelace and Alan Turing",
        "categories": "cs.LG",
        "update_date": "2024-01-15",
        "doi": None,
    }


@pytest.fixture(params=["embedded", "chroma-server"])
def store_settings(request, make_settings):
    """make_settings for the embedded store, or for the session's Chroma server."""
    if request.param == "embedded":
        return make_settings
    server = request.getfixturevalue("chroma_server")
    name = "t" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]

    def make(**overrides):
        return make_settings(**({"chroma_url": server.url, "collection": name} | overrides))

    return make


def test_bundled_corpus_ingests_to_466_papers_and_reingest_embeds_nothing(make_settings):
    settings = make_settings()
    first = run_ingest(settings)
    assert first.papers == 466
    assert first.listings == 479
    assert first.embedded == first.chunks > 466
    stats = index_stats(settings)
    assert stats["papers"] == 466 and stats["chunks"] == first.chunks
    assert stats["embedder"] == "hash-256"

    second = run_ingest(settings)
    assert (second.embedded, second.updated, second.deleted) == (0, 0, 0)
    assert not second.changed
    assert index_stats(settings)["chunks"] == first.chunks


def test_changed_abstract_is_reembedded_and_old_version_removed(store_settings, tmp_path):
    settings = store_settings()
    src = _jsonl(tmp_path / "a.jsonl", [_record(1), _record(2)])
    run_ingest(settings, [src])
    _jsonl(
        src, [_record(1), _record(2, "A rewritten abstract about retrieval augmented generation.")]
    )
    report = run_ingest(settings)  # remembered sources are re-read
    assert report.embedded == 1 and report.deleted == 0  # arXiv ids are stable: same chunk id
    searcher = build_searcher(settings)
    assert "rewritten" in searcher.papers["arxiv:2401.00002"].abstract
    assert index_stats(settings)["papers"] == 2


def test_hash_id_paper_changed_abstract_replaces_old_chunks(store_settings, tmp_path):
    settings = store_settings()
    src = tmp_path / "papers.bib"
    entry = "@article{{k1, title={{Sparse Routing}}, abstract={{{}}}, year={{2023}}}}\n"
    src.write_text(entry.format("We route tokens to experts sparsely."), encoding="utf-8")
    run_ingest(settings, [src])
    src.write_text(entry.format("We route tokens to experts densely instead."), encoding="utf-8")
    report = run_ingest(settings)
    assert report.embedded == 1 and report.deleted == 1
    assert index_stats(settings)["papers"] == 1


def test_new_file_adds_only_its_papers(store_settings, tmp_path):
    settings = store_settings()
    run_ingest(settings, [_jsonl(tmp_path / "a.jsonl", [_record(1), _record(2)])])
    report = run_ingest(settings, [_jsonl(tmp_path / "b.jsonl", [_record(3)])])
    assert report.embedded == 1 and report.deleted == 0
    assert report.papers == 3
    assert index_stats(settings)["papers"] == 3
    again = run_ingest(settings)  # both remembered files, nothing new
    assert (again.embedded, again.updated, again.deleted) == (0, 0, 0)
    hits = build_searcher(settings).search("routing in sparse experts", k=5)
    assert {h.paper.id for h in hits} == {f"arxiv:2401.0000{n}" for n in (1, 2, 3)}


def test_bad_records_are_skipped_and_reported_with_file_and_line(make_settings, tmp_path):
    settings = make_settings()
    src = tmp_path / "mixed.jsonl"
    src.write_text(
        json.dumps(_record(1)) + "\n{not json\n" + json.dumps(_record(2)) + "\n", encoding="utf-8"
    )
    report = run_ingest(settings, [src])
    assert report.papers == 2
    assert len(report.problems) == 1
    assert "mixed.jsonl:2" in str(report.problems[0])


def test_unreadable_file_keeps_its_papers_already_indexed(store_settings, tmp_path):
    settings = store_settings()
    src = _jsonl(tmp_path / "a.jsonl", [_record(1), _record(2)])
    run_ingest(settings, [src])
    src.write_bytes(b"\x00\x01\x02binary garbage\xff\xfe")
    report = run_ingest(settings)
    assert report.problems and report.deleted == 0
    assert index_stats(settings)["papers"] == 2


def test_embedder_mismatch_says_to_rebuild(store_settings, tmp_path):
    src = _jsonl(tmp_path / "a.jsonl", [_record(1)])
    run_ingest(store_settings(embed_model="hash:256"), [src])
    other = store_settings(embed_model="hash:64")
    with pytest.raises(IndexMissingError, match="ingest --rebuild"):
        build_searcher(other)
    with pytest.raises(IndexMissingError, match="ingest --rebuild"):
        run_ingest(other)
    report = run_ingest(other, rebuild=True)  # keeps the remembered sources
    assert report.embedded == 1 and report.papers == 1
    assert index_stats(other)["embedder"] == "hash-64"


def test_search_before_ingest_says_run_ingest(make_settings):
    with pytest.raises(IndexMissingError, match="paperchat ingest"):
        build_searcher(make_settings())


def test_second_writer_is_refused(make_settings):
    settings = make_settings()
    with writer_lock(settings.data_dir), pytest.raises(IngestLockedError, match="another ingest"):
        run_ingest(settings)


def test_snapshot_cache_is_rebuilt_when_missing(store_settings, tmp_path):
    settings = store_settings()
    run_ingest(settings, [_jsonl(tmp_path / "a.jsonl", [_record(1), _record(2)])])
    shutil.rmtree(settings.data_dir / "cache")
    hits = build_searcher(settings).search("sparse experts routing", k=2)
    assert {h.paper.id for h in hits} == {"arxiv:2401.00001", "arxiv:2401.00002"}
    assert (settings.data_dir / "cache").exists()


def test_dirty_store_is_finished_by_the_next_run(store_settings, tmp_path):
    """A run killed after stamping `dirty` leaves a store the next run completes."""
    settings = store_settings()
    run_ingest(settings, [_jsonl(tmp_path / "a.jsonl", [_record(1)])])
    store = build_store(settings)
    store.set_info(version="dirty")
    report = run_ingest(settings)
    assert report.embedded == 0
    assert build_store(settings).info()["version"] != "dirty"


def test_dense_search_visits_every_chunk_of_a_small_index(store_settings, tmp_path):
    # Under Chroma's sync threshold each process rebuilds the HNSW graph with random
    # levels; a search as wide as the index returns the same neighbours in every process.
    settings = store_settings()
    run_ingest(settings, [_jsonl(tmp_path / "p.jsonl", [_record(n) for n in range(150)])])
    collection = build_searcher(settings).store.collection
    hnsw = (collection.configuration_json or {}).get("hnsw") or {}
    assert hnsw.get("ef_search", 100) >= collection.count() > 100


def test_papers_are_read_once_each_in_the_order_chunk_zero_filtered_gives(store_settings, tmp_path):
    def long(n: int) -> str:  # several chunks
        return " ".join(f"Sentence {i} of paper {n} is about sparse routing." for i in range(60))

    records = [_record(n, long(n) if n % 2 else None) for n in range(7)]
    settings = store_settings(data_dir=tmp_path / "d")
    run_ingest(settings, [_jsonl(tmp_path / "a.jsonl", records)])
    store = build_store(settings)
    assert store.count() > 7  # the long abstracts have several chunks
    filtered = [
        m["paper"]
        for m in store.collection.get(include=["metadatas"], where={"chunk": 0})["metadatas"]
    ]
    papers = list(store.iter_papers())
    assert [p.model_dump_json() for p in papers] == [
        type(papers[0]).model_validate_json(m).model_dump_json() for m in filtered
    ]
    assert sorted(p.id for p in papers) == sorted(f"arxiv:2401.{n:05d}" for n in range(7))
