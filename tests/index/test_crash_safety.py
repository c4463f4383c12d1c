"""Kill `paperchat ingest` with SIGKILL at seeded random moments; reruns must converge.

The write order makes this hold by construction: chunks carry hashes of their text and
metadata, the collection is stamped `dirty` while writing, and every run reconciles the
store with the corpus. The end state must be exactly the corpus, whatever was killed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import write_artifact

from paperchat.build import build_searcher, build_store, index_stats
from paperchat.settings import Settings

PAPERCHAT = str(Path(sys.executable).parent / "paperchat")
KILLS = int(os.environ.get("PAPERCHAT_CRASH_KILLS", "20"))


def test_ingest_survives_repeated_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    env = os.environ | {"PAPERCHAT_DATA_DIR": str(data_dir), "PAPERCHAT_EMBED_MODEL": "hash"}
    rng = random.Random(20261122)
    kills = runs = 0
    started = time.monotonic()
    deadline = time.monotonic() + max(240, 10 * KILLS)  # `make soak` kills more
    while kills < KILLS and time.monotonic() < deadline:
        proc = subprocess.Popen(
            [PAPERCHAT, "ingest"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        runs += 1
        try:
            proc.wait(timeout=rng.uniform(0.3, 6.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
        else:  # it finished before the kill: start over from nothing half the time
            if rng.random() < 0.5:
                subprocess.run(["rm", "-rf", str(data_dir)], check=True)
    assert kills >= KILLS, f"only {kills} of {KILLS} kills landed before the deadline"

    final = subprocess.run(
        [PAPERCHAT, "ingest"], env=env, capture_output=True, text=True, timeout=300
    )
    assert final.returncode == 0, final.stderr

    settings = Settings(data_dir=data_dir, embed_model="hash")
    stats = index_stats(settings)
    assert stats["papers"] == 466
    assert stats["version"] != "dirty"
    store = build_store(settings)
    manifest = store.manifest()
    assert len(manifest) == stats["chunks"]
    assert len({(c.paper_id, cid.rsplit("#", 1)[1]) for cid, c in manifest.items()}) == len(
        manifest
    )

    searcher = build_searcher(settings)
    assert searcher.snapshot.keyword.chunk_ids() == set(manifest)
    assert set(searcher.papers) == {c.paper_id for c in manifest.values()}
    assert searcher.search("speech separation", k=3)

    again = subprocess.run(
        [PAPERCHAT, "ingest", "--json"], env=env, capture_output=True, text=True, timeout=300
    )
    assert '"embedded": 0' in again.stdout
    report = {
        "kills": kills,
        "ingest_runs": runs,
        "seconds": round(time.monotonic() - started, 1),
        "papers": stats["papers"],
        "chunks": stats["chunks"],
    }
    print(f"\ncrash: {report} (written to {write_artifact('crash.json', report)})")
