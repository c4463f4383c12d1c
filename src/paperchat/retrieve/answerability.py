"""Does the corpus answer this question? Read off how the relevance model ranked it.

The relevance model (retrieve/relevance.py) scores each (question, paper) pair on its
own. Whether to answer at all is a question about the whole ranking: a paper described
in other words may match only moderately, but it stands out from the rest, while a
question the corpus only comes near ("pedestrian tracking" beside a video-editing paper)
matches several papers alike. So the decision reads the best paper's probability (as
log-odds) and how far that paper leads the others on each retriever's own signal —
dense similarity, keyword score, best sentence — in a small logistic model fitted on
the same labelled questions as the relevance model (`paperchat calibrate`), with the
cut that misclassifies the fewest of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperchat.retrieve import fitted

# the relevance FEATURES on which the best paper's lead over the others is measured
LEAD_OF = ("dense_similarity", "keyword_relative", "best_sentence")
INPUTS = ("best_log_odds", "dense_lead", "keyword_lead", "sentence_lead")
_EDGE = 1e-6


def question_row(probabilities: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """INPUTS for one question: `probabilities` of its candidates, and `leads` — one row
    per candidate, one column per LEAD_OF signal. The best paper is the likeliest."""
    best = int(np.argmax(probabilities))
    p = min(max(float(probabilities[best]), _EDGE), 1 - _EDGE)
    others = np.delete(leads, best, axis=0)
    ahead = leads[best] - (others.max(axis=0) if len(others) else leads[best])
    return np.concatenate([[math.log(p / (1 - p))], ahead])


@dataclass(frozen=True)
class Answerability:
    """Logistic regression on standardised INPUTS, and the cut from which to answer."""

    coefficients: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    cut: float

    def probability(self, row: np.ndarray) -> float:
        return float(
            fitted.probability(row, self.coefficients, self.intercept, self.mean, self.scale)
        )

    def answers(self, row: np.ndarray) -> bool:
        return self.probability(row) >= self.cut

    def to_json(self) -> dict:
        return {
            "inputs": list(INPUTS),
            **fitted.weights_json(self.coefficients, self.intercept, self.mean, self.scale),
            "cut": round(float(self.cut), 4),
        }

    @classmethod
    def from_json(cls, data: dict) -> Answerability:
        fitted.require_inputs(data["inputs"], INPUTS, "answerability model")
        return cls(**fitted.read_weights(data), cut=float(data["cut"]))


def fit(rows: Sequence[np.ndarray], answerable: Sequence[bool], best_cut) -> Answerability:
    """The model for questions given by their `question_row`s, and the cut `best_cut`
    (scores, labels → threshold) picks on its probabilities."""
    x, y = np.asarray(rows, dtype=float), np.asarray(answerable, dtype=int)
    weights = fitted.fit_weights(x, y)
    return Answerability(**weights, cut=best_cut(fitted.probability(x, **weights), y))
