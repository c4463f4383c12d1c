"""Scoring functions: small, pure, and each unit-tested with hand-computed values.

Retrieval scorers take a ranked list of paper ids and the gold ids. Answer scorers take
an answer's statements (see `evals.text.statements`) and, for citations, a `Supports`
judge: `supports(sentence, paper_ids)` says whether those papers together back it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence

from paperchat.evals.text import Statement, normalize

Supports = Callable[[str, Sequence[str]], bool]


# ---------------------------------------------------------------- retrieval


def hit_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 when any gold paper is among the first k results, else 0.0."""
    return 1.0 if any(pid in gold for pid in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """1 / rank of the first gold paper within the first k; 0.0 when none is there."""
    for rank, pid in enumerate(ranked[:k], start=1):
        if pid in gold:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int = 10) -> float:
    """Normalized discounted cumulative gain with binary relevance: a gold paper at rank r
    gains 1 / log2(r + 1); the ideal ranking puts min(|gold|, k) gold papers first."""
    dcg = sum(1.0 / math.log2(r + 1) for r, pid in enumerate(ranked[:k], start=1) if pid in gold)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of the gold papers found in the first k results."""
    if not gold:
        return 0.0
    return len(set(ranked[:k]) & set(gold)) / len(set(gold))


# ---------------------------------------------------------------- answers


def contains(text: str, expected: str | Sequence[str]) -> bool:
    """Does the text state the expected string (or one of its accepted spellings)?"""
    spellings = [expected] if isinstance(expected, str) else list(expected)
    haystack = normalize(text)
    return any(normalize(s) in haystack for s in spellings)


def fact_recall(
    statements: Sequence[Statement],
    expected: Sequence[str | Sequence[str]],
    gold: Collection[str],
) -> float:
    """Share of the expected strings stated in a sentence that cites a gold paper.

    A right number with no citation, or cited to the wrong paper, does not count: the
    point is a grounded answer, not a lucky one.
    """
    if not expected:
        return 0.0
    found = sum(
        1
        for item in expected
        if any(contains(s.text, item) and set(s.cited) & set(gold) for s in statements)
    )
    return found / len(expected)


def citation_recall(statements: Sequence[Statement], supports: Supports) -> float:
    """ALCE citation recall: share of the statements that their citations, taken
    together, support. A statement without citations is unsupported."""
    if not statements:
        return 0.0
    backed = sum(1 for s in statements if s.cited and supports(s.text, s.cited))
    return backed / len(statements)


def citation_precision(statements: Sequence[Statement], supports: Supports) -> float:
    """ALCE citation precision: share of the citations that are needed.

    A citation counts when its statement is supported by all its citations together and
    the citation is not irrelevant; it is irrelevant when it supports nothing alone and
    the remaining citations still support the statement without it. Citations of an
    unsupported statement all count as imprecise. No citations at all scores 0.0.
    """
    total = sum(len(s.cited) for s in statements)
    if not total:
        return 0.0
    precise = 0
    for s in statements:
        if not supports(s.text, s.cited):
            continue
        if len(s.cited) == 1:
            precise += 1
            continue
        for paper in s.cited:
            rest = [p for p in s.cited if p != paper]
            if supports(s.text, [paper]) or not supports(s.text, rest):
                precise += 1
    return precise / total


def abstention_precision(abstained: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Of the questions the assistant declined, the share that were unanswerable.
    1.0 when it declined nothing (no wrong abstention was made)."""
    declined = [a for a, ok in zip(abstained, answerable, strict=True) if a]
    if not declined:
        return 1.0
    right = sum(1 for a, ok in zip(abstained, answerable, strict=True) if a and not ok)
    return right / len(declined)


