"""A saved snapshot read lazily (its papers and sentences from disk, per paper) answers
every question the snapshot built in memory answers, the same way."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from paperchat.corpus.paper import Paper
from paperchat.index.catalog import (
    PaperCatalog,
    first_by_title,
    from_year,
    papers_of,
    share_from,
    title_lookup,
    year_counts,
)
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import Evidence
from paperchat.index.keyword import KeywordIndex
from paperchat.index.snapshot import (
    EVIDENCE_DIR,
    PAPERS_FILE,
    IndexSnapshot,
    _read_snapshot,
    corpus_hash,
    save_snapshot,
)
from paperchat.text.lexical import content_stems

EMBEDDER = HashEmbedder(16)


def _papers() -> dict[str, Paper]:
    papers = [
        Paper(
            id=f"arxiv:2401.{i:05d}",
            title=f"Paper {i} on diffusion",
            abstract=f"We study topic {i}. Results improve by {i} points. It works.",
            published=f"{2015 + i % 10}-01-0{1 + i % 9}",
            authors=[f"Author {i}"],
        )
        for i in range(40)
    ]
    papers += [
        Paper(id="hé-ünïcode", title="Ünïcode", abstract="A paper with a non-ASCII id."),
        Paper(id="h1", abstract="No title, no date, one short id."),
        Paper(id="doi:10.1000/a-rather-long-identifier.2024", abstract="Nothing to say."),
        Paper(id="x-empty", abstract=""),  # no sentences
        Paper(
            id="x-again", title="paper 5 on Diffusion!", abstract="Same title.", published="2020"
        ),
    ]
    return {p.id: p for p in papers}


@pytest.fixture(scope="module")
def built() -> IndexSnapshot:
    papers = _papers()
    keyword = KeywordIndex.build([(f"{p}#0", p, v.abstract) for p, v in papers.items()], 10)
    evidence = Evidence.build(papers, EMBEDDER.embed_documents, embedder_name=EMBEDDER.name)
    return IndexSnapshot("v1", papers, keyword, evidence)


@pytest.fixture(scope="module")
def folder(built, tmp_path_factory):
    target = tmp_path_factory.mktemp("snap") / "v1"
    save_snapshot(built, target)
    return target


@pytest.fixture
def loaded(folder) -> IndexSnapshot:
    return _read_snapshot(folder, "v1", 10)


def test_the_loaded_catalog_holds_the_same_papers_in_the_same_order(built, loaded):
    assert isinstance(loaded.papers, PaperCatalog)
    assert len(loaded.papers) == len(built.papers)
    assert list(loaded.papers) == list(built.papers)
    assert list(loaded.papers.values()) == list(built.papers.values())
    assert dict(loaded.papers.items()) == built.papers
    for pid, paper in built.papers.items():
        assert pid in loaded.papers
        assert loaded.papers[pid] == paper
    assert loaded.papers.get("arxiv:2401.99999") is None
    assert "arxiv:2401.0000" not in loaded.papers  # a prefix of an id is not an id
    assert "a-key-longer-than-any-id-in-the-catalog-at-all" not in loaded.papers
    with pytest.raises(KeyError):
        loaded.papers["nope"]


def test_many_papers_are_read_at_once_as_one_by_one(built, loaded):
    ids = ["h1", "missing", *list(built.papers)[::3], "h1", "hé-ünïcode", ""]
    assert papers_of(loaded.papers, ids) == papers_of(built.papers, ids)
    assert papers_of(loaded.papers, ids)[1] is None
    assert papers_of(loaded.papers, []) == []


def test_a_paper_read_again_is_the_same(loaded):
    first = loaded.papers["arxiv:2401.00003"]
    for pid in list(loaded.papers)[:10]:
        loaded.papers[pid]
    assert loaded.papers["arxiv:2401.00003"] == first


def test_year_filters_read_the_years_column_as_the_papers_would(built, loaded):
    ids = [*built.papers, "missing", "hé-ünïcode"]
    for since in (2010, 2015, 2019, 2024, 2030):
        assert share_from(loaded.papers, since) == share_from(built.papers, since)
        assert from_year(loaded.papers, ids, since) == from_year(built.papers, ids, since)
    assert year_counts(loaded.papers) == year_counts(built.papers)
    assert year_counts(loaded.papers)[None] == 4


def test_the_first_papers_by_title_are_those_of_sorting_every_paper(built, loaded):
    everything = sorted(built.papers.values(), key=lambda p: p.display_title)
    for limit in (0, 5, len(everything), len(everything) + 10):
        assert first_by_title(loaded.papers, limit) == everything[:limit]
        assert first_by_title(built.papers, limit) == everything[:limit]


def test_titles_are_looked_up_as_in_a_dict_of_every_title(built, loaded):
    lazy, whole = title_lookup(loaded.papers), title_lookup(built.papers)
    for title in ("paper 5 on diffusion", "paper 12 on diffusion", "nicode", "", "no such"):
        assert lazy(title) == whole(title)
    assert lazy("paper 5 on diffusion") == "x-again"  # the last of two with one title
    assert lazy("paper 12 on diffusion") == "arxiv:2401.00012"
    assert lazy("no such") is None


def test_the_saved_corpus_hash_is_the_hash_of_the_papers(built, loaded):
    assert loaded.corpus_hash == built.corpus_hash == corpus_hash(dict(loaded.papers.items()))


def test_loaded_evidence_reads_each_papers_sentences_as_built(built, loaded):
    assert loaded.evidence.sentence_count == built.evidence.sentence_count
    for term in content_stems("we study results and improve"):
        assert loaded.evidence.weights.weight(term) == built.evidence.weights.weight(term)
    for paper in built.papers.values():
        mine, theirs = loaded.evidence.get(loaded.papers[paper.id]), built.evidence.get(paper)
        assert mine.sentences == theirs.sentences
        assert np.array_equal(mine.vectors, theirs.vectors)
    outsider = Paper(id="not-in-this-version", abstract="Other.")
    with pytest.raises(KeyError):
        loaded.evidence.get(outsider)
    mapped, whole = loaded.evidence.paper_vectors(), built.evidence.paper_vectors()
    assert mapped.ids == whole.ids and "x-empty" not in mapped.ids
    in_sevens = np.concatenate([rows for _, rows in mapped.batches(7)])
    assert np.allclose(in_sevens, np.concatenate([rows for _, rows in whole.batches()]))


def test_phrases_are_found_through_the_lazy_catalog(built, loaded):
    for phrase in ("results improve by 7 points", "non-ASCII id", "improve by 99 points"):
        assert loaded.evidence.mentions_phrase(phrase) == built.evidence.mentions_phrase(phrase)
    assert loaded.evidence.mentions_phrase("results improve by 7 points")
    assert not loaded.evidence.mentions_phrase("improve by 99 points")


def test_a_loaded_snapshot_stays_readable_after_an_ingest_prunes_it(folder, tmp_path):
    copy = tmp_path / "v1"
    shutil.copytree(folder, copy)
    snapshot = _read_snapshot(copy, "v1", 10)
    shutil.rmtree(copy)
    paper = snapshot.papers["arxiv:2401.00011"]
    assert paper.title == "Paper 11 on diffusion"
    assert snapshot.evidence.get(paper).sentences[0] == "We study topic 11."


def test_a_snapshot_saved_before_the_catalog_had_an_index_is_read_whole(built, folder, tmp_path):
    old = tmp_path / "v1"
    shutil.copytree(folder, old)
    for extra in [*old.glob("papers.*.npy"), old / "catalog.json"]:
        extra.unlink()
    for extra in (old / EVIDENCE_DIR).glob("sentences.*.npy"):
        extra.unlink()
    snapshot = _read_snapshot(old, "v1", 10)
    assert (old / PAPERS_FILE).exists() and not isinstance(snapshot.papers, PaperCatalog)
    assert snapshot.papers == built.papers
    assert snapshot.corpus_hash == built.corpus_hash
    paper = built.papers["arxiv:2401.00005"]
    assert snapshot.evidence.get(paper).sentences == built.evidence.get(paper).sentences
