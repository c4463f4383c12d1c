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


def test_top_chunks_scores_as_bm25s_does_and_breaks_ties_by_chunk_order():
    """Ranking only the chunks the postings reach gives bm25s's own scores; its order is
    arbitrary among equal scores, ours the chunk order (the same in every process)."""
    import bm25s
    import numpy as np

    from paperchat.index.keyword import _TOKEN_PATTERN, top_chunks

    built = KeywordIndex.build(bundled_chunks(), top_k=30)
    bm25, stemmer = built._retriever.bm25, built._retriever.stemmer
    for query in [*KEYWORD_QUERIES, "model model training", "zzzunknownword"]:
        words = bm25s.tokenize(
            query,
            stemmer=stemmer,
            token_pattern=_TOKEN_PATTERN,
            return_ids=False,
            show_progress=False,
        )[0]
        docs, scores = top_chunks(bm25, words, 30)
        expected = bm25.get_scores(words) if words else np.zeros(bm25.scores["num_docs"])
        best = np.sort(expected[expected > 0])[::-1][:30]
        assert np.allclose(scores, best, atol=1e-5), query
        assert np.allclose(expected[docs], scores, atol=1e-5), query
        for a, b in zip(range(len(docs) - 1), range(1, len(docs)), strict=True):
            assert scores[a] > scores[b] or docs[a] < docs[b], query  # ties by chunk order
    assert len(top_chunks(bm25, ["zzzunknownword"], 5)[0]) == 0
