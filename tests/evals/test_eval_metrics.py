"""The scorers against values computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import pytest

from paperchat.evals import metrics as m
from paperchat.evals.text import Statement

RANKED = ["a", "b", "c", "d", "e", "f"]


def test_hit_at_k():
    assert m.hit_at_k(RANKED, {"c"}, 3) == 1.0  # c is 3rd, inside the first 3
    assert m.hit_at_k(RANKED, {"c"}, 2) == 0.0  # ... but not inside the first 2
    assert m.hit_at_k(RANKED, {"z"}, 10) == 0.0
    assert m.hit_at_k([], {"a"}, 5) == 0.0


def test_reciprocal_rank():
    assert m.reciprocal_rank(RANKED, {"c", "e"}) == pytest.approx(1 / 3)  # first gold at 3
    assert m.reciprocal_rank(RANKED, {"a"}) == 1.0
    assert m.reciprocal_rank(RANKED, {"f"}, k=5) == 0.0  # f is 6th, outside k = 5
    assert m.reciprocal_rank(RANKED, set()) == 0.0


def test_ndcg_single_gold():
    # gold at rank 2: DCG = 1/log2(3) = 0.6309; ideal = 1/log2(2) = 1 → 0.6309
    assert m.ndcg_at_k(RANKED, {"b"}, 10) == pytest.approx(0.63093, abs=1e-5)


def test_ndcg_several_gold():
    # gold {a, c, z}: DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5 = 1.5
    # ideal puts 3 gold first: 1 + 1/log2(3) + 1/log2(4) = 1 + 0.63093 + 0.5 = 2.13093
    # nDCG = 1.5 / 2.13093 = 0.70392
    assert m.ndcg_at_k(RANKED, {"a", "c", "z"}, 10) == pytest.approx(0.70392, abs=1e-5)


def test_ndcg_ideal_is_capped_at_k():
    # 3 gold, k = 2: ideal = 1 + 1/log2(3) = 1.63093; found only "a" at 1 → 1 / 1.63093
    assert m.ndcg_at_k(RANKED, {"a", "x", "y"}, 2) == pytest.approx(0.61315, abs=1e-5)
    assert m.ndcg_at_k(RANKED, set(), 10) == 0.0


def test_recall_at_k():
    # gold {b, e, z}: in the first 5 are b and e → 2/3; in the first 2 only b → 1/3
    assert m.recall_at_k(RANKED, {"b", "e", "z"}, 5) == pytest.approx(2 / 3)
    assert m.recall_at_k(RANKED, {"b", "e", "z"}, 2) == pytest.approx(1 / 3)
    assert m.recall_at_k(RANKED, set(), 5) == 0.0


def test_contains_ignores_case_markers_and_accepts_spellings():
    assert m.contains("It reaches 82 % on CIFAR-10 [1].", "cifar-10")
    assert m.contains("a 20x speedup", ["20times", "20x"])
    assert not m.contains("a 20-fold speedup", ["20times", "20x"])


def test_fact_recall_needs_the_gold_citation():
    claims = [
        Statement("The dataset holds 100k pairs.", ("gold",)),
        Statement("Training took 32 GPU hours.", ("other",)),
        Statement("It was proposed in 2012.", ()),
    ]
    # "100k" stated and cited to gold: found. "32" stated but cited to another paper,
    # "2012" stated without citation: both missing → 1 of 3.
    assert m.fact_recall(claims, ["100k", "32", "2012"], {"gold"}) == pytest.approx(1 / 3)
    # an item with accepted spellings counts once
    assert m.fact_recall(claims, [["100,000", "100k"]], {"gold"}) == 1.0
    assert m.fact_recall(claims, [], {"gold"}) == 0.0


class Judge:
    """A scripted support judge: which paper sets support which sentence."""

    def __init__(self, table: dict[str, list[set[str]]]):
        self.table = table

    def __call__(self, sentence, papers) -> bool:
        cited = set(papers)
        return any(need <= cited for need in self.table.get(sentence, []))


def test_citation_recall_counts_uncited_sentences_as_unsupported():
    judge = Judge({"s1": [{"A"}], "s2": [{"B", "C"}]})
    claims = [
        Statement("s1", ("A",)),  # supported
        Statement("s2", ("B",)),  # B alone does not support s2
        Statement("s3", ()),  # no citation
        Statement("s2", ("B", "C")),  # B and C together do
    ]
    # 2 supported of 4 → 0.5
    assert m.citation_recall(claims, judge) == 0.5
    assert m.citation_recall([], judge) == 0.0


def test_citation_precision_alce():
    judge = Judge({"s1": [{"A"}], "s2": [{"B", "C"}], "s3": [{"D"}]})
    claims = [
        # supported; A alone supports → precise; X alone does not and A without X still
        # supports → X is irrelevant
        Statement("s1", ("A", "X")),
        # supported only jointly: B alone no, but C alone without B no → B needed; same C
        Statement("s2", ("B", "C")),
        # unsupported statement: its citation is imprecise
        Statement("s3", ("E",)),
        # single citation that supports → precise
        Statement("s3", ("D",)),
    ]
    # citations: 2 + 2 + 1 + 1 = 6; precise: A, B, C, D = 4 → 4/6
    assert m.citation_precision(claims, judge) == pytest.approx(4 / 6)
    assert m.citation_precision([Statement("s1", ())], judge) == 0.0


def test_abstention_precision_and_recall():
    abstained = [True, True, False, False, True]
    answerable = [False, True, False, True, False]
    # declined 3, of which unanswerable 2 → precision 2/3
    assert m.abstention_precision(abstained, answerable) == pytest.approx(2 / 3)
    # unanswerable 3 (items 0, 2, 4), declined 2 of them → recall 2/3
    assert m.abstention_recall(abstained, answerable) == pytest.approx(2 / 3)
    assert m.abstention_precision([False, False], [True, False]) == 1.0  # declined nothing
    assert m.abstention_recall([True], [True]) == 0.0  # nothing unanswerable


def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]  # sorted 1, 2, 3, 4
    assert m.percentile(values, 50) == pytest.approx(2.5)  # position 1.5 → 2 + 0.5·1
    # p95: position 0.95·3 = 2.85 → 3 + 0.85·(4 - 3) = 3.85
    assert m.percentile(values, 95) == pytest.approx(3.85)
    assert m.percentile(values, 0) == 1.0
    assert m.percentile(values, 100) == 4.0
    assert m.percentile([7.0], 95) == 7.0
    assert m.percentile([], 50) == 0.0


def test_accuracy_and_cohen_kappa():
    predicted = [True, True, True, False, False, True, False, False, True, True]
    truth = [True, True, False, False, False, True, True, False, True, True]
    # agree on 8 of 10 → p_o = 0.8
    assert m.accuracy(predicted, truth) == pytest.approx(0.8)
    # predicted True 6/10, truth True 6/10: p_e = 0.6·0.6 + 0.4·0.4 = 0.52
    # κ = (0.8 - 0.52) / (1 - 0.52) = 0.28 / 0.48 = 0.58333
    assert m.cohen_kappa(predicted, truth) == pytest.approx(0.58333, abs=1e-5)
    assert m.cohen_kappa([True, True], [True, True]) == 0.0  # chance agreement is 1
    assert m.cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)


def test_mean():
    assert m.mean([1.0, 2.0, 4.5]) == pytest.approx(2.5)
    assert m.mean([]) == 0.0
    assert not math.isnan(m.mean([]))


# ---------------------------------------------------------------- verdicts


VERDICTS = ("answered", "detail_missing", "not_in_corpus", "no_relevant_paper")


def test_verdict_accuracy():
    got = ["answered", "detail_missing", None, "no_relevant_paper"]
    expected = ["answered", "answered", "not_in_corpus", "no_relevant_paper"]
    assert m.verdict_accuracy(got, expected) == 0.5  # 1st and 4th of 4
    assert m.verdict_accuracy([], []) == 0.0


def test_confusion_counts_expected_by_got_with_errors_aside():
    expected = ["answered", "answered", "detail_missing", "not_in_corpus", "not_in_corpus"]
    got = ["answered", "detail_missing", "no_relevant_paper", "not_in_corpus", None]
    table = m.confusion(expected, got, VERDICTS)
    assert list(table) == list(VERDICTS)
    assert list(table["answered"]) == [*VERDICTS, "error"]
    assert table["answered"] == {
        "answered": 1, "detail_missing": 1, "not_in_corpus": 0, "no_relevant_paper": 0,
        "error": 0,
    }  # fmt: skip
    assert table["detail_missing"]["no_relevant_paper"] == 1
    assert table["not_in_corpus"]["not_in_corpus"] == 1
    assert table["not_in_corpus"]["error"] == 1
    assert sum(table["no_relevant_paper"].values()) == 0


# ---------------------------------------------------------------- calibration


def test_brier_score():
    # (0.9 - 1)² + (0.2 - 0)² + (0.6 - 0)² = 0.01 + 0.04 + 0.36 = 0.41 → / 3
    assert m.brier_score([0.9, 0.2, 0.6], [True, False, False]) == pytest.approx(0.41 / 3)
    assert m.brier_score([1.0, 0.0], [True, False]) == 0.0
    assert m.brier_score([], []) is None


def test_reliability_bins_predictions_and_observed_rates():
    predicted = [0.05, 0.15, 0.12, 0.95, 1.0, 0.5]
    observed = [False, True, False, True, True, False]
    table = m.reliability(predicted, observed, bins=10)
    assert len(table) == 10
    assert table[0] == {
        "low": 0.0, "high": 0.1, "count": 1, "mean_predicted": 0.05, "observed": 0.0
    }  # fmt: skip
    # 0.15 and 0.12 in [0.1, 0.2): mean 0.135, one of two observed
    assert table[1]["count"] == 2
    assert table[1]["mean_predicted"] == pytest.approx(0.135)
    assert table[1]["observed"] == 0.5
    assert table[5]["count"] == 1  # 0.5 opens the sixth bin
    # 0.95 and 1.0 both in the last bin (1.0 is not a bin of its own)
    assert table[9]["count"] == 2 and table[9]["observed"] == 1.0
    assert table[3] == {
        "low": pytest.approx(0.3), "high": 0.4, "count": 0, "mean_predicted": None,
        "observed": None,
    }  # fmt: skip


def test_expected_calibration_error():
    table = m.reliability([0.1, 0.1, 0.9, 0.9], [False, True, True, True], bins=2)
    # bin 0: predicted 0.1, observed 0.5 → gap 0.4, weight 2; bin 1: 0.9 vs 1.0 → 0.1, 2
    # ECE = (2·0.4 + 2·0.1) / 4 = 0.25
    assert m.expected_calibration_error(table) == pytest.approx(0.25)
    assert m.expected_calibration_error(m.reliability([], [], bins=4)) is None


# ---------------------------------------------------------------- paper sets


def test_paper_precision_and_recall():
    # cited a, b, x of gold a, b, c, d: precision 2/3, recall 2/4
    assert m.paper_precision(["a", "b", "x"], {"a", "b", "c", "d"}) == pytest.approx(2 / 3)
    assert m.paper_recall(["a", "b", "x"], {"a", "b", "c", "d"}) == 0.5
    assert m.paper_precision(["a", "a"], {"a"}) == 1.0  # a paper cited twice counts once
    assert m.paper_precision([], {"a"}) == 0.0  # citing nothing found nothing
    assert m.paper_recall(["a"], set()) == 0.0
