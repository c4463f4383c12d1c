"""The evidence of one index version: sentences, their vectors, term statistics and the
names the corpus knows — built at ingest, saved with the version's snapshot, swapped
with it, so nothing the answer stage reads is stale after an ingest."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from helpers import arxiv_record, write_jsonl

from paperchat.build import build_searcher, cache_root, run_ingest
from paperchat.corpus.paper import Paper
from paperchat.index.embedders.hashing import HashEmbedder
from paperchat.index.evidence import SENTENCES, VECTORS, Evidence, best_match, unit_rows
from paperchat.index.snapshot import EVIDENCE_DIR, load_snapshot, snapshot_dir
from paperchat.index.vector_cache import SentenceVectorCache
from paperchat.text.lexical import content_stems, stem


class CountingEmbedder(HashEmbedder):
    """The hash embedder, counting the texts it is asked to embed."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return super().embed_documents(texts)

    @property
    def sentences(self) -> list[str]:
        """What it embedded that is not a single word (the evidence's word vectors)."""
        return [t for t in self.embedded if " " in t]

    @property
    def words(self) -> list[str]:
        return [t for t in self.embedded if " " not in t]


PAPERS = {
    "a": Paper(
        id="a", title="Alpha", abstract="We propose Alpha. It outperforms GPT-4 by 3 points."
    ),
    "b": Paper(id="b", title="B", abstract="B is a GPU baseline. Few practitioners use it today."),
}


def _build(tmp_path, embedder, papers=PAPERS) -> Evidence:
    cache = SentenceVectorCache(tmp_path / "evidence", embedder.name, embedder.dim)
    return Evidence.build(
        papers, embedder.embed_documents, cache=cache, embedder_name=embedder.name
    )


def test_each_abstract_is_split_into_sentences_with_unit_vectors_and_roles(tmp_path):
    evidence = _build(tmp_path, CountingEmbedder())
    alpha = evidence.get(PAPERS["a"])
    assert alpha.sentences == ["We propose Alpha.", "It outperforms GPT-4 by 3 points."]
    assert alpha.vectors.shape == (2, 64) and alpha.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(alpha.vectors, axis=1), 1.0, atol=1e-3)
    assert alpha.roles == ["contribution", "result"]
    assert alpha.title_stems == {"alpha"}
    assert evidence.sentence_count == 4 and evidence.dim == 64
    with pytest.raises(KeyError):
        evidence.get(Paper(id="elsewhere", title="X", abstract="Not of this version."))


def test_best_match_finds_the_sentence_closest_to_a_text(tmp_path):
    embedder = CountingEmbedder()
    evidence = _build(tmp_path, embedder)
    claim = "Alpha outperforms GPT-4 by 3 points"
    vector = unit_rows(np.asarray(embedder.embed_documents([claim])))[0]
    match = best_match(evidence.get(PAPERS["a"]), vector, content_stems(claim))
    assert match is not None and match.index == 1
    assert match.sentence == "It outperforms GPT-4 by 3 points."


def test_a_second_build_reads_the_vectors_it_has_seen_from_the_cache(tmp_path):
    first = CountingEmbedder()
    before = _build(tmp_path, first)
    assert len(first.sentences) == 4
    # every distinct content word once: no stop words ("it", "by"), no numbers ("3")
    assert sorted(first.words) == sorted(
        [
            "alpha",
            "propose",
            "outperforms",
            "gpt-4",
            "gpt",
            "points",
            "gpu",
            "baseline",
            "practitioners",
            "use",
            "today",
        ]
    )

    second = CountingEmbedder()
    after = _build(tmp_path, second)
    assert second.embedded == []
    for paper in PAPERS.values():
        np.testing.assert_allclose(before.get(paper).vectors, after.get(paper).vectors, atol=1e-3)


def test_a_changed_abstract_is_embedded_again_and_another_embedder_misses(tmp_path):
    _build(tmp_path, CountingEmbedder())

    changed = CountingEmbedder()
    edited = Paper(
        id="a", title="Alpha", abstract="We propose Alpha. It outperforms GPT-4 by 4 points."
    )
    _build(tmp_path, changed, {"a": edited, "b": PAPERS["b"]})
    assert changed.sentences == ["We propose Alpha.", "It outperforms GPT-4 by 4 points."]
    assert changed.words == []  # the same words as before

    other = CountingEmbedder(dim=32)
    _build(tmp_path, other)
    assert len(other.sentences) == 4 and other.words


