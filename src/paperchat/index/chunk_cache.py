"""Chunk texts remembered across ingests, so an unchanged paper is not split again.

Ingest re-plans every paper on every run to find what changed. Splitting is cheap per
paper, but the first split imports llama-index and NLTK's sentence tokenizer (~4–10 s on
two cores), which is most of a re-ingest of an unchanged corpus. The cache maps a hash of
(the chunking code, the embedder, the chunker's sizes, the paper's id, title and
abstract) to the chunk texts, in an append-only JSON Lines file under the data dir's
cache folder; any change to one of those misses and is split afresh. Ingest holds the
writer lock, so one process appends at a time. A cache that cannot be read or written (a
full disk, the folder replaced by a file) is logged and left out: ingest splits afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
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
        self.path = Path(folder) / f"{hashlib.sha256(params).hexdigest()[:16]}.jsonl"
        self._known: dict[str, list[str]] | None = None
        self._writable = True

    def _append(self, key: str, texts: list[str]) -> None:
        if not self._writable:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps([key, texts]) + "\n")
        except OSError as exc:
            self._writable = False
            log.warning(
                "chunk cache %s cannot be written (%s); going on without it", self.path, exc
            )

    def _load(self) -> dict[str, list[str]]:
        if self._known is None:
            self._known = {}
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                lines = []
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("chunk cache %s cannot be read (%s); splitting afresh", self.path, exc)
                lines = []
            for line in lines:
                try:
                    key, texts = json.loads(line)
                except ValueError:  # a line cut short by a killed ingest
                    continue
                self._known[key] = texts
        return self._known

    @staticmethod
    def _key(paper: Paper) -> str:
        text = json.dumps([paper.id, paper.title, paper.abstract])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def split(self, paper: Paper) -> list[Chunk]:
        known = self._load()
        key = self._key(paper)
        texts = known.get(key)
        if texts is None:
            texts = [c.text for c in self.chunker.split(paper)]
            known[key] = texts
            self._append(key, texts)
        return [
            Chunk(id=chunk_id(paper.id, i), paper_id=paper.id, index=i, text=text)
            for i, text in enumerate(texts)
        ]
