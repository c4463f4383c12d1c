"""The saved BM25 index, queried with bm25s directly, ranks exactly as BM25Retriever does."""

from __future__ import annotations

from helpers import KEYWORD_QUERIES, bundled_chunks

from paperchat.index.keyword import KeywordIndex


def test_loaded_index_matches_the_retriever_it_was_built_with(tmp_path):
    built = KeywordIndex.build(bundled_chunks(), top_k=20)
    built.save(tmp_path / "bm25")
    loaded = KeywordIndex.load(tmp_path / "bm25", top_k=20)

    assert loaded.chunk_ids() == built.chunk_ids()
    assert len(loaded.chunk_ids()) == 466 == loaded.chunk_count()
    for query in KEYWORD_QUERIES:
        expected = [(h.chunk_id, round(h.score, 5), h.text) for h in built.search(query, 20)]
        got = [(h.chunk_id, round(h.score, 5), h.text) for h in loaded.search(query, 20)]
        assert got == expected, query
    assert loaded.search("pruning large language models", 5)


def test_empty_index_and_blank_query(tmp_path):
    empty = KeywordIndex.build([])
    empty.save(tmp_path / "bm25")
    assert KeywordIndex.load(tmp_path / "bm25").search("anything", 5) == []
    assert KeywordIndex.build(bundled_chunks()).search("   ", 5) == []


def test_an_index_saved_without_its_line_index_is_read_whole_and_answers_the_same(tmp_path):
    from bm25s.utils.corpus import JsonlCorpus

    from paperchat.index.keyword import LINE_INDEX

    built = KeywordIndex.build(bundled_chunks(), top_k=20)
    built.save(tmp_path / "bm25")
    mapped = KeywordIndex.load(tmp_path / "bm25", top_k=20)
    (tmp_path / "bm25" / LINE_INDEX).unlink()
    whole = KeywordIndex.load(tmp_path / "bm25", top_k=20)

    assert isinstance(mapped._retriever.corpus, JsonlCorpus)  # rows stay on disk
    assert isinstance(whole._retriever.corpus, list)
    assert not (tmp_path / "bm25" / LINE_INDEX).exists()  # loading wrote nothing
    for query in KEYWORD_QUERIES:
        assert [h.chunk_id for h in mapped.search(query, 20)] == [
            h.chunk_id for h in whole.search(query, 20)
        ], query