def test_saved_evidence_loads_the_same_with_vectors_left_on_disk(tmp_path):
    built = _build(tmp_path, CountingEmbedder())
    folder = tmp_path / "v1" / EVIDENCE_DIR
    built.save(folder)
    assert Evidence.exists(folder)
    assert np.load(folder / VECTORS).dtype == np.float16
    assert (folder / SENTENCES).read_text().count("\n") == len(PAPERS)

    loaded = Evidence.load(folder, PAPERS)
    assert isinstance(loaded._vectors, np.memmap)
    for paper in PAPERS.values():
        old, new = built.get(paper), loaded.get(paper)
        assert old.sentences == new.sentences
        np.testing.assert_allclose(old.vectors, new.vectors, atol=1e-3)
    assert loaded.vocabulary == built.vocabulary
    assert loaded.weights.size == built.weights.size == 2
    assert loaded.weights.document_count("gpu") == 1
    assert not Evidence.exists(tmp_path / "elsewhere")


def test_saved_evidence_carries_each_papers_terms_and_an_older_one_still_reads(
    tmp_path, monkeypatch
):
    """A paper met for the first time (most candidates, on a large index) has its stems and
    words read from the saved line, not worked out from its text; a line saved before
    they were kept gives the same by reading the text."""
    import json

    from paperchat.index import evidence as evidence_module

    papers = PAPERS | {"c": Paper(id="c", title="C", abstract="Tested on CIFAR-10 in 2023.")}
    built = _build(tmp_path, CountingEmbedder(), papers)
    folder = tmp_path / "v1" / EVIDENCE_DIR
    built.save(folder)
    numbered = Evidence.load(folder, papers).get(papers["c"])
    assert numbered.all_stems == built.get(papers["c"]).all_stems >= {"2023", "10", "cifar-10"}
    fresh = Evidence.load(folder, PAPERS).get(PAPERS["a"])
    assert fresh.saved_terms is not None
    assert fresh.all_stems == built.get(PAPERS["a"]).all_stems >= {"gpt-4", "outperform"}
    assert "gpt-4" in fresh.words and "3" not in fresh.words

    def read_off_the_text(text):
        raise AssertionError("a saved paper's terms were worked out again")

    monkeypatch.setattr(evidence_module, "terms", read_off_the_text)
    assert Evidence.load(folder, PAPERS).get(PAPERS["b"]).all_stems >= {"gpu", "baselin"}
    monkeypatch.undo()

    from paperchat.index.keyed_lines import LineWriter

    lines = [json.loads(line) for line in (folder / SENTENCES).read_text().splitlines()]
    with LineWriter(folder / SENTENCES) as out:  # as saved before terms were kept
        for line in lines:
            out.add(line[0], json.dumps(line[:3]))
    older = Evidence.load(tmp_path / "v1" / EVIDENCE_DIR, papers)
    for paper in papers.values():
        assert older.get(paper).saved_terms is None
        assert older.get(paper).all_stems == built.get(paper).all_stems
        assert older.get(paper).words == built.get(paper).words


def test_term_weights_count_papers_and_rare_terms_weigh_more(tmp_path):
    evidence = _build(tmp_path, CountingEmbedder())
    weights = evidence.weights
    assert weights.size == 2
    assert weights.document_count("alpha") == 1  # title and abstract count once
    assert weights.document_count(stem("practitioners")) == 1
    assert weights.weight("zebra") > weights.weight("alpha")


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("GPT-4", True),
        ("gpt4", True),  # written without the hyphen
        ("GPT", True),  # a part of a hyphenated name
        ("Alpha", True),  # a title word
        ("GPUs", True),  # the plural of a word the corpus uses
        ("ControlNet", False),
        ("GPT-5", False),
    ],
)
def test_mentions_knows_the_names_of_the_corpus_however_written(tmp_path, name, known):
    assert _build(tmp_path, CountingEmbedder()).mentions(name) is known


