"""Fit the relevance model: `paperchat calibrate`.

Labelled pairs come from an eval question file (default: the tune split of
evals/questions.jsonl): every candidate either retriever returns for a question is a
pair, labelled 1 when it is one of the question's gold papers and 0 otherwise (all 0 for
a question the corpus cannot answer). Dialog turns are left out (their meaning depends
on the conversation). A logistic regression (scikit-learn) on standardised features
gives the coefficients; the thresholds are then chosen on the same questions:

- `answer`: the best paper's probability from which one paper alone answers — the value
  that misclassifies the fewest questions (answerable vs not; questions naming something
  the corpus lacks are decided by that rule instead and left out);
- the answerability model (retrieve/answerability.py), which decides whether a question
  is answered from the best paper's probability and its lead over the others, fitted on
  the same questions with its cut chosen the same way (`--answerability-only` refits
  just this, keeping the ranking and the summary thresholds);
- `summary` (and `keep`), `summary_ratio`: the probability, absolute and as a share of
  the best paper's, from which a paper belongs to a topic's set — the pair whose weaker
  of mean precision and mean recall against the topic questions' gold sets is best (a
  summary needs both; mean F1 breaks ties).

The result is written as JSON next to retrieve/relevance.py (or `--out`), with what it
was fitted on; refit it for another embedder or another corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from paperchat.retrieve import answerability
from paperchat.retrieve.answerability import LEAD_OF, Answerability, question_row
from paperchat.retrieve.fitted import fit_weights
from paperchat.retrieve.relevance import FEATURES, RelevanceModel, family_of, features
from paperchat.retrieve.searcher import HybridSearcher

SKIP_TYPES = {"dialog"}
SUMMARY_K = 8
ANSWERABILITY_FIT = "; answerability: "  # in `fitted_on`, what the answerability was fitted on


@dataclass(frozen=True)
class Labelled:
    question_id: str
    type: str
    answerable: bool
    gold: frozenset[str]
    named_absent: bool
    rows: np.ndarray
    ids: list[str]


def collect(searcher: HybridSearcher, questions: Sequence) -> list[Labelled]:
    out = []
    for q in questions:
        if q.type in SKIP_TYPES:
            continue
        query = searcher.analyse(q.question)
        candidates, evidence = searcher.gather(query)
        rows, *_ = features(query, candidates, evidence)
        out.append(
            Labelled(
                q.id,
                q.type,
                q.answerable,
                frozenset(q.gold),
                bool(query.absent),
                rows,
                [c.paper.id for c in candidates],
            )
        )
    return out


def _best_cut(scores: np.ndarray, positive: np.ndarray) -> float:
    """The threshold with the fewest errors (score ≥ t ↔ positive), mid-gap."""
    order = np.sort(np.unique(scores))
    cuts = np.concatenate([[order[0] - 1e-6], (order[:-1] + order[1:]) / 2, [order[-1] + 1e-6]])
    errors = [int(np.sum((scores >= t) != positive)) for t in cuts]
    best = min(errors)
    chosen = [t for t, e in zip(cuts, errors, strict=True) if e == best]
    return float(np.median(chosen))


def fit(labelled: Sequence[Labelled], family: str, fitted_on: str) -> RelevanceModel:
    x = np.concatenate([item.rows for item in labelled])
    y = np.concatenate([[pid in item.gold for pid in item.ids] for item in labelled]).astype(int)
    weights = fit_weights(x, y)
    draft = RelevanceModel(family, **weights, answer=0.5, keep=0.5, summary=0.5)
    decided = _decided(labelled)
    tops = np.asarray([draft.probability(item.rows).max() for item in decided])
    answerable = np.asarray([item.answerable for item in decided])
    answer = _best_cut(tops, answerable)
    topics = [item for item in labelled if item.type == "topic" and item.gold]
    summary, ratio = _best_summary_cut(draft, topics) if topics else (answer, 0.0)
    return RelevanceModel(
        family,
        **weights,
        answer=round(answer, 4),
        keep=round(summary, 4),
        summary=round(summary, 4),
        summary_ratio=ratio,
        fitted_on=fitted_on,
        answerability=fit_answerability(draft, labelled),
    )


def _decided(labelled: Sequence[Labelled]) -> list[Labelled]:
    """The questions the answer threshold decides: not those naming something the corpus
    lacks (decided by that rule instead)."""
    return [item for item in labelled if not item.named_absent and len(item.rows)]


def fit_answerability(model: RelevanceModel, labelled: Sequence[Labelled]) -> Answerability:
    """The decision to answer, read off the rankings `model` gives these questions."""
    decided = _decided(labelled)
    leads = [FEATURES.index(name) for name in LEAD_OF]
    rows = [question_row(model.probability(item.rows), item.rows[:, leads]) for item in decided]
    return answerability.fit(rows, [item.answerable for item in decided], _best_cut)


def _best_summary_cut(model: RelevanceModel, topics: Sequence[Labelled]) -> tuple[float, float]:
    """(absolute, ratio) thresholds against the topics' gold sets: those with the best of
    the weaker of mean precision and mean recall (a summary needs both), ties broken by
    mean F1."""

    def quality(cut: float, ratio: float) -> tuple[float, float]:
        precisions, recalls, f1s = [], [], []
        for item in topics:
            p = model.probability(item.rows)
            order = np.argsort(-p)[:SUMMARY_K]
            floor = max(cut, ratio * float(p.max()))
            chosen = {item.ids[i] for i in order if p[i] >= floor}
            hit = len(chosen & item.gold)
            precision = hit / len(chosen) if chosen else 0.0
            recall = hit / len(item.gold)
            precisions.append(precision)
            recalls.append(recall)
            f1s.append(2 * precision * recall / (precision + recall) if hit else 0.0)
        weaker = min(float(np.mean(precisions)), float(np.mean(recalls)))
        return round(weaker, 6), round(float(np.mean(f1s)), 6)

    grid = [
        (float(c), float(r))
        for c in np.round(np.arange(0.02, 0.9, 0.01), 2)
        for r in (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
    ]
    values = [quality(c, r) for c, r in grid]
    best = max(values)
    ties = [g for g, v in zip(grid, values, strict=True) if v == best]
    return ties[len(ties) // 2]


def calibrate(
    searcher: HybridSearcher,
    questions: Sequence,
    *,
    out: Path,
    fitted_on: str,
    relevance: RelevanceModel | None = None,
) -> RelevanceModel:
    """Fit everything, or with `relevance` only the decision to answer on top of it
    (ranking and summary papers stay as they are)."""
    labelled = collect(searcher, questions)
    if relevance is None:
        model = fit(labelled, family_of(searcher.embedder.name), fitted_on)
    else:
        model = replace(
            relevance,
            answerability=fit_answerability(relevance, labelled),
            fitted_on=f"{relevance.fitted_on.split(ANSWERABILITY_FIT)[0]}{ANSWERABILITY_FIT}{fitted_on}",
        )
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    return model


def report(model: RelevanceModel) -> str:
    lines = [f"relevance model for {model.family} ({model.fitted_on})"]
    for name, c in zip(FEATURES, model.coefficients, strict=True):
        lines.append(f"  {name:<24} {c:+.3f}")
    if model.answerability:
        lines.append("  answerability:")
        for name, c in zip(answerability.INPUTS, model.answerability.coefficients, strict=True):
            lines.append(f"    {name:<22} {c:+.3f}")
        lines.append(f"    cut {model.answerability.cut:.3f}")
    lines.append(
        f"  thresholds: answer {model.answer:.3f}, keep {model.keep:.3f}, "
        f"summary {model.summary:.3f} (and {model.summary_ratio:.2f} of the best)"
    )
    return "\n".join(lines)
