"""The paper catalog of one index version, read from its snapshot by id when asked for.

A replica that parsed every paper of papers.jsonl into a pydantic object at start held
~17 KB per paper and took ~20 µs per paper to open: 17 GB and 40 s at a million. The
catalog instead keeps papers.jsonl on disk (index/keyed_lines.py): a paper is parsed
when it is looked up and kept in a small LRU, since a search reads a hundred papers
and an answer a few. What is scanned over every paper on every search — the years, for
a year filter — is a column (`papers.years.npy`), memory-mapped; the corpus hash that
answer provenance records is worked out by the writer and saved (`catalog.json`).

A `PaperCatalog` is a read-only Mapping[str, Paper], so code that reads papers by id
works on it as on the dict a snapshot built in memory has; iterating over all of it
streams the file in order, which is for the few places that need every paper once per
version (the corpus map, the UI's paper list), not per question.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from pathlib import Path

import numpy as np

from paperchat.corpus.paper import Paper, normalize_text
from paperchat.index.keyed_lines import KeyedLines, LineWriter

PAPERS_FILE = "papers.jsonl"
YEARS = "papers.years.npy"
BY_TITLE = "papers.by_title.npy"  # the rows in display-title order (the UI's paper list)
TITLES = "papers.titles.npy"  # a hash of each row's normalized title (0: untitled)
META = "catalog.json"
NO_YEAR = -1
CACHED = 4096  # parsed papers kept: a few searches' candidates


def _record_digest(paper: Paper) -> bytes:
    return hashlib.sha256(paper.model_dump_json(exclude={"sources"}).encode()).digest()


def _hash_of(digests: Iterable[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for pid, record in sorted(digests):
        digest.update(pid.encode() + b"\0" + record)
    return digest.hexdigest()


def corpus_hash(papers: Mapping[str, Paper]) -> str:
    """The same papers with the same text and metadata hash the same, whatever the order."""
    return _hash_of((pid, _record_digest(p)) for pid, p in papers.items())


def title_hash(normalized: str) -> int:
    """A 64-bit hash of a normalized title (normalize_text), never 0."""
    digest = hashlib.blake2b(normalized.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1


def write_catalog(papers: Iterable[Paper], folder: Path) -> int:
    """Write papers.jsonl with its index, the years column and the corpus hash, one paper
    at a time (the papers can be a stream); returns how many were written."""
    years: list[int] = []
    titles: list[str] = []
    hashes = array("Q")
    digests: list[tuple[str, bytes]] = []
    with LineWriter(folder / PAPERS_FILE) as out:
        for paper in papers:
            out.add(paper.id, paper.model_dump_json())
            years.append(NO_YEAR if paper.year is None else paper.year)
            titles.append(paper.display_title)
            hashes.append(title_hash(normalize_text(paper.title)) if paper.title else 0)
            digests.append((paper.id, _record_digest(paper)))
    np.save(folder / YEARS, np.asarray(years, dtype=np.int16))
    by_title = sorted(range(len(titles)), key=titles.__getitem__)  # stable, as sorted(papers)
    np.save(folder / BY_TITLE, np.asarray(by_title, dtype=np.int64))
    np.save(folder / TITLES, np.frombuffer(hashes, dtype=np.uint64))
    meta = {"papers": len(years), "corpus_hash": _hash_of(digests)}
    (folder / META).write_text(json.dumps(meta), encoding="utf-8")
    return len(years)


def read_papers(path: Path) -> dict[str, Paper]:
    """Every paper of a papers.jsonl, parsed (a snapshot written without its catalog)."""
    papers: dict[str, Paper] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                paper = Paper.model_validate_json(line)
                papers[paper.id] = paper
    return papers


class PaperCatalog(Mapping[str, Paper]):
    """The papers of a saved snapshot, by id; parsed on access, a few kept."""

    def __init__(self, folder: Path, *, cached: int = CACHED):
        self._lines = KeyedLines(folder / PAPERS_FILE)
        self._years = np.load(folder / YEARS, mmap_mode="r")
        self._by_title = np.load(folder / BY_TITLE, mmap_mode="r")
        self._titles = np.load(folder / TITLES, mmap_mode="r")
        self._title_order: np.ndarray | None = None  # argsort of the hashes, on first use
        self.corpus_hash: str = json.loads((folder / META).read_text(encoding="utf-8"))[
            "corpus_hash"
        ]
        self._cache: OrderedDict[str, Paper] = OrderedDict()
        self._cached = cached
        self._lock = threading.Lock()

    @staticmethod
    def exists(folder: Path) -> bool:
        return (
            KeyedLines.exists(folder / PAPERS_FILE)
            and (folder / YEARS).exists()
            and (folder / BY_TITLE).exists()
            and (folder / TITLES).exists()
            and (folder / META).exists()
        )

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[str]:
        return self._lines.keys()

    def __contains__(self, pid: object) -> bool:
        if not isinstance(pid, str):
            return False
        with self._lock:
            if pid in self._cache:
                return True
        return self._lines.row(pid) >= 0

    def __getitem__(self, pid: str) -> Paper:
        paper = self.many([pid])[0] if isinstance(pid, str) else None
        if paper is None:
            raise KeyError(pid)
        return paper

    def many(self, ids: Sequence[str]) -> list[Paper | None]:
        """The papers of many ids (None for those not in the catalog), the ones not kept
        found in one search of the keys: what a search asks for, a hundred at a time."""
        found: list[Paper | None] = [None] * len(ids)
        missing: list[int] = []
        with self._lock:
            for i, pid in enumerate(ids):
                paper = self._cache.get(pid)
                if paper is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(pid)
                    found[i] = paper
        if not missing:
            return found
        rows = self._lines.rows([ids[i] for i in missing])
        read = [(i, self._parse(int(r))) for i, r in zip(missing, rows, strict=True) if r >= 0]
        with self._lock:
            for i, paper in read:
                found[i] = self._cache[ids[i]] = paper
            while len(self._cache) > self._cached:
                self._cache.popitem(last=False)
        return found

    def values(self) -> ValuesView[Paper]:
        return _Values(self)

    def items(self) -> ItemsView[str, Paper]:
        return _Items(self)

    def first_by_title(self, limit: int) -> list[Paper]:
        """The first `limit` papers in display-title order."""
        return [self._parse(int(row)) for row in self._by_title[:limit]]

    def id_by_title(self, normalized: str) -> str | None:
        """The id of the last paper whose title normalizes to `normalized` (as a dict
        from normalized title to id, built in catalog order, would give), or None."""
        if not normalized or not len(self):
            return None
        if self._title_order is None:  # 8 bytes a paper, sorted once per version
            self._title_order = np.argsort(np.asarray(self._titles), kind="stable")
        hashes, order = self._titles, self._title_order
        wanted = np.uint64(title_hash(normalized))
        first = int(np.searchsorted(hashes, wanted, side="left", sorter=order))
        last = int(np.searchsorted(hashes, wanted, side="right", sorter=order))
        for at in reversed(range(first, last)):  # rows in catalog order: the last wins
            paper = self._parse(int(order[at]))
            if paper.title and normalize_text(paper.title) == normalized:
                return paper.id
        return None

    def _parse(self, row: int) -> Paper:
        return Paper.model_validate_json(self._lines.read(row))

    def stream(self) -> Iterator[Paper]:
        """Every paper in file order, parsed one at a time and not kept."""
        for line in self._lines.lines():
            yield Paper.model_validate_json(line)

    # -- the years column ----------------------------------------------------------------

    def share_from(self, since: int) -> float:
        """The share of papers from `since` on."""
        if not len(self):
            return 0.0
        return float(np.count_nonzero(self._years >= since)) / len(self)

    def year_counts(self) -> Counter[int | None]:
        """How many papers each year has (None: undated)."""
        years, counts = np.unique(np.asarray(self._years), return_counts=True)
        return Counter(
            {(None if y == NO_YEAR else int(y)): int(n) for y, n in zip(years, counts, strict=True)}
        )

    def from_year(self, ids: Sequence[str], since: int) -> list[bool]:
        """Whether each paper is in the catalog and from `since` on (no paper parsed)."""
        rows = self._lines.rows(ids)
        years = np.asarray(self._years[np.maximum(rows, 0)]) if len(rows) else rows
        return ((rows >= 0) & (years >= since)).tolist()


class _Values(ValuesView):
    def __iter__(self) -> Iterator[Paper]:
        return self._mapping.stream()


class _Items(ItemsView):
    def __iter__(self) -> Iterator[tuple[str, Paper]]:
        return ((p.id, p) for p in self._mapping.stream())


def share_from(papers: Mapping[str, Paper], since: int) -> float:
    """The share of `papers` from `since` on: the catalog's column, or every paper read."""
    if isinstance(papers, PaperCatalog):
        return papers.share_from(since)
    return sum(_from(p, since) for p in papers.values()) / max(len(papers), 1)


