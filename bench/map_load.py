"""The corpus map's load time: what the first visit of the Browse tab (or the first
`GET /api/map`) costs after the server opened an index version, and what later ones cost.

Run in a fresh interpreter over an index (`python -m bench.map_load DATA_DIR`, JSON on
stdout), so nothing is warm but the index itself: the map is built once (paper vectors,
clusters, layout, labels, years), then turned into what the API sends (JSON) and what
the UI sends (HTML with the SVG and the year chart); repeats are served from the map
kept for the version and give the warm figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.common import REPO, proc_memory_mb, run_checked, settings_for

REPEATS = 5


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def measure(data_dir: Path) -> dict:
    from paperchat.api.services import Services
    from paperchat.build import build_searcher
    from paperchat.ui.corpus_map import corpus_map_html

    open_s, searcher = _timed(lambda: build_searcher(settings_for(data_dir)))
    services = Services(searcher=searcher, assistant=None)  # the map needs no assistant
    build_s, corpus = _timed(services.corpus_map)
    json_s, body = _timed(corpus.model_dump_json)
    html_s, html = _timed(lambda: corpus_map_html(corpus))
    warm = [_timed(lambda: services.corpus_map().model_dump_json())[0] for _ in range(REPEATS)]
    return {
        "papers": corpus.papers,
        "points": len(corpus.points),
        "clusters": len(corpus.clusters),
        "sampled": corpus.sampled,
        "index_open_s": open_s,
        "build_s": build_s,
        "api_first_s": build_s + json_s,
        "api_warm_ms": 1000 * sorted(warm)[len(warm) // 2],
        "ui_first_s": build_s + html_s,
        "json_bytes": len(body),
        "html_bytes": len(html),
        "process": proc_memory_mb(os.getpid()),
    }


def run(data_dir: Path) -> dict:
    """`measure` in a fresh interpreter."""
    out = run_checked(
        [sys.executable, "-m", "bench.map_load", str(data_dir)],
        os.environ | {"HF_HUB_OFFLINE": "1"},
        cwd=REPO,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]))))
