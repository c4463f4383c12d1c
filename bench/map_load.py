"""The corpus map's load time: what the first visit of the Browse tab (or the first
`GET /api/map`) costs after a server opened an index version, and what later ones cost.

Each measure runs in a fresh interpreter over an index (`python -m bench.map_load
DATA_DIR`, JSON on stdout), so nothing is warm but the index itself. The first builds
the map (paper vectors, clusters, layout, labels, years) and saves it beside the
version's snapshot; the second is the next process, which loads the saved map. Each
then turns it into what the API sends (JSON) and what the UI sends (HTML with the SVG
and the year chart); repeats are served from the map kept in memory (warm).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.common import REPO, proc_memory_mb, run_checked, settings_for
from paperchat.corpus_map.build import MAP_FILE

REPEATS = 5


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def measure(data_dir: Path) -> dict:
    from paperchat.api.services import Services
    from paperchat.build import build_corpus_maps, build_searcher
    from paperchat.ui.corpus_map import corpus_map_html

    settings = settings_for(data_dir)
    open_s, searcher = _timed(lambda: build_searcher(settings))
    maps = build_corpus_maps(settings, searcher)
    services = Services(searcher=searcher, assistant=None, maps=maps)  # no assistant needed
    saved = any(data_dir.rglob(MAP_FILE))
    build_s, corpus = _timed(services.corpus_map)
    json_s, body = _timed(corpus.model_dump_json)
    html_s, html = _timed(lambda: corpus_map_html(corpus))
    warm = [_timed(lambda: services.corpus_map().model_dump_json())[0] for _ in range(REPEATS)]
    return {
        "papers": corpus.papers,
        "points": len(corpus.points),
        "clusters": len(corpus.clusters),
        "sampled": corpus.sampled,
        "from_saved_map": saved,
        "index_open_s": open_s,
        "build_s": build_s,
        "api_first_s": build_s + json_s,
        "api_warm_ms": 1000 * sorted(warm)[len(warm) // 2],
        "ui_first_s": build_s + html_s,
        "json_bytes": len(body),
        "html_bytes": len(html),
        "process": proc_memory_mb(os.getpid()),
    }


def _measure_in_child(data_dir: Path) -> dict:
    out = run_checked(
        [sys.executable, "-m", "bench.map_load", str(data_dir)],
        os.environ | {"HF_HUB_OFFLINE": "1"},
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(data_dir: Path) -> dict:
    """The first process (builds and saves the map), then the next (loads it)."""
    for saved in data_dir.rglob(MAP_FILE):
        saved.unlink()
    return {"built": _measure_in_child(data_dir), "saved": _measure_in_child(data_dir)}


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
