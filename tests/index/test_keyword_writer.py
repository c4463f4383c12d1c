"""The BM25 index written a page of chunks at a time is the one BM25Retriever builds and
saves whole: the same rows, statistics and weights (term ids aside), the same hits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import KEYWORD_QUERIES, bundled_chunks

from paperchat.index.keyword import KeywordIndex
from paperchat.index.keyword_writer import KeywordWriter, write_keyword_index

QUERIES = [*KEYWORD_QUERIES, "Übersetzung naïve café"]
SAME_BYTES = ("corpus.jsonl", "corpus.mmindex.json", "params.index.json", "retriever.json")


def _chunks():
    chunks = bundled_chunks()
    chunks += [  # odd ones: no words at all, only stop words, repeats, non-ASCII
        ("odd:1#0", "odd:1", ""),
        ("odd:2#0", "odd:2", "the of and a"),
        ("odd:3#0", "odd:3", "noise noise noise Noise NOISE denoising"),
        ("odd:4#0", "odd:4", "Übersetzung naïve café — 東京 models model modelling"),
    ]
    return chunks


def _columns(folder):
    """{stem: (chunk rows, weights)} of a saved index."""
    vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    data = np.load(folder / "data.csc.index.npy")
    indices = np.load(folder / "indices.csc.index.npy")
    indptr = np.load(folder / "indptr.csc.index.npy")
    out = {}
    for stem, i in vocab.items():
        if i + 1 < len(indptr):
            out[stem] = (indices[indptr[i] : indptr[i + 1]], data[indptr[i] : indptr[i + 1]])
    return vocab, out, (data.dtype, indices.dtype, indptr.dtype)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole") / "bm25"
    KeywordIndex.build(_chunks(), top_k=20).save(folder)
    return folder


@pytest.mark.parametrize(("page", "block"), [(1, 7), (64, 100), (2000, 50_000)])
def test_written_by_pages_is_the_index_built_whole(tmp_path, saved, page, block):
    folder = tmp_path / "bm25"
    writer = KeywordWriter(folder, top_k=20, page=page, block=block)
    for chunk in _chunks():
        writer.add(*chunk)
    assert writer.close() == len(_chunks())

    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in saved.iterdir())
    for name in SAME_BYTES:
        assert (folder / name).read_bytes() == (saved / name).read_bytes(), name
    vocab, columns, dtypes = _columns(folder)
    saved_vocab, saved_columns, saved_dtypes = _columns(saved)
    assert vocab.keys() == saved_vocab.keys() and dtypes == saved_dtypes
    assert vocab[""] == len(vocab) - 1  # the empty token last, as bm25s adds it
    assert sorted(vocab.values()) == list(range(len(vocab)))
    for stem, (rows, weights) in saved_columns.items():
        assert np.array_equal(columns[stem][0], rows), stem
        assert columns[stem][1].tobytes() == weights.tobytes(), stem  # bit for bit


def test_written_index_answers_as_the_saved_one(tmp_path, saved):
    write_keyword_index(_chunks(), tmp_path / "bm25", top_k=20)
    written = KeywordIndex.load(tmp_path / "bm25", top_k=20)
    whole = KeywordIndex.load(saved, top_k=20)
    assert written.chunk_ids() == whole.chunk_ids()
    for query in QUERIES:
        expected = [(h.chunk_id, h.score, h.text) for h in whole.search(query, 20)]
        assert [(h.chunk_id, h.score, h.text) for h in written.search(query, 20)] == expected
        got = written.papers_with_words(query, 1000)
        want = whole.papers_with_words(query, 1000)
        assert (got is None) == (want is None) and list(got or ()) == list(want or ()), query
    assert written.search("pruning large language models", 5)


def test_no_chunk_writes_an_index_that_finds_nothing(tmp_path):
    assert write_keyword_index([], tmp_path / "bm25") == 0
    assert list((tmp_path / "bm25").iterdir()) == []
    assert KeywordIndex.load(tmp_path / "bm25").search("anything", 5) == []


def test_fewer_chunks_than_top_k(tmp_path):
    write_keyword_index([("a#0", "a", "graph neural networks")], tmp_path / "bm25", top_k=50)
    assert json.loads((tmp_path / "bm25" / "retriever.json").read_text())["similarity_top_k"] == 1
    hits = KeywordIndex.load(tmp_path / "bm25", top_k=50).search("graph networks", 5)
    assert [h.chunk_id for h in hits] == ["a#0"]
