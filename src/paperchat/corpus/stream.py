"""A corpus read as a stream: merged papers one at a time, without holding them all.

Merging needs to know every listing of a paper before it can emit the paper, and a
paper's listings may sit anywhere in any file. So the files are read twice. The first
pass (`scan_corpus`) parses every record and keeps only what merging needs: each
record's merge keys (the same keys as `merge.py`, hashed to 16 bytes), a union-find over
record numbers, the problems and which files yielded papers. The second pass
(`CorpusScan.papers`) parses again and yields each paper as soon as its last listing has
been read: a paper listed once (nearly all of them) at once, a repeated one when its
last listing comes. It holds the merge plan (about 100 bytes a record: a 1,000,000-record
file needs ~150 MB) and the repeated papers whose listings are not all read yet.

The papers are `load_corpus`'s, merged the same way, in file order instead of by id.
JSON Lines files are read a line at a time; the other formats are parsed a file at a
time (corpus/loader.py).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from paperchat.corpus.loader import corpus_files, iter_file
from paperchat.corpus.merge import merge_group, merge_keys
from paperchat.corpus.paper import Paper
from paperchat.corpus.parsing import Problem


@dataclass
class CorpusScan:
    """What the first pass learnt: enough to merge, count and report, no paper text."""

    files: list[Path]
    listings: int = 0  # records that became a paper listing
    papers: int = 0  # distinct papers once merged
    problems: list[Problem] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # names of files that yielded a listing
    _roots: array = field(default_factory=lambda: array("q"))
    _sizes: dict[int, int] = field(default_factory=dict)  # root -> listings, when > 1

    def iter_papers(self) -> Iterator[Paper]:
        """The merged papers (second pass over the same files)."""
        open_groups: dict[int, list[Paper]] = {}
        record = 0
        for file in self.files:
            for item in iter_file(file):
                if isinstance(item, Problem):
                    continue
                root = self._roots[record] if record < len(self._roots) else -1
                record += 1
                size = self._sizes.get(root, 1)
                if size == 1:
                    yield item
                    continue
                group = open_groups.setdefault(root, [])
                group.append(item)
                if len(group) == size:
                    yield merge_group(open_groups.pop(root))
        # Only a file that changed between the passes leaves a group short: emit it as is.
        for group in open_groups.values():
            yield merge_group(group)


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


def scan_corpus(
    paths: Iterable[Path], on_record: Callable[[int], object] | None = None
) -> CorpusScan:
    """First pass over the files under `paths` (see module doc); `on_record(1)` is
    called per record read (a progress bar's `update`)."""
    problems: list[Problem] = []
    scan = CorpusScan(files=corpus_files(paths, problems), problems=problems)
    parent = array("q")
    owner: dict[bytes, int] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for file in scan.files:
        for item in iter_file(file):
            if on_record is not None:
                on_record(1)
            if isinstance(item, Problem):
                problems.append(item)
                continue
            scan.named.add(file.name)
            i = len(parent)
            parent.append(i)
            for key in map(_digest, merge_keys(item)):
                if key in owner:
                    parent[root(i)] = root(owner[key])
                else:
                    owner[key] = i
    del owner
    scan.listings = len(parent)
    scan._roots = array("q", (root(i) for i in range(len(parent))))
    sizes = array("q", bytes(8 * scan.listings))
    for r in scan._roots:
        sizes[r] += 1
    scan.papers = sum(1 for n in sizes if n)
    scan._sizes = {r: n for r, n in enumerate(sizes) if n > 1}
    return scan
