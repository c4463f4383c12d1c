"""Search on the bundled corpus with the real packaged MiniLM model and embedded Chroma."""

from __future__ import annotations

import pytest

from paperchat.errors import InputError


def _titles(hits) -> list[str]:
    return [(h.paper.title or "").lower() for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("which papers prune large language models?", "prun"),
        ("speech separation in the time domain", "conv-tasnet"),
        ("learning golden noise for text-to-image diffusion", "golden noise"),
        ("label noise on graphs", "erase"),
    ],
)
def test_relevant_paper_in_top_5(minilm_searcher, query, expected):
    hits = minilm_searcher.search(query, k=5)
    assert any(expected in title for title in _titles(hits)), _titles(hits)


def test_each_paper_appears_once_with_its_best_chunk(minilm_searcher):
    hits = minilm_searcher.search("diffusion models image generation", k=10)
    ids = [h.paper.id for h in hits]
    assert len(ids) == len(set(ids)) == 10
    for hit in hits:
        assert hit.chunk_id.startswith(hit.paper.id + "#")
        assert hit.chunk_text
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_since_filters_by_year(minilm_searcher):
    hits = minilm_searcher.search("graph neural networks", k=10, since=2024)
    assert hits
    assert all(h.paper.year is not None and h.paper.year >= 2024 for h in hits)


def test_methods_differ_and_hybrid_uses_both(minilm_searcher):
    query = "Conv-TasNet"
    dense = minilm_searcher.search(query, k=5, method="dense")
    keyword = minilm_searcher.search(query, k=5, method="keyword")
    hybrid = minilm_searcher.search(query, k=5)
    assert all(h.keyword_score is None for h in dense)
    assert all(h.similarity is None for h in keyword)
    assert "conv-tasnet" in _titles(keyword)[0]
    assert any(h.similarity is not None and h.keyword_score is not None for h in hybrid)


def test_empty_query_is_an_input_error(minilm_searcher):
    with pytest.raises(InputError, match="empty"):
        minilm_searcher.search("   ")
