"""Abstract-sentence vectors kept on disk, so each abstract is embedded once per embedder.

Answering scores every sentence of every candidate paper; embedding those sentences is
most of the cost of a first question about a paper (0.1–1 s on two cores with MiniLM),
while looking them up is well under a millisecond. The cache is one SQLite file per
embedder under the data dir's cache folder, keyed by a hash of the embedder name and the
sentences themselves: a changed abstract, a changed sentence splitter or another model
simply misses. SQLite makes it safe to share between the server and one-shot CLI
processes; a process that cannot write it (read-only disk) still answers, only slower.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def sentences_key(embedder_name: str, sentences: Sequence[str]) -> str:
    digest = hashlib.blake2b(embedder_name.encode(), digest_size=20)
    for sentence in sentences:
        digest.update(b"\x1f" + sentence.encode())
    return digest.hexdigest()


class SentenceVectorCache:
    """key → (n, dim) float32 array, persisted in SQLite."""

    def __init__(self, folder: Path, embedder_name: str, dim: int):
        self.embedder_name = embedder_name
        self.dim = dim
        self.path = Path(folder) / f"{_SAFE.sub('_', embedder_name)}.sqlite"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, data BLOB)")
            self._db = db
        return self._db

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if not keys:
            return {}
        try:
            with self._lock:
                db = self._connect()
                marks = ",".join("?" * len(keys))
                rows = db.execute(
                    f"SELECT key, data FROM vectors WHERE key IN ({marks})", list(keys)
                ).fetchall()
        except (sqlite3.Error, OSError):  # no cache folder (a file in its place), unreadable
            return {}
        return {
            key: np.frombuffer(data, dtype=np.float32).reshape(-1, self.dim) for key, data in rows
        }

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        if not items:
            return
        rows = [(k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        try:
            with self._lock:
                db = self._connect()
                with db:
                    db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
        except (sqlite3.Error, OSError):
            return  # a cache that cannot be written only costs time (see module doc)
