"""Writing a version's evidence a page of papers at a time, in the format Evidence.load
reads (index/evidence.py).

Evidence.build holds every abstract's sentences, their vectors (twice, as float32 and
as float16) and every paper's stems at once: +1.5 GB at 100,000 papers. The writer
holds one page of papers: it splits, looks up or embeds their sentences, appends the
lines and vector rows to the files and adds their terms to the counts, then forgets
them. What grows with the corpus is the term counts and vocabulary, and an offset per
paper.
"""

from __future__ import annotations

import json
import struct
from array import array
from pathlib import Path

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.evidence import (
    SENTENCES,
    SPANS,
    TERMS,
    VECTORS,
    Embed,
    count_terms,
    sentence_line,
    sentence_vectors,
)
from paperchat.index.keyed_lines import LineWriter
from paperchat.index.vector_cache import SentenceVectorCache
from paperchat.index.word_vectors import WordVectors, paper_words
from paperchat.text.sentences import split_sentences

PAGE = 2000  # papers split and embedded together
HEADER_BYTES = 128  # the .npy header, written again in place once the row count is known


def npy_header(rows: int, dim: int) -> bytes:
    """A version 1.0 .npy header for float16 rows, padded to HEADER_BYTES whatever the
    shape, so the final one can overwrite the placeholder at the file's start."""
    text = f"{{'descr': '<f2', 'fortran_order': False, 'shape': ({rows}, {dim}), }}"
    prefix = np.lib.format.magic(1, 0) + struct.pack("<H", HEADER_BYTES - 10)
    return prefix + text.ljust(HEADER_BYTES - len(prefix) - 1).encode("latin1") + b"\n"


class EvidenceWriter:
    """`add` every paper of the version, in catalog order, then `close`."""

    def __init__(
        self,
        folder: Path,
        embed: Embed,
        *,
        cache: SentenceVectorCache | None = None,
        embedder_name: str = "",
        page: int = PAGE,
    ):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._embed, self._cache, self._name, self._page = embed, cache, embedder_name, page
        self._lines = LineWriter(folder / SENTENCES)
        self._vectors = (folder / VECTORS).open("wb")
        self._vectors.write(npy_header(0, 0))
        self._spans = array("q")  # first vector row and sentence count, per paper
        self._rows = 0
        self._dim = 0
        self._df: dict[str, int] = {}
        self._vocabulary: set[str] = set()
        self._words: set[str] = set()  # content words, embedded once at the end
        self._pending: list[Paper] = []

    def add(self, paper: Paper) -> None:
        self._pending.append(paper)
        if len(self._pending) >= self._page:
            self._flush()

    def _flush(self) -> None:
        papers, self._pending = self._pending, []
        sentences = {p.id: split_sentences(p.abstract) for p in papers}
        vectors = sentence_vectors(sentences, self._embed, self._cache, self._name)
        for paper in papers:
            group = sentences[paper.id]
            self._lines.add(paper.id, sentence_line(paper, self._rows, group))
            self._spans.extend((self._rows, len(group)))
            if group:
                rows = vectors[paper.id]
                self._dim = rows.shape[1]
                self._vectors.write(np.ascontiguousarray(rows, dtype=np.float16).tobytes())
                self._rows += len(group)
        count_terms(papers, self._df, self._vocabulary)
        for paper in papers:
            self._words.update(paper_words(paper))

    def close(self) -> int:
        """Write what is pending and the files that need every paper; the sentence count."""
        self._flush()
        self._lines.close()
        self._vectors.seek(0)  # rows were appended as they came; the count is known now
        self._vectors.write(npy_header(self._rows, self._dim))
        self._vectors.close()
        spans = np.frombuffer(self._spans, dtype=np.int64).reshape(-1, 2)
        np.save(self.folder / SPANS, spans)
        terms = {"df": self._df, "vocabulary": sorted(self._vocabulary)}
        (self.folder / TERMS).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        WordVectors.of_words(
            self._words, self._embed, cache=self._cache, embedder_name=self._name
        ).save(self.folder)
        return self._rows
