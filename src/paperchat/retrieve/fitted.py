"""What the fitted parameter files (retrieve/relevance-*.json) hold for each logistic
model in them: standardised weights, written and read one way, and the names of the
inputs they were fitted on — a file fitted on other inputs is refused, not misread."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