def test_a_name_beginning_with_digits_is_known_even_to_a_vocabulary_saved_before(tmp_path):
    papers = {
        "g": Paper(id="g", title="4DGen: Grounded 4D Content", abstract="We propose 4DGen."),
    }
    evidence = _build(tmp_path, CountingEmbedder(), papers)
    assert evidence.mentions("4DGen") and not evidence.mentions("3DGen")
    evidence.vocabulary = frozenset(w for w in evidence.vocabulary if w != "4dgen")
    assert evidence.mentions("4DGen") and not evidence.mentions("3DGen")  # read in the text


# -- one version, one evidence: ingest writes it, the searcher swaps it -------------------


def test_a_new_ingest_gives_a_new_version_whose_evidence_reflects_the_new_corpus(
    make_settings, tmp_path
):
    settings = make_settings()
    corpus = tmp_path / "papers.jsonl"
    write_jsonl(corpus, [arxiv_record(1, "graph pruning"), arxiv_record(2, "speech separation")])
    run_ingest(settings, [corpus])
    searcher = build_searcher(settings)
    first = searcher.snapshot
    folder = snapshot_dir(cache_root(settings), searcher.store, first.version)
    assert Evidence.exists(folder / EVIDENCE_DIR)  # saved with the version's snapshot
    assert not first.evidence.mentions("ZorbNet")
    assert searcher.analyse("How does ZorbNet prune graphs?").absent == ("ZorbNet",)

    added = arxiv_record(
        3, "graph pruning", abstract="We propose ZorbNet, which prunes graphs by 70%."
    )
    write_jsonl(
        corpus, [arxiv_record(1, "graph pruning"), arxiv_record(2, "speech separation"), added]
    )
    run_ingest(settings, [corpus])

    searcher._check_every = 0.0  # look for the new version now, not after a second
    assert searcher.refresh()
    second = searcher.snapshot
    assert second.version != first.version
    assert second.evidence is not first.evidence
    assert second.evidence.mentions("ZorbNet") and not first.evidence.mentions("ZorbNet")
    assert second.evidence.weights.size == 3 and first.evidence.weights.size == 2
    assert searcher.analyse("How does ZorbNet prune graphs?").absent == ()
    paper = second.papers["arxiv:2401.00003"]
    assert second.evidence.get(paper).sentences == [
        "We propose ZorbNet, which prunes graphs by 70%."
    ]

    # the new version's evidence is on disk, the old version's folder is gone
    root = cache_root(settings)
    assert Evidence.exists(snapshot_dir(root, searcher.store, second.version) / EVIDENCE_DIR)
    assert not folder.exists()
    reloaded = load_snapshot(searcher.store, root, embedder=searcher.embedder)
    assert reloaded.version == second.version and reloaded.evidence.mentions("zorbnet")


# -- phrases through the keyword index's postings ----------------------------------------

PHRASE_PAPERS = {
    "tot": Paper(
        id="tot",
        title="Tree of Thoughts: Deliberate Problem Solving",
        abstract="We search a tree of partial thoughts. It solves puzzles with lookahead.",
    ),
    "mcts": Paper(
        id="mcts",
        title="Planning with Trees",
        abstract="A search tree guides the policy. Thoughts on games close the paper.",
    ),
    "noise": Paper(
        id="noise",
        title="Golden Noise for Diffusion Models",
        abstract="We learn golden noise for text-to-image diffusion. Stable Diffusion XL gains.",
    ),
}


def _with_postings(tmp_path, papers=PHRASE_PAPERS) -> Evidence:
    from paperchat.index.keyword import KeywordIndex

    evidence = _build(tmp_path, CountingEmbedder(), papers)
    chunks = [(f"{p.id}#0", p.id, f"{p.title}\n{p.abstract}") for p in papers.values()]
    evidence.use_postings(KeywordIndex.build(chunks))
    return evidence


@pytest.mark.parametrize(
    ("phrase", "used"),
    [
        ("Tree of Thoughts", True),  # a title, any case
        ("stable   diffusion", True),  # spacing folded
        ("Golden Noise", True),
        ("Tree Search", False),  # both words in one paper, never side by side
        ("Thoughts on Trees", False),
        ("Textual Inversion", False),  # words no paper uses
        ("Diffusion Thoughts", False),  # words of different papers
    ],
)
def test_a_phrase_is_found_through_the_postings_as_by_reading_every_abstract(
    tmp_path, phrase, used
):
    assert _with_postings(tmp_path).mentions_phrase(phrase) is used
    assert _build(tmp_path, CountingEmbedder(), PHRASE_PAPERS).mentions_phrase(phrase) is used


