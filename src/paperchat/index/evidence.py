"""The evidence of one index version: every abstract in sentences, with their vectors,
the corpus's term statistics, the names it knows and its words' vectors
(index/word_vectors.py).

Answering and checking ask the same questions — which sentence of this abstract is
closest to that text, how rare is this word, does any abstract mention "ControlNet" — so
the answers are computed once per index version, when ingest writes it, and saved beside
the version's snapshot: the sentence vectors as one float16 matrix (memory-mapped when
loaded), the sentences as JSON lines (one per paper, indexed by id and read per paper
when loaded: index/keyed_lines.py), term document frequencies and the vocabulary as
JSON. A searcher swaps the evidence with the rest of the snapshot, so it is never stale.

Per paper, what is cheap to derive (stems, roles) is derived when the paper is first
retrieved and kept in a bounded LRU. Sentence vectors are embedded through a
SentenceVectorCache, so an ingest embeds only the sentences of new or changed papers.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from paperchat.corpus.paper import Paper
from paperchat.index.keyed_lines import KeyedLines, LineWriter
from paperchat.index.keyword import KeywordIndex
from paperchat.index.vector_cache import SentenceVectorCache, sentences_key
from paperchat.index.word_vectors import WordVectors
from paperchat.text.lexical import (
    TermWeights,
    content_stems,
    named_terms,
    stem,
    styled_head,
    terms,
    words,
)
from paperchat.text.roles import Role, sentence_role
from paperchat.text.sentences import split_sentences

Embed = Callable[[list[str]], np.ndarray]
Terms = tuple[frozenset[str], tuple[str, ...]]  # a paper's content stems and content words
VECTORS = "vectors.npy"
SENTENCES = "sentences.jsonl"
SPANS = "sentences.spans.npy"  # per line of SENTENCES: its first vector row, its sentences
TERMS = "terms.json"
EMBED_BATCH = 256
PHRASE_CANDIDATES = 2000  # chunks read to check a phrase, at most (more: common words)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True)
class PaperEvidence:
    """One paper's abstract, cut into sentences, each embedded, stemmed and given a role.

    Ranking reads only the vectors and the stems of the whole paper; the stems and roles
    of each sentence are worked out when an answer reads them, for the few papers it
    quotes, not for every candidate of every search."""

    paper: Paper
    sentences: list[str]
    vectors: np.ndarray  # (len(sentences), dim), unit rows, float32
    title_stems: set[str]
    saved_terms: Terms | None = None  # saved with the version; worked out when absent

    @cached_property
    def stems(self) -> list[set[str]]:
        return [content_stems(s) for s in self.sentences]

    @cached_property
    def roles(self) -> list[Role]:
        return [sentence_role(s, i) for i, s in enumerate(self.sentences)]

    @cached_property
    def all_stems(self) -> set[str]:
        # the title's and the abstract's, read as the term statistics read them
        return set(self._terms[0])

    @property
    def words(self) -> tuple[str, ...]:
        """The content words of the title and abstract, for the word vectors."""
        return self._terms[1]

    @cached_property
    def _terms(self) -> Terms:
        return self.saved_terms or terms(_text_of(self.paper))

    @cached_property
    def title_head_stems(self) -> set[str]:
        """Stems of the part of the title that names the paper: before the colon if any."""
        title = self.paper.title
        return content_stems(title.split(":", 1)[0]) if title else set()

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every sentence to a unit vector."""
        if not self.sentences:
            return np.zeros(0, dtype=np.float32)
        return self.vectors @ vector


@dataclass(frozen=True)
class PaperVectors:
    """The papers with sentences (`ids`) and their vectors, never all held at once (1.5 GB
    at a million): `batches` reads a memory-mapped version a slice at a time."""

    ids: list[str]
    starts: np.ndarray  # each paper's first sentence row
    counts: np.ndarray  # and how many it has
    sentence_vectors: np.ndarray

    def batches(self, size: int = 2_000) -> Iterator[tuple[int, np.ndarray]]:
        """(index of the first paper, unit rows) for `size` papers at a time."""
        for first in range(0, len(self.ids), size):
            last = min(first + size, len(self.ids)) - 1
            start, stop = self.starts[first], self.starts[last] + self.counts[last]
            rows = np.asarray(self.sentence_vectors[start:stop], dtype=np.float32)
            means = np.add.reduceat(rows, self.starts[first : last + 1] - start, axis=0)
            yield first, unit_rows(means)


@dataclass(frozen=True)
class Match:
    """The sentence of a paper that best matches some text, and how well."""

    paper: Paper
    index: int
    sentence: str
    cosine: float
    overlap: float


