"""Keyword search: BM25 (bm25s), built with llama-index's BM25Retriever.

Chroma's own hybrid search runs only on distributed Chroma, so the keyword side lives
here, built from the chunk texts stored in Chroma and cached on disk per index version.

The index is built and saved by BM25Retriever (bm25s writes a line index of the chunk
rows beside them), or written a page of chunks at a time into the same files by the
version's writer (index/keyword_writer.py); it is loaded and queried with bm25s
directly, memory-mapped: the score matrices and the chunk rows stay on disk and are
read per hit, so a replica opening a large index parses none of its chunks. Queries
are tokenized exactly as BM25Retriever does (Snowball English stemmer, its token
pattern). Importing llama-index costs ~2 s (it pulls in scikit-learn), which a one-shot
`paperchat search` should not pay for a few milliseconds of BM25.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    paper_id: str
    text: str
    score: float


# BM25Retriever's query tokenization (llama_index.retrievers.bm25.base).
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
LINE_INDEX = "corpus.mmindex.json"


@dataclass
class _Loaded:
    """A saved index opened with bm25s: the BM25 model and its chunk rows."""

    bm25: object
    corpus: object  # rows with node_id, paper_id and _node_content (llama-index's node JSON)
    stemmer: object
    top_k: int


def _parts(retriever) -> tuple[object, object, object]:
    """(bm25s model, chunk rows, stemmer) of a just-built BM25Retriever or a loaded index."""
    return retriever.bm25, retriever.corpus, retriever.stemmer


class KeywordIndex:
    def __init__(self, retriever):
        self._retriever = retriever  # a BM25Retriever (just built) or _Loaded, or None

    @classmethod
    def build(cls, chunks: Iterable[tuple[str, str, str]], top_k: int = 50) -> KeywordIndex:
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [
            TextNode(
                id_=chunk_id,
                text=text,
                metadata={"paper_id": paper_id},
                excluded_embed_metadata_keys=["paper_id"],
            )
            for chunk_id, paper_id, text in chunks
        ]
        if not nodes:
            return cls(None)
        # BM25Retriever's defaults: English stop words and the Snowball English stemmer.
        retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=top_k)
        return cls(retriever)

    @classmethod
    def load(cls, path: Path, top_k: int = 50) -> KeywordIndex:
        if not (path / "retriever.json").exists():
            return cls(None)
        import bm25s
        import Stemmer

        # an index saved without its line index is read whole rather than have every
        # replica that opens it write one into the shared folder
        mmap = (path / LINE_INDEX).exists()
        bm25 = bm25s.BM25.load(str(path), load_corpus=True, mmap=mmap)
        top_k = min(top_k, int(bm25.scores["num_docs"]))
        return cls(_Loaded(bm25, bm25.corpus, Stemmer.Stemmer("english"), top_k))

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if isinstance(self._retriever, _Loaded):
            raise TypeError("a loaded keyword index is saved already")
        if self._retriever is not None:
            self._retriever.persist(str(path), show_progress=False)

    def chunk_count(self) -> int:
        """How many chunks are indexed, without reading any of them."""
        return 0 if self._retriever is None else len(self._retriever.corpus)

    def chunk_ids(self) -> set[str]:
        """Ids of every indexed chunk, to check that BM25 and the store agree."""
        if self._retriever is None:
            return set()
        corpus = self._retriever.corpus
        return {str(corpus[i]["node_id"]) for i in range(len(corpus))}

    def papers_with_words(self, text: str, limit: int) -> Iterator[str] | None:
        """The papers having a chunk that contains every keyword of `text` (BM25's own
        tokens: stemmed, no stop words), read lazily from the index's postings (a paper
        once per such chunk), without scoring.
        None when that narrows nothing down: `text` has no keyword (only stop words or
        single letters), or more than `limit` chunks contain them all."""
        if self._retriever is None:
            return iter(())
        import bm25s

        bm25, corpus, stemmer = _parts(self._retriever)
        words = bm25s.tokenize(
            text,
            stemmer=stemmer,
            token_pattern=_TOKEN_PATTERN,
            return_ids=False,
            show_progress=False,
        )[0]
        if not words:
            return None
        ids = [bm25.vocab_dict.get(w) for w in dict.fromkeys(words)]
        if any(i is None for i in ids):
            return iter(())  # a word no chunk uses
        indptr, indices = bm25.scores["indptr"], bm25.scores["indices"]
        postings = sorted(
            (indices[indptr[i] : indptr[i + 1]] for i in ids), key=len
        )  # rarest first: the intersection only shrinks
        chunks = np.asarray(postings[0])
        for more in postings[1:]:
            if not len(chunks):
                break
            chunks = np.intersect1d(chunks, more, assume_unique=True)
        if len(chunks) > limit:
            return None
        return (str(corpus[int(c)]["paper_id"]) for c in chunks)  # read as far as needed

    def search(self, query: str, n: int, *, texts: bool = True) -> list[KeywordHit]:
        """The n best chunks (at most the index's top_k); `texts=False` leaves their
        texts out (empty). A just-built index and a loaded one rank alike (`top_chunks`)."""
        if self._retriever is None or not query.strip():
            return []
        import bm25s

        bm25, corpus, stemmer = _parts(self._retriever)
        top_k = getattr(self._retriever, "top_k", None) or self._retriever.similarity_top_k
        words = bm25s.tokenize(
            query,
            stemmer=stemmer,
            token_pattern=_TOKEN_PATTERN,
            return_ids=False,
            show_progress=False,
        )[0]
        docs, scores = top_chunks(bm25, words, min(n, top_k))
        hits = []
        for doc, score in zip(docs, scores, strict=True):
            row = corpus[int(doc)]
            text = json.loads(row["_node_content"])["text"] if texts else ""
            hits.append(KeywordHit(str(row["node_id"]), str(row["paper_id"]), text, float(score)))
        return hits


def top_chunks(bm25, words: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k chunks of highest BM25 score for the query's tokens (a repeated token
    counts again), best first, ties in chunk order, with their scores; none that score 0.

    bm25s's own retrieve adds every posting into a score per chunk of the corpus and then
    partitions all of them; here only the chunks the postings reach are ranked, which at
    a million chunks is a third of the time."""
    ids = [bm25.vocab_dict[w] for w in words if w in bm25.vocab_dict]
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    data, indices, indptr = (bm25.scores[key] for key in ("data", "indices", "indptr"))
    spans = [(int(indptr[i]), int(indptr[i + 1])) for i in ids]
    postings = np.concatenate([indices[a:b] for a, b in spans])
    totals = np.bincount(postings, weights=np.concatenate([data[a:b] for a, b in spans]))
    found = np.flatnonzero(totals > 0)
    scores = totals[found].astype(np.float32)
    if len(found) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > kth)
        keep = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
        found, scores = found[keep], scores[keep]
    order = np.lexsort((found, -scores))
    return found[order], scores[order]
