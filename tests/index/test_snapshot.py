"""The snapshot cache (catalog + BM25 + evidence per index version) under concurrent processes:
an ingest pruning old versions while a server writes the new one."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence
from paperchat.index.snapshot import (
    EVIDENCE_DIR,
    PAPERS_FILE,
    IndexSnapshot,
    prune_snapshots,
    save_snapshot,
    snapshot_dir,
)

STORE = SimpleNamespace(name="papers")


def test_prune_keeps_the_version_and_folders_still_being_written_for_it(tmp_path):
    for name in ("old", "old.tmp11", "new", "new.tmp4242"):
        (tmp_path / "papers" / name).mkdir(parents=True)
    prune_snapshots(tmp_path, STORE, keep="new")
    assert sorted(p.name for p in (tmp_path / "papers").iterdir()) == ["new", "new.tmp4242"]


class _KeywordRemovedMidWrite:
    """Writes like bm25s does, after another process removed the folder under it."""

    def save(self, path):
        shutil.rmtree(path.parent)
        (path / "corpus.mmindex.json").write_text("{}")


class _Keyword:
    def save(self, path):
        path.mkdir()
        (path / "index.json").write_text("{}")


def _snapshot(keyword) -> IndexSnapshot:
    paper = Paper(id="2401.00001", title="A title", abstract="An abstract.")
    papers = {paper.id: paper}
    embedder = HashEmbedder(16)
    evidence = Evidence.build(papers, embedder.embed_documents, embedder_name=embedder.name)
    return IndexSnapshot("v1", papers, keyword, evidence)


def test_a_snapshot_that_cannot_be_written_is_not_an_error(tmp_path):
    target = snapshot_dir(tmp_path, STORE, "v1")
    save_snapshot(_snapshot(_KeywordRemovedMidWrite()), target)  # logged, not raised
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temporary folder left behind


def test_a_written_snapshot_is_whole(tmp_path):
    target = snapshot_dir(tmp_path, STORE, "v1")
    save_snapshot(_snapshot(_Keyword()), target)
    assert (target / PAPERS_FILE).read_text().count("\n") == 1
    assert (target / "bm25" / "index.json").exists()
    assert Evidence.exists(target / EVIDENCE_DIR)
    assert Evidence.load(target / EVIDENCE_DIR, {}).sentence_count == 1
    assert [p.name for p in target.parent.iterdir()] == ["v1"]


def test_a_cached_snapshot_removed_while_loading_is_rebuilt_from_the_store(tmp_path, monkeypatch):
    from paperchat.index import snapshot as module

    store = SimpleNamespace(name="papers", info=lambda: {"version": "v1"})
    target = snapshot_dir(tmp_path, store, "v1")
    save_snapshot(_snapshot(_Keyword()), target)
    assert (target / PAPERS_FILE).exists()

    def load_after_prune(path, top_k):
        shutil.rmtree(target)  # an ingest pruned this version between the check and the read
        raise FileNotFoundError(path)

    rebuilt = _snapshot(_Keyword())
    monkeypatch.setattr(module.KeywordIndex, "load", staticmethod(load_after_prune))
    monkeypatch.setattr(module, "build_snapshot", lambda store, version, top_k, **_: rebuilt)
    assert module.load_snapshot(store, tmp_path, embedder=HashEmbedder(16)) is rebuilt
