"""The corpus map of one index version, made from its evidence (index/evidence.py).

A paper's place comes from its vector (the mean of its abstract's sentence vectors),
its cluster from the nearest k-means centre, its cluster's label from the titles
(labels.py). Clusters, layout and labels are fitted on at most FIT_SAMPLE papers, then
every paper is assigned and placed, so every count covers the whole corpus; at most
MAX_POINTS papers, a fixed sample, are sent as points, which keeps the page light at
100,000 papers. The map is made once per version and kept (`CorpusMaps`) and saved
beside the version's snapshot, as the searcher keeps its snapshot.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from paperchat.corpus_map.labels import cluster_labels
from paperchat.corpus_map.layout import (
    assign,
    fit_centres,
    sample_rows,
    separating_plane,
    unit_square,
)
from paperchat.corpus_map.models import CorpusMap, MapCluster, MapPoint, YearBar
from paperchat.index.catalog import year_counts
from paperchat.index.snapshot import IndexSnapshot
from paperchat.index.store import DIRTY

MAX_POINTS = 5_000
FIT_SAMPLE = 10_000
MAX_CLUSTERS = 20
MARGIN = 0.02
MAP_FILE = "map.json"

log = logging.getLogger(__name__)


def cluster_count(papers: int) -> int:
    """About sqrt(n/2) clusters: 15 for the bundled 466 papers, at most MAX_CLUSTERS."""
    return max(1, min(MAX_CLUSTERS, papers, round(math.sqrt(papers / 2))))


def build_corpus_map(snapshot: IndexSnapshot, max_points: int = MAX_POINTS) -> CorpusMap:
    papers = snapshot.papers
    vectors_of = snapshot.evidence.paper_vectors()
    ids = vectors_of.ids
    k = cluster_count(len(ids))
    sample = sample_rows(len(ids), FIT_SAMPLE)
    if ids:
        # three passes over the papers' vectors, a batch at a time: what is kept is a
        # cluster and two coordinates a paper, never every vector (1.5 GB at a million)
        fitted = _rows_at(vectors_of.batches(), sample)
        centres = fit_centres(fitted, k)
        clusters = np.empty(len(ids), dtype=np.int64)
        for first, vectors in vectors_of.batches():
            clusters[first : first + len(vectors)] = assign(vectors, centres)
        clusters = _by_size(clusters, k)
        mean, basis = separating_plane(fitted, clusters[sample])
        plane = np.empty((len(ids), 2), dtype=np.float32)
        for first, vectors in vectors_of.batches():
            plane[first : first + len(vectors)] = (vectors - mean) @ basis
        xy = unit_square(plane, MARGIN)
    else:
        clusters, xy = np.zeros(0, dtype=np.int64), np.zeros((0, 2))
    labels = cluster_labels(
        [papers[ids[i]].display_title for i in sample], clusters[sample].tolist(), k
    )
    counts = np.bincount(clusters, minlength=k)
    shown = sample_rows(len(ids), max_points)
    years = year_counts(papers)
    undated = years.pop(None, 0)
    return CorpusMap(
        version=snapshot.version,
        papers=len(papers),
        mapped=len(ids),
        sampled=len(shown) < len(ids),
        clusters=[
            MapCluster(
                id=c,
                label=labels[c],
                count=int(counts[c]),
                x=round(float(xy[clusters == c, 0].mean()), 4),
                y=round(float(xy[clusters == c, 1].mean()), 4),
            )
            for c in range(k)
            if counts[c]
        ],
        points=[
            MapPoint(
                id=ids[i],
                title=papers[ids[i]].display_title,
                year=papers[ids[i]].year,
                x=round(float(xy[i, 0]), 4),
                y=round(float(xy[i, 1]), 4),
                cluster=int(clusters[i]),
            )
            for i in shown
        ],
        years=[YearBar(year=y, papers=n) for y, n in sorted(years.items())],
        undated=undated,
    )


def _rows_at(batches, rows: np.ndarray) -> np.ndarray:
    """The rows (sorted indices) of the matrix the (first index, rows) batches make."""
    out = []
    for first, vectors in batches:
        inside = rows[(rows >= first) & (rows < first + len(vectors))]
        out.append(vectors[inside - first])
    return np.concatenate(out)


def _by_size(labels: np.ndarray, k: int) -> np.ndarray:
    """Cluster ids renumbered so 0 is the largest (ties: the lower old id first)."""
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels]


class CorpusMaps:
    """The map of the latest version asked for, built once and shared by all callers.

    With `folder_of` (the version's snapshot folder), a map saved there (MAP_FILE, by
    ingest or by the first process that built it) is loaded instead of built: a server
    restart, a second replica or `paperchat map` pays a JSON read, not the build."""

    def __init__(self, folder_of: Callable[[IndexSnapshot], Path] | None = None) -> None:
        self._folder_of = folder_of
        self._lock = threading.Lock()
        self._map: CorpusMap | None = None

    def get(self, snapshot: IndexSnapshot) -> CorpusMap:
        with self._lock:  # one build at a time; the others wait for it and share it
            if self._map is None or self._map.version != snapshot.version:
                self._map = self._load(snapshot) or self._build(snapshot)
            elif snapshot.version == DIRTY:  # "dirty" names no one version: never reuse
                self._map = build_corpus_map(snapshot)
            return self._map

    def _file(self, snapshot: IndexSnapshot) -> Path | None:
        if self._folder_of is None or snapshot.version == DIRTY:
            return None
        return self._folder_of(snapshot) / MAP_FILE

    def _load(self, snapshot: IndexSnapshot) -> CorpusMap | None:
        path = self._file(snapshot)
        try:
            return CorpusMap.model_validate_json(path.read_bytes()) if path else None
        except (OSError, ValueError):  # not saved yet, pruned, or from an older shape
            return None

    def _build(self, snapshot: IndexSnapshot) -> CorpusMap:
        corpus = build_corpus_map(snapshot)
        path = self._file(snapshot)
        if path is not None:
            save_corpus_map(corpus, path.parent)
        return corpus


def save_corpus_map(corpus: CorpusMap, folder: Path) -> None:
    """Write the map into its version's snapshot folder (atomically), if that exists.

    A cache, like the snapshot: failing to write it costs the next process a build."""
    if not folder.is_dir():
        return
    tmp = folder / f"{MAP_FILE}.tmp{os.getpid()}"
    try:
        tmp.write_text(corpus.model_dump_json(), encoding="utf-8")
        os.replace(tmp, folder / MAP_FILE)
    except OSError as exc:
        log.warning("could not save the corpus map in %s: %s", folder, exc)
