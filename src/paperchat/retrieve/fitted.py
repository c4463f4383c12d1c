"""The logistic models of the fitted parameter files (retrieve/relevance-*.json): fitted,
applied, written and read one way — weights on standardised inputs, with the names of
the inputs they were fitted on, so a file fitted on other inputs is refused, not misread."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def fit_weights(x: np.ndarray, y: np.ndarray) -> dict:
    """Logistic regression (scikit-learn) of labels `y` on the standardised rows `x`: the
    keyword arguments `log_odds` and `weights_json` take."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale < 1e-9, 1.0, scale)
    regression = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    return {
        "coefficients": regression.coef_[0],
        "intercept": float(regression.intercept_[0]),
        "mean": mean,
        "scale": scale,
    }


def probability(
    rows: np.ndarray,
    coefficients: np.ndarray,
    intercept: float,
    mean: np.ndarray,
    scale: np.ndarray,
) -> np.ndarray:
    z = ((rows - mean) / scale) @ coefficients + intercept
    return 1.0 / (1.0 + np.exp(-z))


def weights_json(
    coefficients: np.ndarray, intercept: float, mean: np.ndarray, scale: np.ndarray
) -> dict:
    return {
        "coefficients": [round(float(c), 6) for c in coefficients],
        "intercept": round(float(intercept), 6),
        "mean": [round(float(m), 6) for m in mean],
        "scale": [round(float(s), 6) for s in scale],
    }


def read_weights(data: dict) -> dict:
    """The keyword arguments `weights_json` wrote, as arrays."""
    return {
        "coefficients": np.asarray(data["coefficients"], dtype=float),
        "intercept": float(data["intercept"]),
        "mean": np.asarray(data["mean"], dtype=float),
        "scale": np.asarray(data["scale"], dtype=float),
    }


def require_inputs(found: Sequence[str], expected: Sequence[str], what: str) -> None:
    if list(found) != list(expected):
        raise ValueError(
            f"the {what} was fitted on other inputs; refit it with `paperchat calibrate`"
        )