def abstention_recall(abstained: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Of the unanswerable questions, the share the assistant declined (0.0 when none)."""
    unanswerable = [a for a, ok in zip(abstained, answerable, strict=True) if not ok]
    if not unanswerable:
        return 0.0
    return sum(unanswerable) / len(unanswerable)


# ---------------------------------------------------------------- summaries


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks, as
    numpy's default: position (n - 1) * q / 100 in the sorted values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def accuracy(predicted: Sequence[bool], truth: Sequence[bool]) -> float:
    pairs = list(zip(predicted, truth, strict=True))
    return sum(1 for p, t in pairs if p == t) / len(pairs) if pairs else 0.0


def cohen_kappa(predicted: Sequence[bool], truth: Sequence[bool]) -> float:
    """Agreement beyond chance: (p_o - p_e) / (1 - p_e), with p_e from each rater's
    marginal rate of saying True. 0.0 when chance agreement is already perfect."""
    pairs = list(zip(predicted, truth, strict=True))
    if not pairs:
        return 0.0
    n = len(pairs)
    observed = sum(1 for p, t in pairs if p == t) / n
    p_yes = sum(1 for p, _ in pairs if p) / n
    t_yes = sum(1 for _, t in pairs if t) / n
    expected = p_yes * t_yes + (1 - p_yes) * (1 - t_yes)
    if expected == 1.0:
        return 0.0
    return (observed - expected) / (1 - expected)


# ---------------------------------------------------------------- verdicts


def verdict_accuracy(got: Sequence[str | None], expected: Sequence[str]) -> float:
    """Share of the questions whose verdict is the expected one (0.0 when there are none)."""
    pairs = list(zip(got, expected, strict=True))
    return sum(1 for g, e in pairs if g == e) / len(pairs) if pairs else 0.0


def confusion(
    expected: Sequence[str], got: Sequence[str | None], labels: Sequence[str]
) -> dict[str, dict[str, int]]:
    """{expected: {got: count}} over `labels` × `labels`; a `got` outside the labels (an
    error, None) is counted under "error"."""
    table = {e: {g: 0 for g in [*labels, "error"]} for e in labels}
    for e, g in zip(expected, got, strict=True):
        table[e][g if g in labels else "error"] += 1
    return table


# ---------------------------------------------------------------- calibration


def brier_score(predicted: Sequence[float], observed: Sequence[bool]) -> float | None:
    """Mean squared gap between a predicted probability and what happened (1 or 0);
    None when there is nothing to score."""
    pairs = list(zip(predicted, observed, strict=True))
    if not pairs:
        return None
    return sum((p - float(o)) ** 2 for p, o in pairs) / len(pairs)


def reliability(
    predicted: Sequence[float], observed: Sequence[bool], bins: int = 10
) -> list[dict[str, float | int | None]]:
    """A reliability table: `bins` equal-width bins of the predicted probability, each with
    its count, mean predicted probability and observed rate (None for an empty bin). A
    probability of exactly 1.0 falls in the last bin."""
    rows: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, o in zip(predicted, observed, strict=True):
        rows[min(int(max(p, 0.0) * bins), bins - 1)].append((p, o))
    table = []
    for i, members in enumerate(rows):
        table.append(
            {
                "low": i / bins,
                "high": (i + 1) / bins,
                "count": len(members),
                "mean_predicted": mean([p for p, _ in members]) if members else None,
                "observed": mean([float(o) for _, o in members]) if members else None,
            }
        )
    return table


def expected_calibration_error(table: Sequence[dict]) -> float | None:
    """Count-weighted mean |mean predicted − observed| over a reliability table's bins."""
    total = sum(int(row["count"]) for row in table)
    if not total:
        return None
    return (
        sum(
            int(row["count"]) * abs(float(row["mean_predicted"]) - float(row["observed"]))
            for row in table
            if row["count"]
        )
        / total
    )


# ---------------------------------------------------------------- paper sets


def paper_precision(cited: Collection[str], gold: Collection[str]) -> float:
    """Share of the cited papers that are gold; citing nothing scores 0.0 (a summary that
    cites nothing has not found the topic's papers)."""
    cited = set(cited)
    return len(cited & set(gold)) / len(cited) if cited else 0.0


def paper_recall(cited: Collection[str], gold: Collection[str]) -> float:
    """Share of the gold papers cited (0.0 when there is no gold)."""
    gold = set(gold)
    return len(set(cited) & gold) / len(gold) if gold else 0.0