def best_match(evidence: PaperEvidence, vector: np.ndarray, stems: set[str]) -> Match | None:
    """The sentence of `evidence` closest to a text given by its vector and stems:
    cosine first, word overlap breaking near-ties (so the sentence sharing the claim's
    terms and numbers wins)."""
    if not evidence.sentences:
        return None
    cosines = evidence.similarities(vector)
    overlaps = [len(stems & s) / len(stems) if stems else 0.0 for s in evidence.stems]
    best = int(np.argmax(cosines + 0.25 * np.asarray(overlaps)))
    return Match(
        evidence.paper, best, evidence.sentences[best], float(cosines[best]), overlaps[best]
    )


def _text_of(paper: Paper) -> str:
    return f"{paper.title or ''} {paper.abstract}"


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


def sentence_line(paper: Paper, start: int, group: list[str]) -> str:
    """A paper's line of SENTENCES: its id, first vector row and sentences, and its
    terms, so a search that meets the paper for the first time need not read them off
    its text (most candidates, on a large index)."""
    stems, found = terms(_text_of(paper))
    others = sorted(stems - {stem(w) for w in found})  # of numbers ("2023", "10" of "cifar-10")
    return json.dumps([paper.id, start, group, found, others], ensure_ascii=False)


def _saved_terms(found: list[str], others: list[str]) -> Terms:
    """A paper's terms from its line: the stems are its words' and the rest saved."""
    return frozenset([*map(stem, found), *others]), tuple(found)


def _document_stems(paper: Paper) -> set[str]:
    return content_stems(_text_of(paper))


def _vocabulary_of(paper: Paper) -> set[str]:
    """Lower-cased word forms a paper uses, hyphenated ones also joined and split, so a
    name is found however it is written ("GPT-4", "gpt4")."""
    text = _text_of(paper)
    found: set[str] = set()
    for word in [*words(text), *(n.lower() for n in named_terms(text))]:
        found.add(word)
        if "-" in word:
            found.add(word.replace("-", ""))
            found.update(word.split("-"))
    return found


def _read_sentences(path: Path) -> tuple[dict[str, list[str]], dict[str, int]]:
    """Every paper's sentences and offset (evidence saved without its line index)."""
    sentences: dict[str, list[str]] = {}
    offsets: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            pid, offset, group, *_ = json.loads(line)
            sentences[pid], offsets[pid] = group, offset
    return sentences, offsets


def _terms(terms: dict) -> dict:
    return {"document_frequency": terms["df"], "vocabulary": terms["vocabulary"]}


def sentence_vectors(
    sentences: Mapping[str, list[str]],
    embed: Embed,
    cache: SentenceVectorCache | None,
    embedder_name: str,
) -> dict[str, np.ndarray]:
    """Each paper's sentence vectors (float16 unit rows; papers with sentences only): the
    cache's where it has them, the rest embedded in batches and added to it."""
    keys = {pid: sentences_key(embedder_name, s) for pid, s in sentences.items()}
    stored = cache.get_many(list(keys.values())) if cache is not None else {}
    todo = [pid for pid in sentences if keys[pid] not in stored and sentences[pid]]
    fresh: dict[str, np.ndarray] = {}
    flat = [(pid, s) for pid in todo for s in sentences[pid]]
    parts = []
    for start in range(0, len(flat), EMBED_BATCH):
        parts.append(unit_rows(embed([s for _, s in flat[start : start + EMBED_BATCH]])))
    done = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
    row = 0
    for pid in todo:
        n = len(sentences[pid])
        fresh[keys[pid]] = done[row : row + n]
        row += n
    if cache is not None and fresh:
        cache.put_many(fresh)
    vectors_of = {**stored, **fresh}
    return {
        pid: np.asarray(vectors_of[keys[pid]], dtype=np.float16)
        for pid, group in sentences.items()
        if group
    }


def count_terms(papers: Iterable[Paper], df: dict[str, int], vocabulary: set[str]) -> None:
    """Add the papers' stems to the document frequencies and their words to the vocabulary."""
    for paper in papers:
        for s in _document_stems(paper):
            df[s] = df.get(s, 0) + 1
        vocabulary |= _vocabulary_of(paper)