def papers_of(papers: Mapping[str, Paper], ids: Sequence[str]) -> list[Paper | None]:
    """The paper of each id, None for those `papers` lacks (a catalog reads them at once)."""
    if isinstance(papers, PaperCatalog):
        return papers.many(ids)
    return [papers.get(i) for i in ids]


def title_lookup(papers: Mapping[str, Paper]) -> Callable[[str], str | None]:
    """normalized title -> the id of the last paper of `papers` with that title."""
    if isinstance(papers, PaperCatalog):
        return papers.id_by_title
    return {normalize_text(p.title): p.id for p in papers.values() if p.title}.get


def first_by_title(papers: Mapping[str, Paper], limit: int) -> list[Paper]:
    """The first `limit` of `papers` in display-title order (ties in catalog order)."""
    if isinstance(papers, PaperCatalog):
        return papers.first_by_title(limit)
    return heapq.nsmallest(limit, papers.values(), key=lambda p: p.display_title)


def year_counts(papers: Mapping[str, Paper]) -> Counter[int | None]:
    """How many of `papers` each year has (None: undated)."""
    if isinstance(papers, PaperCatalog):
        return papers.year_counts()
    return Counter(p.year for p in papers.values())


def from_year(papers: Mapping[str, Paper], ids: Sequence[str], since: int) -> list[bool]:
    """Whether each id names a paper of `papers` from `since` on."""
    if isinstance(papers, PaperCatalog):
        return papers.from_year(ids, since)
    return [_from(papers.get(i), since) for i in ids]


def _from(paper: Paper | None, since: int) -> bool:
    return paper is not None and paper.year is not None and paper.year >= since