def test_words_too_common_to_narrow_down_count_as_used(tmp_path, monkeypatch):
    import paperchat.index.evidence as evidence_module

    evidence = _with_postings(tmp_path)
    assert evidence.mentions_phrase("Tree Search") is False  # one chunk has both words
    monkeypatch.setattr(evidence_module, "PHRASE_CANDIDATES", 0)
    assert evidence.mentions_phrase("Tree Search") is True  # more chunks than it may read
    assert evidence.mentions_phrase("Textual Inversion") is False  # no chunk: still absent


def test_word_vectors_are_saved_with_the_evidence_and_found_by_meaning(tmp_path):
    built = _build(tmp_path, CountingEmbedder())
    folder = tmp_path / "v1" / EVIDENCE_DIR
    built.save(folder)
    loaded = Evidence.load(folder, PAPERS)
    assert loaded.word_vectors.words == built.word_vectors.words
    (folder / "words.json").unlink()
    assert not Evidence.exists(folder)  # an older snapshot without them is rebuilt

    embedder = CountingEmbedder()
    words = ["gpu", "alpha", "zebra"]
    vectors = loaded.word_vectors.vectors_of(words, embedder.embed_documents)
    assert embedder.embedded == ["zebra"]  # only the word no abstract uses is embedded
    again = loaded.word_vectors.vectors_of(words, embedder.embed_documents)
    assert embedder.embedded == ["zebra"] and np.allclose(again, vectors)  # ... once
    weights = np.ones(len(words), dtype=np.float32)
    closeness = loaded.word_vectors.matcher(vectors, weights)
    # "gpu" and "alpha" are each in one paper; "zebra" is in neither
    a, b = closeness([PAPERS["a"], PAPERS["b"]])
    assert a < 1.0 and b < 1.0
    only_alpha = loaded.word_vectors.matcher(vectors[1:2], weights[:1])
    a, b = only_alpha([PAPERS["a"], PAPERS["b"]])
    assert a == pytest.approx(1.0, abs=1e-3) and b < 0.99


def test_word_closeness_of_many_papers_at_once_is_each_papers_own(tmp_path):
    built = _build(tmp_path, CountingEmbedder())
    words = built.word_vectors
    empty = Paper(id="e", title="", abstract="the of and")  # no content word
    papers = [PAPERS["b"], empty, PAPERS["a"], PAPERS["b"]]
    vectors = words.vectors_of(["gpu", "zebra", "alpha"], CountingEmbedder().embed_documents)
    weights = np.asarray([1.0, 0.5, 2.0], dtype=np.float32)
    together = words.matcher(vectors, weights)(papers)

    def alone(paper: Paper) -> float:
        ids = words.ids_of(paper)
        if not len(ids):
            return 0.0
        rows = np.asarray(words._vectors[ids], dtype=np.float32)
        nearest = np.clip((vectors @ rows.T).max(axis=1), 0.0, 1.0)
        return float(nearest @ weights / weights.sum())

    assert together == pytest.approx([alone(p) for p in papers], abs=1e-5)
    assert together[1] == 0.0


def test_a_questions_unknown_words_are_embedded_in_the_background(tmp_path):
    built = _build(tmp_path, CountingEmbedder())
    threads = []

    def embed(texts):
        threads.append(threading.current_thread())
        return CountingEmbedder().embed_documents(texts)

    pending = built.word_vectors.lookup(["gpu", "zebra"], embed)
    assert np.allclose(pending.result(), built.word_vectors.vectors_of(["gpu", "zebra"], embed))
    assert threads and threads[0] is not threading.current_thread()
    known = built.word_vectors.lookup(["gpu", "zebra"], embed)  # now all cached
    assert known.done() and len(threads) == 1


@pytest.mark.parametrize(
    ("name", "known"),
    [("Gram", True), ("Laplace", True), ("Euclid", True), ("Gramm", False), ("GRAM", False)],
)
def test_a_persons_name_is_mentioned_where_the_corpus_uses_its_adjective(tmp_path, name, known):
    papers = {
        "g": Paper(
            id="g",
            title="Penalties",
            abstract="We revisit the Gramian matrix, a Laplacian and the Euclidean distance.",
        )
    }
    assert _build(tmp_path, CountingEmbedder(), papers).mentions(name) is known
