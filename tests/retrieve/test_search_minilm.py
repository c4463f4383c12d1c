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


@pytest.mark.parametrize("since", [2020, 2023, 2024, 2025])
def test_a_year_filter_finds_what_chromas_own_filter_finds(minilm_searcher, since):
    # most years are filtered after an unfiltered search (fast on a large index); a year
    # few papers pass (2025: under 5% here) is filtered inside Chroma: same papers either way
    query = "graph neural networks for node classification"
    vector = minilm_searcher.embedder.embed_query(query)
    filtered = minilm_searcher.store.query(vector, minilm_searcher.candidates, since, texts=False)
    expected = list(dict.fromkeys(h.paper_id for h in filtered))[:20]
    hits = minilm_searcher.search(query, k=20, since=since, method="dense")
    assert [h.paper.id for h in hits] == expected


def test_a_year_most_papers_pass_is_filtered_after_the_search(minilm_searcher, monkeypatch):
    store = minilm_searcher.store
    asked: list[int | None] = []
    query = store.query

    def recording(embedding, k, since=None, **options):
        asked.append(since)
        return query(embedding, k, since, **options)

    monkeypatch.setattr(store, "query", recording)
    minilm_searcher.search("graph neural networks", since=2023, method="dense")
    assert asked == [None]  # 22% of the papers are from 2023 on: one unfiltered search
    asked.clear()
    minilm_searcher.search("graph neural networks", since=2025, method="dense")
    assert asked == [2025]  # under 5%: Chroma filters
