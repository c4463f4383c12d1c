"""Topic clusters and a 2-D layout from unit paper vectors, in plain numpy.

Clusters are spherical k-means (cosine; k-means++ seeding, then Lloyd steps), fitted on
a sample so a large corpus costs what a few thousand papers cost, then every paper is
assigned to its nearest centre. The layout is the linear projection that best separates
those clusters (Fisher's discriminant: the centres spread apart, each cluster kept
tight), fitted on the same sample; it shows topics as regions, where the top two
principal components of sentence-embedding vectors mostly show one blob. Both are
seeded, so one index version always gives the same map. numpy rather than scikit-learn:
importing sklearn costs seconds, and these are two small, fixed computations.
"""

from __future__ import annotations

import numpy as np

SEED = 18
ITERATIONS = 40
OUTER = 0.02  # the share of points on each side placed in the edge band
BAND = 0.05  # its width, as a share of the middle's
RIDGE = 1e-3  # keeps the within-cluster scatter invertible on a few hundred papers


def sample_rows(n: int, size: int, seed: int = SEED) -> np.ndarray:
    """Indices of at most `size` of n rows, sorted: the same ones for the same n."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def fit_centres(vectors: np.ndarray, k: int, seed: int = SEED) -> np.ndarray:
    """k unit centres of unit row vectors (spherical k-means)."""
    rng = np.random.default_rng(seed)
    centres = [vectors[rng.integers(len(vectors))]]
    closest = 1.0 - vectors @ centres[0]
    for _ in range(1, k):  # k-means++: far from the centres chosen so far, more likely
        weights = np.clip(closest, 0.0, None) ** 2
        total = weights.sum()
        if total > 0:
            pick = rng.choice(len(vectors), p=weights / total)
        else:  # every point is a centre already (duplicates): any will do
            pick = rng.integers(len(vectors))
        centres.append(vectors[pick])
        closest = np.minimum(closest, 1.0 - vectors @ vectors[pick])
    centres = np.stack(centres)
    for _ in range(ITERATIONS):
        labels = assign(vectors, centres)
        moved = centres.copy()
        for c in range(k):
            members = vectors[labels == c]
            if len(members):
                mean = members.sum(axis=0)
                moved[c] = mean / (np.linalg.norm(mean) or 1.0)
        if np.allclose(moved, centres, atol=1e-6):
            break
        centres = moved
    return centres


def assign(vectors: np.ndarray, centres: np.ndarray, batch: int = 20_000) -> np.ndarray:
    """The nearest centre (highest cosine) of every row."""
    out = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), batch):
        out[start : start + batch] = np.argmax(vectors[start : start + batch] @ centres.T, axis=1)
    return out


def separating_plane(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, (dim, 2) basis) of the 2-D projection that best separates the clusters.

    Fisher's directions solve between @ w = l * within @ w; as `between` is built from
    the k cluster centres, they lie in within^-1 @ centres, so one linear solve and a
    k x k eigenproblem find them. (A full 384 x 384 eigendecomposition takes seconds
    when OpenBLAS threads compete for two busy cores; a solve does not.)"""
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    dim = vectors.shape[1]
    within = np.zeros((dim, dim), dtype=np.float32)
    centres = []
    for c in np.unique(labels):
        members = centred[labels == c]
        centre = members.mean(axis=0)
        spread = members - centre
        within += spread.T @ spread
        centres.append(np.sqrt(len(members) / len(vectors)) * centre)
    within /= len(vectors)
    within += (RIDGE * np.trace(within) / dim + 1e-6) * np.eye(dim, dtype=np.float32)
    weighted = np.stack(centres)  # between = weighted.T @ weighted
    span = np.linalg.solve(within, weighted.T)  # (dim, k)
    inner = span.T @ within @ span
    values, vecs = np.linalg.eigh(inner)
    keep = values > values.max() * 1e-7  # the k centres span k - 1 directions
    whiten = vecs[:, keep] / np.sqrt(values[keep])
    projected = whiten.T @ (span.T @ weighted.T)
    _, directions = np.linalg.eigh(projected @ projected.T)
    basis = span @ whiten @ directions[:, ::-1][:, :2]
    while basis.shape[1] < 2:  # one or two clusters: add the widest direction left
        basis = np.column_stack([basis, _widest_other(centred[:2000], basis)])
    norms = np.linalg.norm(basis, axis=0)
    basis /= np.where(norms > 0, norms, 1.0)
    for j in range(basis.shape[1]):  # an eigenvector's sign is arbitrary: fix it
        if basis[np.argmax(np.abs(basis[:, j])), j] < 0:
            basis[:, j] = -basis[:, j]
    return mean, basis


def _widest_other(centred: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """The direction of widest spread not in `basis` (any axis when nothing spreads)."""
    rest = centred
    if basis.shape[1]:
        q, _ = np.linalg.qr(basis)
        rest = centred - (centred @ q) @ q.T
    if not rest.any():
        return np.eye(centred.shape[1], dtype=np.float32)[basis.shape[1]]
    return np.linalg.svd(rest, full_matrices=False)[2][0]


def unit_square(xy: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Coordinates scaled into 0..1 on both axes: the middle 96% of the points spread over
    most of the square, the outer 2% on each side squeezed, in order, into a thin band
    at its edge, so a few outliers neither squash the rest nor land on one spot."""
    low = np.percentile(xy, 100 * OUTER, axis=0)
    high = np.percentile(xy, 100 * (1 - OUTER), axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    t = (xy - low) / span
    t = np.where(t > 1, 1 + BAND * (1 - np.exp(-(t - 1) / BAND)), t)
    t = np.where(t < 0, -BAND * (1 - np.exp(t / BAND)), t)
    return (t + BAND) / (1 + 2 * BAND) * (1 - 2 * margin) + margin
