"""The words an index version's abstracts use, each with its vector: how near a paper
comes to every word of a question.

A paraphrase keeps the meaning of each word it replaces ("voices" finds "speech" in a
paper on speech separation), while a question about something next to a paper's topic
has words that find nothing near them there ("traffic" and "road" in a paper on deeper
graph networks). The relevance model reads that as one feature: the mean, weighted by
rarity, of each question word's closeness to its nearest word in the paper.

Built with the evidence (every distinct content word embedded once, through the sentence
vector cache, so an ingest embeds only words it has not seen) and saved beside it: the
words as JSON, their vectors as one float16 matrix, memory-mapped when loaded. Storage
is per distinct word, not per paper (768 bytes each): the vocabulary grows far slower
than the corpus.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import repeat
from pathlib import Path

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.vector_cache import SentenceVectorCache, sentences_key
from paperchat.text.lexical import content_words

Embed = Callable[[list[str]], np.ndarray]
WORDS = "words.json"
VECTORS = "word_vectors.npy"
EMBED_BATCH = 512
CACHE_QUERY = 500  # keys per cache lookup (SQLite's limit on bound values)
WHOLE_MATRIX = 100_000  # up to this many words, a question is compared with all at once
_TAG = "\x1eword"  # cache keys of words never equal those of a one-sentence abstract
# embeds a question's unknown words while the caller embeds the question (ONNX Runtime
# releases the GIL, and a one-word run is too small to fill both cores)
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-words")


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def paper_words(paper: Paper) -> list[str]:
    return content_words(f"{paper.title or ''} {paper.abstract}")


class WordVectors:
    """word → unit vector for the content words of one index version."""

    def __init__(self, words: Sequence[str], vectors: np.ndarray, *, max_cached: int = 4096):
        self.words = list(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        self._vectors = vectors
        self._columns: np.ndarray | None = None  # float32, one column a word (small vocabularies)
        self._ids: OrderedDict[str, np.ndarray] = OrderedDict()
        self._unknown: OrderedDict[str, np.ndarray] = OrderedDict()  # words no abstract uses
        self._max_cached = max_cached
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def build(
        cls,
        papers: Iterable[Paper],
        embed: Embed,
        *,
        cache: SentenceVectorCache | None = None,
        embedder_name: str = "",
    ) -> WordVectors:
        words = {w for p in papers for w in paper_words(p)}
        return cls.of_words(words, embed, cache=cache, embedder_name=embedder_name)

    @classmethod
    def of_words(
        cls,
        words: Iterable[str],
        embed: Embed,
        *,
        cache: SentenceVectorCache | None = None,
        embedder_name: str = "",
    ) -> WordVectors:
        """The vectors of `words` (every content word of a version), cached ones reused."""
        vocabulary = sorted(set(words))
        keys = [sentences_key(embedder_name, [_TAG, w]) for w in vocabulary]
        stored: dict[str, np.ndarray] = {}
        if cache is not None:
            for first in range(0, len(keys), CACHE_QUERY):
                stored.update(cache.get_many(keys[first : first + CACHE_QUERY]))
        todo = [i for i, k in enumerate(keys) if k not in stored]
        fresh: dict[str, np.ndarray] = {}
        for first in range(0, len(todo), EMBED_BATCH):
            batch = todo[first : first + EMBED_BATCH]
            rows = _unit(embed([vocabulary[i] for i in batch]))
            fresh.update({keys[i]: row[None, :] for i, row in zip(batch, rows, strict=True)})
        if cache is not None and fresh:
            cache.put_many(fresh)
        found = {**stored, **fresh}
        dim = next(iter(found.values())).shape[1] if found else 0
        vectors = np.zeros((len(vocabulary), dim), dtype=np.float16)
        for i, key in enumerate(keys):
            vectors[i] = found[key][0]
        return cls(vocabulary, vectors)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / WORDS).write_text(json.dumps(self.words, ensure_ascii=False), encoding="utf-8")
        np.save(folder / VECTORS, np.asarray(self._vectors, dtype=np.float16))

    @classmethod
    def load(cls, folder: Path) -> WordVectors:
        words = json.loads((folder / WORDS).read_text(encoding="utf-8"))
        return cls(words, np.load(folder / VECTORS, mmap_mode="r"))

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / WORDS).exists() and (folder / VECTORS).exists()

    def vectors_of(self, words: Sequence[str], embed: Embed) -> np.ndarray:
        """Unit rows for `words`: looked up, or embedded when the corpus never uses one."""
        if not words:
            return np.zeros((0, self._vectors.shape[1] if self._vectors.ndim == 2 else 0))
        known = [self.index.get(w) for w in words]
        out = np.empty((len(words), self._vectors.shape[1]), dtype=np.float32)
        unknown = [i for i, k in enumerate(known) if k is None]
        with self._lock:
            seen_before = {i: self._unknown.get(words[i]) for i in unknown}
        for i, row in seen_before.items():
            if row is not None:
                out[i] = row
        todo = [i for i, row in seen_before.items() if row is None]
        if todo:  # one encoder call for the words no question asked before
            rows = _unit(embed([words[i] for i in todo]))
            out[todo] = rows
            with self._lock:
                for i, row in zip(todo, rows, strict=True):
                    self._unknown[words[i]] = row
                while len(self._unknown) > self._max_cached:
                    self._unknown.popitem(last=False)
        seen = [i for i, k in enumerate(known) if k is not None]
        if seen:
            out[seen] = np.asarray(self._vectors[[known[i] for i in seen]], dtype=np.float32)
        return out

    def lookup(self, words: Sequence[str], embed: Embed) -> Future[np.ndarray]:
        """`vectors_of(words, embed)`, computed in the background when some word must be
        embedded (already done otherwise)."""
        with self._lock:
            ready = all(w in self.index or w in self._unknown for w in words)
        if ready:
            done: Future[np.ndarray] = Future()
            done.set_result(self.vectors_of(words, embed))
            return done
        return _BACKGROUND.submit(self.vectors_of, list(words), embed)

    def ids_of(self, paper: Paper, words: Sequence[str] | None = None) -> np.ndarray:
        """The rows of the paper's content words (`words`, when the caller has them)."""
        with self._lock:
            found = self._ids.get(paper.id)
            if found is not None:
                self._ids.move_to_end(paper.id)
                return found
        words = words or paper_words(paper)
        ids = np.fromiter(map(self.index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
        ids = ids[ids >= 0]
        with self._lock:
            self._ids[paper.id] = ids
            while len(self._ids) > self._max_cached:
                self._ids.popitem(last=False)
        return ids

    def matcher(self, vectors: np.ndarray, weights: np.ndarray) -> Callable[..., np.ndarray]:
        """How near each paper comes to the question words given by their unit `vectors`:
        each word's cosine to the paper's nearest word, averaged with `weights`. The
        matcher takes the papers and, when the caller has them, their content words."""
        total = float(weights.sum())
        if not len(vectors) or not total or not len(self.words):
            return lambda papers, words=None: np.zeros(len(papers))

        def closeness(
            papers: Sequence[Paper], words: Sequence[Sequence[str]] | None = None
        ) -> np.ndarray:
            ids = [
                self.ids_of(p, w)
                for p, w in zip(papers, words or [None] * len(papers), strict=True)
            ]
            sizes = np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))
            out = np.zeros(len(papers))
            if not sizes.any():
                return out
            every = np.concatenate(ids)
            if len(self.words) <= WHOLE_MATRIX:  # every word at once beats gathering some
                if self._columns is None:
                    self._columns = np.ascontiguousarray(
                        np.asarray(self._vectors, dtype=np.float32).T
                    )
                near = (vectors @ self._columns)[:, every]
            else:
                used, where = np.unique(every, return_inverse=True)
                rows = np.asarray(self._vectors[used], dtype=np.float32)
                near = (vectors @ rows.T)[:, where]
            # near: one column per word of each paper, the papers one after another
            has = sizes > 0
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[has]
            nearest = np.maximum.reduceat(near, starts, axis=1)  # words × papers with words
            out[has] = np.clip(nearest, 0.0, 1.0).T @ weights / total
            return out

        return closeness
