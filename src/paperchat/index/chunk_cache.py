"""Chunk texts remembered across ingests, so an unchanged paper is not split again.

Ingest re-plans every paper on every run to find what changed. Splitting is cheap per
paper, but the first split imports llama-index and NLTK's sentence tokenizer (~4–10 s on
two cores), which is most of a re-ingest of an unchanged corpus. The cache maps a hash of
(the chunking code, the embedder, the chunker's sizes, the paper's id, title and
abstract) to the chunk texts, in one SQLite file under the data dir's cache folder, read
a paper at a time: a million papers' chunk texts stay on disk, not in memory. Any change
to one of those misses and is split afresh. Ingest holds the writer lock, so one process
writes at a time; a killed ingest loses at most the row it was writing. A cache that
cannot be read or written (a full disk, the folder replaced by a file) is logged and
left out: ingest splits afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from pathlib import Path

from paperchat.corpus.paper import Paper
from paperchat.index import chunking
from paperchat.index.chunking import Chunk, Chunker, chunk_id

log = logging.getLogger("paperchat.index")


def _code_hash() -> str:
    return hashlib.sha256(Path(chunking.__file__).read_bytes()).hexdigest()[:16]


class CachedChunker:
    """A Chunker whose results are kept on disk (see module doc); same `split` contract."""

    def __init__(self, chunker: Chunker, folder: Path, scope: str = ""):
        """`scope` names what else the split depends on (the embedder that counts the
        window's tokens)."""
        self.chunker = chunker
        params = json.dumps(
            [_code_hash(), scope, chunker.chunk_tokens, chunker.overlap, chunker.window]
        ).encode()
        self.path = Path(folder) / f"{hashlib.sha256(params).hexdigest()[:16]}.sqlite"
        self._db: sqlite3.Connection | None = None
        self._usable = True

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and self._usable:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")  # a cache: a lost row is split again
                db.execute("CREATE TABLE IF NOT EXISTS chunks (key TEXT PRIMARY KEY, texts TEXT)")
                self._db = db
            except (OSError, sqlite3.Error) as exc:
                self._give_up("opened", exc)
        return self._db

    def _give_up(self, what: str, exc: Exception) -> None:
        self._usable, self._db = False, None
        log.warning("chunk cache %s cannot be %s (%s); splitting afresh", self.path, what, exc)

    def _get(self, key: str) -> list[str] | None:
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute("SELECT texts FROM chunks WHERE key = ?", (key,)).fetchone()
            return json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError) as exc:
            self._give_up("read", exc)
            return None

    def _put(self, key: str, texts: list[str]) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            db.execute("INSERT OR REPLACE INTO chunks VALUES (?, ?)", (key, json.dumps(texts)))
        except sqlite3.Error as exc:
            self._give_up("written", exc)

    @staticmethod
    def _key(paper: Paper) -> str:
        text = json.dumps([paper.id, paper.title, paper.abstract])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def split(self, paper: Paper) -> list[Chunk]:
        key = self._key(paper)
        texts = self._get(key)
        if texts is None:
            texts = [c.text for c in self.chunker.split(paper)]
            self._put(key, texts)
        return [
            Chunk(id=chunk_id(paper.id, i), paper_id=paper.id, index=i, text=text)
            for i, text in enumerate(texts)
        ]