class _Listed:
    """Sentences and vector offsets held in memory (an evidence just built)."""

    def __init__(self, sentences: Mapping[str, list[str]], offsets: Mapping[str, int]):
        self._sentences, self._offsets = sentences, offsets

    def __len__(self) -> int:
        return len(self._sentences)

    def get(self, pid: str) -> tuple[int, list[str], Terms | None] | None:
        group = self._sentences.get(pid)
        return None if group is None else (self._offsets[pid], group, None)

    def rows(self) -> Iterator[tuple[str, int, list[str]]]:
        for pid, group in self._sentences.items():
            yield pid, self._offsets[pid], group

    def spans(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        ids = sorted((p for p, g in self._sentences.items() if g), key=self._offsets.__getitem__)
        starts = np.array([self._offsets[p] for p in ids], dtype=np.int64)
        counts = np.array([len(self._sentences[p]) for p in ids], dtype=np.int64)
        return ids, starts, counts


class _Stored:
    """Sentences of a saved evidence, read per paper from its SENTENCES file."""

    def __init__(self, folder: Path):
        self._lines = KeyedLines(folder / SENTENCES)
        self._spans = np.load(folder / SPANS, mmap_mode="r")  # (papers, 2): start, count

    def __len__(self) -> int:
        return len(self._lines)

    def get(self, pid: str) -> tuple[int, list[str], Terms | None] | None:
        row = self._lines.row(pid)
        if row < 0:
            return None
        _, start, group, *saved = json.loads(self._lines.read(row))
        return start, group, _saved_terms(*saved) if saved else None

    def rows(self) -> Iterator[tuple[str, int, list[str]]]:
        for line in self._lines.lines():
            pid, start, group, *_ = json.loads(line)
            yield pid, start, group

    def spans(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        spans = np.asarray(self._spans)
        rows = np.flatnonzero(spans[:, 1] > 0) if len(spans) else np.zeros(0, dtype=np.int64)
        rows = rows[np.argsort(spans[rows, 0], kind="stable")]
        ids = [self._lines.key(int(r)) for r in rows]
        return ids, spans[rows, 0].astype(np.int64), spans[rows, 1].astype(np.int64)


class Evidence:
    """Sentence units, vectors, term weights and vocabulary of one index version."""

    def __init__(
        self,
        papers: Mapping[str, Paper],
        sentences: Mapping[str, list[str]],
        offsets: Mapping[str, int],
        vectors: np.ndarray,
        document_frequency: Mapping[str, int],
        vocabulary: Iterable[str],
        *,
        word_vectors: WordVectors | None = None,
        max_cached: int = 4096,
    ):
        self._setup(
            papers, _Listed(sentences, offsets), vectors, document_frequency, vocabulary,
            word_vectors, max_cached,
        )  # fmt: skip

    def _setup(
        self,
        papers: Mapping[str, Paper],
        table: _Listed | _Stored,
        vectors: np.ndarray,
        document_frequency: Mapping[str, int],
        vocabulary: Iterable[str],
        word_vectors: WordVectors | None,
        max_cached: int,
    ) -> None:
        self.papers = papers
        self.word_vectors = word_vectors or WordVectors([], np.zeros((0, 0)))
        self._table = table
        self._vectors = vectors
        self.weights = TermWeights.from_counts(len(table), document_frequency)
        self._df = dict(document_frequency)
        self.vocabulary = frozenset(vocabulary)
        self._text: str | None = None  # every title and abstract, lower-cased, on first use
        self._postings: KeywordIndex | None = None  # the version's keyword index, for phrases
        self._cache: OrderedDict[str, PaperEvidence] = OrderedDict()
        self._max_cached = max_cached
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        return int(self._vectors.shape[1]) if self._vectors.ndim == 2 else 0

    @property
    def sentence_count(self) -> int:
        return int(self._vectors.shape[0])

    # -- building and storing ------------------------------------------------------------

    @classmethod
    def build(
        cls,
        papers: Mapping[str, Paper],
        embed: Embed,
        *,
        cache: SentenceVectorCache | None = None,
        embedder_name: str = "",
    ) -> Evidence:
        """Split every abstract and embed its sentences (the cache's vectors reused)."""
        sentences = {pid: split_sentences(p.abstract) for pid, p in papers.items()}
        vectors_of = sentence_vectors(sentences, embed, cache, embedder_name)
        blocks, offsets, at = [], {}, 0
        for pid, group in sentences.items():
            offsets[pid] = at
            if group:
                blocks.append(vectors_of[pid])
                at += len(group)
        dim = next((b.shape[1] for b in blocks), 0)
        vectors = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=np.float16)
        df: dict[str, int] = {}
        vocabulary: set[str] = set()
        count_terms(papers.values(), df, vocabulary)
        word_vectors = WordVectors.build(
            papers.values(), embed, cache=cache, embedder_name=embedder_name
        )
        return cls(papers, sentences, offsets, vectors, df, vocabulary, word_vectors=word_vectors)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / VECTORS, np.asarray(self._vectors, dtype=np.float16))
        spans = array("q")  # start, count per paper
        with LineWriter(folder / SENTENCES) as out:
            for pid, start, group in self._table.rows():
                out.add(pid, sentence_line(self.papers[pid], start, group))
                spans.extend((start, len(group)))
        np.save(folder / SPANS, np.frombuffer(spans, dtype=np.int64).reshape(-1, 2))
        terms = {"df": self._df, "vocabulary": sorted(self.vocabulary)}
        (folder / TERMS).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        self.word_vectors.save(folder)

    @classmethod
    def load(cls, folder: Path, papers: Mapping[str, Paper]) -> Evidence:
        """Open saved evidence: the vectors memory-mapped, the sentences read per paper
        when asked for (one line of SENTENCES each), the term statistics parsed."""
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        terms = json.loads((folder / TERMS).read_text(encoding="utf-8"))
        word_vectors = WordVectors.load(folder)
        if not (folder / SPANS).exists() or not KeyedLines.exists(folder / SENTENCES):
            return cls(
                papers,
                *_read_sentences(folder / SENTENCES),
                vectors,
                **_terms(terms),
                word_vectors=word_vectors,
            )
        evidence = cls.__new__(cls)
        evidence._setup(
            papers, _Stored(folder), vectors, terms["df"], terms["vocabulary"], word_vectors, 4096
        )
        return evidence

    @staticmethod
    def exists(folder: Path) -> bool:
        return WordVectors.exists(folder) and all(
            (folder / name).exists() for name in (VECTORS, SENTENCES, TERMS)
        )

    # -- reading -------------------------------------------------------------------------

    def mentions(self, name: str) -> bool:
        """Whether any title or abstract of this version uses the name (any case)."""
        key = name.lower()
        forms = {key, key.replace("-", "")}
        forms |= {f[:-1] for f in forms if f.endswith("s") and len(f) > 3}  # "GPUs"
        if head := styled_head(name):  # "CLIP-style" is about CLIP
            forms.add(head.lower())
        if name.isalpha() and name.istitle():  # a person's name in its adjective: "Gramian"
            stem_ = key[:-1] if key.endswith("e") else key  # "Laplace": "Laplacian"
            forms |= {f"{key}ian", f"{key}ean", f"{stem_}ian"}
        if any(f in self.vocabulary for f in forms):
            return True
        # "4DGen": a vocabulary saved before names could begin with a digit has "dgen"
        return key[:1].isdigit() and self.mentions_phrase(name)

    def use_postings(self, keyword: KeywordIndex) -> None:
        """Look phrases up through the version's keyword index (mentions_phrase)."""
        self._postings = keyword

    def mentions_phrase(self, phrase: str) -> bool:
        """Whether any title or abstract uses the phrase (any case, spacing folded).

        Only the papers whose chunks hold every word of the phrase are read (the keyword
        index's postings), so a check costs about the same at a million papers as at a
        few hundred. Words that more than PHRASE_CANDIDATES chunks share are common
        enough to count as used. Without postings every abstract is read, joined once."""
        key = _folded(phrase)
        if self._postings is not None:
            ids = self._postings.papers_with_words(phrase, PHRASE_CANDIDATES)
            if ids is None:
                return True
            return any(key in _folded(_text_of(self.papers[i])) for i in ids if i in self.papers)
        if self._text is None:
            self._text = " ".join(_folded(_text_of(p)) for p in self.papers.values())
        return key in self._text

    def get(self, paper: Paper) -> PaperEvidence:
        with self._lock:
            found = self._cache.get(paper.id)
            if found is not None:
                self._cache.move_to_end(paper.id)
                return found
        found = self._table.get(paper.id)
        if found is None:  # not of this version (a paper passed in from elsewhere)
            raise KeyError(paper.id)
        start, group, saved = found
        vectors = np.asarray(self._vectors[start : start + len(group)], dtype=np.float32)
        evidence = PaperEvidence(
            paper=paper,
            sentences=group,
            vectors=unit_rows(vectors) if len(group) else vectors.reshape(0, self.dim),
            title_stems=content_stems(paper.title or ""),
            saved_terms=saved,
        )
        with self._lock:
            self._cache[paper.id] = evidence
            while len(self._cache) > self._max_cached:
                self._cache.popitem(last=False)
        return evidence

    def get_many(self, papers: Sequence[Paper]) -> list[PaperEvidence]:
        return [self.get(p) for p in papers]

    def paper_vectors(self) -> PaperVectors:
        """Each paper with sentences and its vector (the unit mean of its sentences'),
        read a batch at a time."""
        return PaperVectors(*self._table.spans(), self._vectors)
