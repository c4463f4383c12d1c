import pytest

from paperchat.retrieve.fusion import reciprocal_rank_fusion


def test_rrf_hand_computed():
    scores = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62)
    assert list(scores)[:2] == ["b", "a"]


def test_rrf_empty_rankings():
    assert reciprocal_rank_fusion([[], []]) == {}
